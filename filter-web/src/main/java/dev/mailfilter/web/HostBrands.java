package dev.mailfilter.web;

import dev.mailfilter.cluster.Brand;
import dev.mailfilter.cluster.Tenant;
import dev.mailfilter.cluster.TenantPage;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.TenantStoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The brands by the host names they list, so that the login page at {@code panel.acme.example}
 * wears Acme's brand before anyone has logged in. Read from the store's resellers at most once a
 * minute; a store that is down leaves the last map in place.
 */
final class HostBrands {
  private static final Duration TTL = Duration.ofMinutes(1);
  private static final int PAGE = 1000;

  private final TenantStore store;
  private final Clock clock;
  private volatile Map<String, Brand> byHost = Map.of();
  private volatile Instant loaded = Instant.MIN;

  HostBrands(TenantStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** The brand listing the host of a {@code Host} header ({@code panel.acme.example:8026}). */
  Optional<Brand> find(String hostHeader) {
    if (hostHeader == null || hostHeader.isEmpty()) {
      return Optional.empty();
    }
    String host = hostHeader;
    if (!host.startsWith("[")) {
      int colon = host.indexOf(':');
      if (colon >= 0) {
        host = host.substring(0, colon);
      }
    }
    return Optional.ofNullable(current().get(host.toLowerCase(Locale.ROOT)));
  }

  private Map<String, Brand> current() {
    Instant now = clock.instant();
    if (now.isAfter(loaded.plus(TTL)) || now.isBefore(loaded)) {
      synchronized (this) {
        if (now.isAfter(loaded.plus(TTL)) || now.isBefore(loaded)) {
          try {
            byHost = load();
          } catch (TenantStoreException e) {
            // keep the last map; the pages still work, only unbranded
          }
          loaded = now;
        }
      }
    }
    return byHost;
  }

  private Map<String, Brand> load() {
    Map<String, Brand> map = new HashMap<>();
    Optional<String> cursor = Optional.empty();
    do {
      TenantPage page = store.children(TenantPath.root(), cursor, PAGE);
      for (Tenant t : page.items()) {
        t.brand()
            .ifPresent(b -> b.hostNames().forEach(h -> map.put(h.toLowerCase(Locale.ROOT), b)));
      }
      cursor = page.next();
    } while (cursor.isPresent());
    return Map.copyOf(map);
  }
}
