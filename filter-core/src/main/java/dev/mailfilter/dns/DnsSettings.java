package dev.mailfilter.dns;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import dev.mailfilter.config.ConfigSection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolver settings (configuration section {@code dns}).
 *
 * @param servers name servers to ask, in order; empty means the system's (dnsjava's {@code
 *     ResolverConfig}: /etc/resolv.conf, or the platform's equivalent)
 * @param deadline how long all the lookups for one message may take together (default 1 s)
 * @param retries how many times a query that timed out or got SERVFAIL is sent again, to the next
 *     server, within the deadline (default 1)
 * @param cacheSize the most answers the cache holds (default 10 000); 0 disables it
 * @param maxCacheTtl the longest an answer is cached, whatever its TTL (default 1 h)
 */
public record DnsSettings(
    List<InetSocketAddress> servers,
    Duration deadline,
    int retries,
    long cacheSize,
    Duration maxCacheTtl) {

  /** The configuration section {@code dns}. */
  public static final ConfigSection<DnsSettings> SECTION =
      ConfigSection.of("dns", DnsConfigSections::dns);

  /** Validates; messages carry the bad value. */
  public DnsSettings {
    servers = List.copyOf(requireNonNull(servers, "servers"));
    requireNonNull(deadline, "deadline");
    requireNonNull(maxCacheTtl, "maxCacheTtl");
    checkArgument(
        !deadline.isNegative()
            && !deadline.isZero()
            && deadline.compareTo(Duration.ofMinutes(1)) <= 0,
        "dns.deadline must be in (0, 1 min]: %s",
        deadline);
    checkArgument(retries >= 0 && retries <= 10, "dns.retries must be in [0, 10]: %s", retries);
    checkArgument(cacheSize >= 0, "dns.cache_size must be >= 0: %s", cacheSize);
    checkArgument(!maxCacheTtl.isNegative(), "dns.max_cache_ttl must be >= 0: %s", maxCacheTtl);
    for (InetSocketAddress s : servers) {
      checkArgument(!s.isUnresolved(), "dns.servers entry must be an IP address: %s", s);
    }
  }

  /** The defaults: system servers, 1 s deadline, 1 retry, 10 000 cached answers, at most 1 h. */
  public static DnsSettings defaults() {
    return builder().build();
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.servers = new ArrayList<>(servers);
    b.deadline = deadline;
    b.retries = retries;
    b.cacheSize = cacheSize;
    b.maxCacheTtl = maxCacheTtl;
    return b;
  }

  /** Builds {@link DnsSettings}; validation happens in {@link #build}. */
  public static final class Builder {
    private List<InetSocketAddress> servers = new ArrayList<>();
    private Duration deadline = Duration.ofSeconds(1);
    private int retries = 1;
    private long cacheSize = 10_000;
    private Duration maxCacheTtl = Duration.ofHours(1);

    private Builder() {}

    /** Name servers to ask (empty: the system's). */
    public Builder servers(List<InetSocketAddress> servers) {
      this.servers = new ArrayList<>(servers);
      return this;
    }

    /** Adds one name server. */
    public Builder addServer(InetSocketAddress server) {
      servers.add(requireNonNull(server, "server"));
      return this;
    }

    /** The deadline for all lookups of one message. */
    public Builder deadline(Duration deadline) {
      this.deadline = deadline;
      return this;
    }

    /** Resends after a timeout or SERVFAIL. */
    public Builder retries(int retries) {
      this.retries = retries;
      return this;
    }

    /** The most cached answers (0: no cache). */
    public Builder cacheSize(long cacheSize) {
      this.cacheSize = cacheSize;
      return this;
    }

    /** The upper bound of a cached answer's lifetime. */
    public Builder maxCacheTtl(Duration maxCacheTtl) {
      this.maxCacheTtl = maxCacheTtl;
      return this;
    }

    /** Validates and builds. */
    public DnsSettings build() {
      return new DnsSettings(servers, deadline, retries, cacheSize, maxCacheTtl);
    }
  }
}
