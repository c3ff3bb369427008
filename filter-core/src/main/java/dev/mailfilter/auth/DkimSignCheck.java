package dev.mailfilter.auth;

import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.IpRange;
import dev.mailfilter.mime.Address;
import dev.mailfilter.mime.Mailbox;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * DKIM signing of outbound mail ({@code checks.dkim_sign}, DATA stage): a message is signed when
 * its {@code From} domain has a key configured <em>and</em> the client authenticated (SMTP AUTH) or
 * connects from one of the configured {@code networks}. Anything else is mail passing through, and
 * signing it would lend our domains' reputation to strangers.
 *
 * <p>Keys rotate by configuration: a domain may list several keys, each with a {@code from} date
 * (UTC midnight); the one with the latest {@code from} not in the future signs. A new key can thus
 * be published in DNS and configured ahead of its date, and the old one removed from the
 * configuration once mail signed with it is no longer in flight (its DNS record kept a little
 * longer).
 */
public final class DkimSignCheck implements Check {
  private static final List<SymbolDef> SYMBOLS =
      List.of(SymbolDef.of("DKIM_SIGNED", 0.0, "the message was DKIM-signed here"));

  /** One configured key and when it starts to sign. */
  record DomainKey(DkimSigner signer, Instant from) {}

  private final Map<String, List<DomainKey>> keys;
  private final List<IpRange> networks;
  private final Clock clock;

  private DkimSignCheck(Map<String, List<DomainKey>> keys, List<IpRange> networks, Clock clock) {
    this.keys = keys;
    this.networks = networks;
    this.clock = clock;
  }

  /**
   * Factory for {@code checks.dkim_sign}: {@code keys}, a list of {@code {domain, selector, key,
   * from, algorithm}} (key: a PEM file read now; from: optional date); {@code networks}, client
   * addresses or CIDR ranges whose mail is signed without authentication; {@code headers}, the
   * header names to sign (default: RFC 6376 section 5.4.1's set with From oversigned).
   *
   * @throws dev.mailfilter.config.ConfigException naming the key of a missing or bad setting
   */
  public static DkimSignCheck create(CheckSetup setup) {
    return create(setup, Clock.systemUTC());
  }

  static DkimSignCheck create(CheckSetup setup, Clock clock) {
    ConfigNode o = setup.options();
    List<String> headers = o.strings("headers");
    if (headers.isEmpty()) {
      headers = DkimSigner.DEFAULT_HEADERS;
    } else if (headers.stream().noneMatch(h -> h.strip().equalsIgnoreCase("from"))) {
      throw o.error("headers", "must include from (RFC 6376 section 5.4)");
    }
    List<IpRange> networks = new ArrayList<>();
    for (String n : o.strings("networks")) {
      try {
        networks.add(IpRange.parse(n));
      } catch (IllegalArgumentException e) {
        throw o.error("networks", e.getMessage());
      }
    }
    Map<String, List<DomainKey>> keys = new LinkedHashMap<>();
    for (ConfigNode k : o.sections("keys")) {
      String domain = k.string("domain", "").strip().toLowerCase(Locale.ROOT);
      if (domain.isEmpty()) {
        throw k.error("domain", "required");
      }
      String selector = k.string("selector", "").strip();
      if (selector.isEmpty()) {
        throw k.error("selector", "required");
      }
      Instant from = Instant.EPOCH;
      Optional<String> date = k.optionalString("from");
      if (date.isPresent()) {
        try {
          from = LocalDate.parse(date.get().strip()).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
          throw k.error("from", "expected a date like 2026-12-31, got \"" + date.get() + "\"");
        }
      }
      SigningKey key = SigningKey.fromConfig(k);
      DkimSigner signer = DkimSigner.create(domain, selector, key, headers);
      keys.computeIfAbsent(domain, d -> new ArrayList<>()).add(new DomainKey(signer, from));
    }
    keys.replaceAll(
        (d, list) ->
            list.stream().sorted(Comparator.comparing(DomainKey::from).reversed()).toList());
    return new DkimSignCheck(Map.copyOf(keys), List.copyOf(networks), clock);
  }

  @Override
  public String name() {
    return "dkim_sign";
  }

  @Override
  public Stage stage() {
    return Stage.DATA;
  }

  @Override
  public List<SymbolDef> symbols() {
    return SYMBOLS;
  }

  @Override
  public boolean blocking() {
    return false;
  }

  /** The key that signs for {@code domain} at {@code now}: the latest {@code from} not after it. */
  Optional<DkimSigner> signerFor(String domain, Instant now) {
    for (DomainKey k : keys.getOrDefault(domain.toLowerCase(Locale.ROOT), List.of())) {
      if (!k.from().isAfter(now)) {
        return Optional.of(k.signer());
      }
    }
    return Optional.empty();
  }

  private boolean mayUseOurKeys(CheckContext ctx) {
    if (ctx.connection().authenticatedUser().isPresent()) {
      return true;
    }
    InetAddress client = ctx.connection().clientAddress();
    return networks.stream().anyMatch(n -> n.contains(client));
  }

  @Override
  public void run(CheckContext ctx) {
    if (!mayUseOurKeys(ctx)) {
      return;
    }
    List<Address> from = ctx.message().from();
    if (from.isEmpty() || !(from.getFirst() instanceof Mailbox author)) {
      return;
    }
    Instant now = clock.instant();
    Optional<DkimSigner> signer = signerFor(author.domain(), now);
    if (signer.isEmpty()) {
      return;
    }
    DkimSigner s = signer.get();
    ctx.addHeader("DKIM-Signature", s.sign(ctx.message(), now));
    ctx.addSymbol("DKIM_SIGNED", s.domain() + ":" + s.selector());
  }
}
