package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import com.google.common.net.InetAddresses;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.dns.DnsAnswer;
import dev.mailfilter.dns.DnsResolver;
import dev.mailfilter.dns.QueryType;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/**
 * SPF verification (RFC 7208) on the project's {@link DnsResolver}: every lookup of one evaluation
 * shares the caller's {@link Deadline}, so a server that never answers gives {@code temperror} by
 * the deadline instead of a hang, and answers come from the resolver's cache when they can.
 *
 * <p>Thread-safe and immutable: each call evaluates on its own state.
 */
public final class SpfVerifier {
  private static final int MAX_MX_NAMES = 10;
  private static final int MAX_PTR_NAMES = 10;

  private final DnsResolver resolver;
  private final SpfSettings settings;

  private SpfVerifier(DnsResolver resolver, SpfSettings settings) {
    this.resolver = requireNonNull(resolver, "resolver");
    this.settings = requireNonNull(settings, "settings");
  }

  /** A verifier asking {@code resolver}. */
  public static SpfVerifier create(DnsResolver resolver, SpfSettings settings) {
    return new SpfVerifier(resolver, settings);
  }

  /** The settings this verifier evaluates with. */
  public SpfSettings settings() {
    return settings;
  }

  /**
   * Checks the MAIL FROM identity (RFC 7208 section 2.4). For the null sender ({@code sender}
   * empty) that is {@code postmaster@<helo>}; a sender without a local part gets {@code postmaster}
   * (section 4.3).
   *
   * @param client the SMTP client's address
   * @param helo the HELO/EHLO argument (for the {@code %{h}} macro)
   * @param sender the MAIL FROM address without angle brackets, empty for {@code <>}
   */
  public SpfResult checkMailFrom(
      InetAddress client, String helo, String sender, Deadline deadline) {
    requireNonNull(sender, "sender");
    requireNonNull(helo, "helo");
    if (sender.isEmpty()) {
      return checkHost(
          client, helo, "postmaster@" + helo, helo, SpfResult.Identity.MAILFROM, deadline);
    }
    int at = sender.lastIndexOf('@');
    String local = at < 0 ? "" : sender.substring(0, at);
    String domain = at < 0 ? sender : sender.substring(at + 1);
    if (local.isEmpty()) {
      local = "postmaster";
    }
    return checkHost(
        client, domain, local + "@" + domain, helo, SpfResult.Identity.MAILFROM, deadline);
  }

  /** Checks the HELO identity (RFC 7208 section 2.3): the name with {@code postmaster@<helo>}. */
  public SpfResult checkHelo(InetAddress client, String helo, Deadline deadline) {
    requireNonNull(helo, "helo");
    return checkHost(client, helo, "postmaster@" + helo, helo, SpfResult.Identity.HELO, deadline);
  }

  /**
   * RFC 7208's {@code check_host()}: the policy of {@code domain} for {@code client}.
   *
   * @param sender the {@code <sender>} argument, {@code local-part@domain}
   */
  public SpfResult checkHost(
      InetAddress client,
      String domain,
      String sender,
      String helo,
      SpfResult.Identity identity,
      Deadline deadline) {
    requireNonNull(client, "client");
    requireNonNull(domain, "domain");
    requireNonNull(identity, "identity");
    requireNonNull(deadline, "deadline");
    Evaluation e = new Evaluation(client, sender, helo, deadline);
    try {
      Outcome o = e.checkHost(domain, true);
      return new SpfResult(o.code(), identity, domain, sender, o.explanation(), o.reason());
    } catch (SpfException x) {
      return new SpfResult(x.code(), identity, domain, sender, Optional.empty(), x.getMessage());
    }
  }

  private record Outcome(SpfResult.Code code, String reason, Optional<String> explanation) {}

  /** The state of one {@code check_host()} with its recursion: the limits' counters. */
  private final class Evaluation {
    private final InetAddress ip;
    private final byte[] ipBytes;
    private final String sender;
    private final String localPart;
    private final String senderDomain;
    private final String helo;
    private final Deadline deadline;
    private int lookups;
    private int voids;
    private List<String> validatedNames;

    Evaluation(InetAddress ip, String sender, String helo, Deadline deadline) {
      this.ip = ip;
      this.ipBytes = ip.getAddress();
      this.sender = sender;
      int at = sender.lastIndexOf('@');
      this.localPart = at < 0 ? "postmaster" : sender.substring(0, at);
      this.senderDomain = sender.substring(at + 1);
      this.helo = helo;
      this.deadline = deadline;
    }

    Outcome checkHost(String domain, boolean explain) throws SpfException {
      if (!validDomain(domain)) {
        return new Outcome(SpfResult.Code.NONE, "malformed domain " + domain, Optional.empty());
      }
      DnsAnswer txt = query(domain, QueryType.TXT);
      switch (txt.status()) {
        case FOUND -> {}
        case NXDOMAIN, NODATA -> {
          return new Outcome(SpfResult.Code.NONE, "no SPF record at " + domain, Optional.empty());
        }
        default -> throw dnsError(txt);
      }
      List<String> records = txt.texts().stream().filter(SpfRecord::isSpf).toList();
      if (records.isEmpty()) {
        return new Outcome(SpfResult.Code.NONE, "no SPF record at " + domain, Optional.empty());
      }
      if (records.size() > 1) {
        throw SpfException.permerror("more than one SPF record at " + domain);
      }
      SpfRecord record = SpfRecord.parse(records.get(0));
      for (SpfRecord.Directive d : record.directives()) {
        if (matches(d.mechanism(), domain)) {
          SpfResult.Code code = d.qualifier().result;
          Optional<String> why =
              code == SpfResult.Code.FAIL && explain ? explain(record, domain) : Optional.empty();
          return new Outcome(code, domain + ": " + d.text() + " matched", why);
        }
      }
      if (record.redirect().isPresent() && !record.hasAll()) {
        countLookup();
        String target = record.redirect().get().expandDomain(values(domain));
        Outcome o = checkHost(target, explain);
        if (o.code() == SpfResult.Code.NONE) {
          throw SpfException.permerror(domain + ": redirect to " + target + " found no record");
        }
        return o;
      }
      return new Outcome(
          SpfResult.Code.NEUTRAL, domain + ": no directive matched", Optional.empty());
    }

    private boolean matches(SpfRecord.Mechanism m, String domain) throws SpfException {
      return switch (m) {
        case SpfRecord.All all -> true;
        case SpfRecord.Ip net -> net.contains(ipBytes);
        case SpfRecord.Include inc -> {
          countLookup();
          String target = inc.domain().expandDomain(values(domain));
          Outcome o = checkHost(target, false);
          yield switch (o.code()) {
            case PASS -> true;
            case FAIL, SOFTFAIL, NEUTRAL -> false;
            case NONE ->
                throw SpfException.permerror(
                    domain + ": include of " + target + " found no record");
            case TEMPERROR, PERMERROR -> throw new IllegalStateException("thrown, not returned");
          };
        }
        case SpfRecord.A a -> {
          countLookup();
          String target = target(a.domain(), domain);
          yield anyInNetwork(addresses(target), a.cidr4(), a.cidr6());
        }
        case SpfRecord.Mx mx -> {
          countLookup();
          String target = target(mx.domain(), domain);
          List<String> names = mxNames(target);
          if (names.size() > MAX_MX_NAMES) {
            throw SpfException.permerror(target + " has more than " + MAX_MX_NAMES + " MX records");
          }
          boolean match = false;
          for (String n : names) {
            if (!match && validDomain(n)) {
              match = anyInNetwork(addressesOfExchange(n), mx.cidr4(), mx.cidr6());
            }
          }
          yield match;
        }
        case SpfRecord.Ptr ptr -> {
          countLookup();
          String target = target(ptr.domain(), domain).toLowerCase(Locale.ROOT);
          boolean match = false;
          for (String n : validatedNames()) {
            match |= n.equals(target) || n.endsWith("." + target);
          }
          yield match;
        }
        case SpfRecord.Exists ex -> {
          countLookup();
          String target = ex.domain().expandDomain(values(domain));
          if (!validDomain(target)) {
            noteVoid();
            yield false;
          }
          // Always an A query, whatever the client's address family (section 5.7).
          DnsAnswer a = query(target, QueryType.A);
          yield switch (a.status()) {
            case FOUND -> true;
            case NXDOMAIN, NODATA -> {
              noteVoid();
              yield false;
            }
            default -> throw dnsError(a);
          };
        }
      };
    }

    private String target(Optional<MacroString> spec, String domain) throws SpfException {
      return spec.isPresent() ? spec.get().expandDomain(values(domain)) : domain;
    }

    private boolean anyInNetwork(List<InetAddress> addresses, int cidr4, int cidr6) {
      int prefix = ip instanceof Inet4Address ? cidr4 : cidr6;
      for (InetAddress a : addresses) {
        if (SpfRecord.inNetwork(ipBytes, a.getAddress(), prefix)) {
          return true;
        }
      }
      return false;
    }

    private QueryType addressType() {
      return ip instanceof Inet4Address ? QueryType.A : QueryType.AAAA;
    }

    /** The target's addresses of the client's family; nothing found is a void lookup. */
    private List<InetAddress> addresses(String target) throws SpfException {
      if (!validDomain(target)) {
        noteVoid();
        return List.of();
      }
      DnsAnswer a = query(target, addressType());
      return switch (a.status()) {
        case FOUND -> a.addresses();
        case NXDOMAIN, NODATA -> {
          noteVoid();
          yield List.of();
        }
        default -> throw dnsError(a);
      };
    }

    private List<InetAddress> addressesOfExchange(String name) throws SpfException {
      DnsAnswer a = query(name, addressType());
      return switch (a.status()) {
        case FOUND -> a.addresses();
        case NXDOMAIN, NODATA -> List.of();
        default -> throw dnsError(a);
      };
    }

    private List<String> mxNames(String target) throws SpfException {
      if (!validDomain(target)) {
        noteVoid();
        return List.of();
      }
      DnsAnswer a = query(target, QueryType.MX);
      return switch (a.status()) {
        case FOUND -> a.names();
        case NXDOMAIN, NODATA -> {
          noteVoid();
          yield List.of();
        }
        default -> throw dnsError(a);
      };
    }

    /**
     * The client's names whose addresses include the client (section 5.5): at most 10 PTR names are
     * tried, and a DNS error only leaves a name out.
     */
    private List<String> validatedNames() throws SpfException {
      if (validatedNames != null) {
        return validatedNames;
      }
      List<String> valid = new ArrayList<>();
      DnsAnswer ptr = query(reverseName(), QueryType.PTR);
      if (ptr.status() == DnsAnswer.Status.FOUND) {
        List<String> names = ptr.names();
        for (String n : names.subList(0, Math.min(MAX_PTR_NAMES, names.size()))) {
          if (!validDomain(n)) {
            continue;
          }
          DnsAnswer a = query(n, addressType());
          if (a.status() == DnsAnswer.Status.FOUND
              && a.addresses().stream().anyMatch(x -> Arrays.equals(x.getAddress(), ipBytes))) {
            valid.add(n);
          }
        }
      }
      validatedNames = List.copyOf(valid);
      return validatedNames;
    }

    private String reverseName() {
      StringBuilder b = new StringBuilder();
      if (ip instanceof Inet4Address) {
        for (int i = ipBytes.length - 1; i >= 0; i--) {
          b.append(ipBytes[i] & 0xff).append('.');
        }
        return b.append("in-addr.arpa").toString();
      }
      for (int i = ipBytes.length - 1; i >= 0; i--) {
        b.append(Character.forDigit(ipBytes[i] & 0xf, 16)).append('.');
        b.append(Character.forDigit((ipBytes[i] >> 4) & 0xf, 16)).append('.');
      }
      return b.append("ip6.arpa").toString();
    }

    /** The explanation of a fail (section 6.2): the exp= text, or the default when it fails. */
    private Optional<String> explain(SpfRecord record, String domain) throws SpfException {
      if (record.exp().isPresent()) {
        try {
          String target = record.exp().get().expandDomain(values(domain));
          if (validDomain(target)) {
            DnsAnswer a = query(target, QueryType.TXT);
            if (a.status() == DnsAnswer.Status.FOUND && a.texts().size() == 1) {
              return Optional.of(MacroString.parse(a.texts().get(0), true).expand(values(domain)));
            }
          }
        } catch (SpfException badExplanation) {
          // any error while finding or expanding it: the default explanation (section 6.2)
        }
      }
      try {
        return Optional.of(
            MacroString.parse(settings.defaultExplanation(), true).expand(values(domain)));
      } catch (SpfException badDefault) {
        return Optional.of(settings.defaultExplanation());
      }
    }

    private MacroString.Values values(String domain) {
      return letter ->
          switch (letter) {
            case 's' -> sender;
            case 'l' -> localPart.isEmpty() ? "postmaster" : localPart;
            case 'o' -> senderDomain;
            case 'd' -> domain;
            case 'i' -> macroAddress(ip);
            case 'p' -> validatedName(domain);
            case 'v' -> ip instanceof Inet4Address ? "in-addr" : "ip6";
            case 'h' -> helo;
            case 'c' -> InetAddresses.toAddrString(ip);
            case 'r' -> settings.receiver();
            case 't' -> Long.toString(System.currentTimeMillis() / 1000);
            default -> throw SpfException.permerror("unknown macro letter " + letter);
          };
    }

    /** {@code %{p}} (section 7.3): the target itself, else a subdomain of it, else any. */
    private String validatedName(String domain) throws SpfException {
      List<String> names = validatedNames();
      String d = domain.toLowerCase(Locale.ROOT);
      for (String n : names) {
        if (n.equals(d)) {
          return n;
        }
      }
      for (String n : names) {
        if (n.endsWith("." + d)) {
          return n;
        }
      }
      return names.isEmpty() ? "unknown" : names.get(0);
    }

    private void countLookup() throws SpfException {
      lookups++;
      if (lookups > settings.lookupLimit()) {
        throw SpfException.permerror(
            "more than " + settings.lookupLimit() + " DNS-querying terms (RFC 7208 4.6.4)");
      }
    }

    private void noteVoid() throws SpfException {
      voids++;
      if (voids > settings.voidLookupLimit()) {
        throw SpfException.permerror(
            "more than " + settings.voidLookupLimit() + " void lookups (RFC 7208 4.6.4)");
      }
    }

    private DnsAnswer query(String name, QueryType type) throws SpfException {
      try {
        return resolver.query(name, type, deadline).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw SpfException.temperror("interrupted looking up " + type + " " + name);
      } catch (ExecutionException e) {
        throw new IllegalStateException("resolver future failed for " + name, e);
      }
    }

    private SpfException dnsError(DnsAnswer a) {
      return SpfException.temperror(
          a.type() + " lookup of " + a.name() + ": " + a.status().name().toLowerCase(Locale.ROOT));
    }
  }

  /**
   * The {@code %{i}} of an address (RFC 7208 section 7.3): dotted quad, or for IPv6 the 32 nibbles
   * in lower-case hex separated by dots.
   */
  static String macroAddress(InetAddress ip) {
    if (ip instanceof Inet4Address) {
      return ip.getHostAddress();
    }
    StringBuilder b = new StringBuilder();
    for (byte x : ip.getAddress()) {
      b.append(Character.forDigit((x >> 4) & 0xf, 16)).append('.');
      b.append(Character.forDigit(x & 0xf, 16)).append('.');
    }
    return b.substring(0, b.length() - 1);
  }

  /**
   * Whether {@code domain} can be looked up: at least two labels of 1 to 63 octets (a trailing dot
   * aside), 253 in all, not an address literal (RFC 7208 section 4.3).
   */
  static boolean validDomain(String domain) {
    String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
    if (d.isEmpty() || d.length() > 253 || d.startsWith("[")) {
      return false;
    }
    String[] labels = d.split("\\.", -1);
    if (labels.length < 2) {
      return false;
    }
    for (String l : labels) {
      if (l.isEmpty() || l.length() > 63) {
        return false;
      }
    }
    return true;
  }
}
