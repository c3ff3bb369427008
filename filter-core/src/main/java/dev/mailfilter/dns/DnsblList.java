package dev.mailfilter.dns;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Stage;
import java.net.Inet4Address;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One DNS blocklist (an entry of configuration section {@code dnsbl.lists}), configured as in
 * postscreen and Rspamd.
 *
 * @param symbol the list's symbol, used for listings whose code has no entry in {@code returnCodes}
 *     and as the list's name in logs (e.g. {@code RBL_SPAMHAUS})
 * @param zone the list's DNS zone, e.g. {@code zen.spamhaus.org}
 * @param kind what is looked up: client IPs, sender/HELO domains, or URL domains
 * @param weight the score each symbol of this list adds
 * @param returnCodes A records mapped to symbols; when not empty it is also the return-code filter:
 *     other 127.0.0.0/8 answers are not listings (postscreen's {@code zone=127.0.0.[2..11]})
 * @param errorCodes answers that mean "the list refused to answer" (Spamhaus
 *     127.255.255.252/254/255, 127.0.1.255): never listings, one rate-limited warning and the
 *     {@code RBL_BLOCKED} symbol. Any answer outside 127.0.0.0/8 is treated the same way.
 * @param stage the SMTP stage the list is checked at
 * @param testPoints whether the RFC 5782 test points are checked at start-up
 */
public record DnsblList(
    String symbol,
    String zone,
    ListKind kind,
    double weight,
    Map<Inet4Address, String> returnCodes,
    Set<Inet4Address> errorCodes,
    Stage stage,
    boolean testPoints) {

  private static final Pattern SYMBOL = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
  private static final Pattern ZONE =
      Pattern.compile("(?=.{1,200}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\\.)*[a-z0-9-]{1,63}");

  /** The error answers Spamhaus documents; the default {@code errorCodes}. */
  public static final Set<Inet4Address> SPAMHAUS_ERROR_CODES =
      ImmutableSet.of(
          ip("127.255.255.252"), ip("127.255.255.254"), ip("127.255.255.255"), ip("127.0.1.255"));

  /** Validates; messages carry the bad value. */
  public DnsblList {
    requireNonNull(symbol, "dnsbl.lists[].symbol");
    checkArgument(
        SYMBOL.matcher(symbol).matches(),
        "dnsbl.lists[].symbol must be upper case letters, digits and '_': '%s'",
        symbol);
    zone = normalizeZone(zone, "dnsbl.lists[].zone");
    requireNonNull(kind, "dnsbl.lists[].kind");
    requireNonNull(stage, "dnsbl.lists[].stage");
    checkArgument(Double.isFinite(weight), "dnsbl.lists[].weight must be finite: %s", weight);
    returnCodes = ImmutableMap.copyOf(requireNonNull(returnCodes, "return_codes"));
    errorCodes = ImmutableSet.copyOf(requireNonNull(errorCodes, "error_codes"));
    for (var e : returnCodes.entrySet()) {
      checkArgument(
          SYMBOL.matcher(e.getValue()).matches(),
          "dnsbl.lists[%s].return_codes symbol must be upper case letters, digits and '_': '%s'",
          zone,
          e.getValue());
      checkArgument(
          (e.getKey().getAddress()[0] & 0xff) == 127,
          "dnsbl.lists[%s].return_codes must be in 127.0.0.0/8: %s",
          zone,
          e.getKey().getHostAddress());
      checkArgument(
          !errorCodes.contains(e.getKey()),
          "dnsbl.lists[%s] maps the error code %s to a symbol",
          zone,
          e.getKey().getHostAddress());
    }
    checkArgument(
        kind == ListKind.IP || stage != Stage.CONNECT,
        "dnsbl.lists[%s]: a %s list cannot be checked at CONNECT (no domain is known yet)",
        zone,
        kind);
    checkArgument(
        kind != ListKind.URI || stage == Stage.DATA,
        "dnsbl.lists[%s]: a URI list is checked at DATA, not %s",
        zone,
        stage);
    // No dnsbl check runs at HEADERS: a list there would silently never be asked.
    checkArgument(
        stage != Stage.HEADERS,
        "dnsbl.lists[%s]: stage must be connect, helo, mail_from or data, not headers",
        zone);
  }

  static String normalizeZone(String zone, String key) {
    requireNonNull(zone, key);
    String z = zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
    z = z.toLowerCase(Locale.ROOT);
    checkArgument(ZONE.matcher(z).matches(), "%s is not a DNS zone name: '%s'", key, zone);
    return z;
  }

  static Inet4Address ip(String dotted) {
    if (InetAddresses.forString(dotted) instanceof Inet4Address a) {
      return a;
    }
    throw new IllegalArgumentException("not an IPv4 address: '" + dotted + "'");
  }

  /** A builder with the zone, symbol and kind given and everything else defaulted. */
  public static Builder builder(String symbol, String zone, ListKind kind) {
    return new Builder(symbol, zone, kind);
  }

  /**
   * Spamhaus ZEN (SBL, CSS, XBL, PBL, DROP) as Rspamd names its codes: an IP list checked at
   * CONNECT, weight 4.
   */
  public static DnsblList spamhausZen() {
    return builder("RBL_SPAMHAUS", "zen.spamhaus.org", ListKind.IP)
        .weight(4)
        .returnCode("127.0.0.2", "RBL_SPAMHAUS_SBL")
        .returnCode("127.0.0.3", "RBL_SPAMHAUS_SBL_CSS")
        .returnCode("127.0.0.4", "RBL_SPAMHAUS_XBL")
        .returnCode("127.0.0.5", "RBL_SPAMHAUS_XBL")
        .returnCode("127.0.0.6", "RBL_SPAMHAUS_XBL")
        .returnCode("127.0.0.7", "RBL_SPAMHAUS_XBL")
        .returnCode("127.0.0.9", "RBL_SPAMHAUS_DROP")
        .returnCode("127.0.0.10", "RBL_SPAMHAUS_PBL")
        .returnCode("127.0.0.11", "RBL_SPAMHAUS_PBL")
        .build();
  }

  /** The Spamhaus Domain Block List, as a sender/HELO domain list (kind DOMAIN, stage MAIL). */
  public static DnsblList spamhausDbl() {
    return dbl(builder("DBL", "dbl.spamhaus.org", ListKind.DOMAIN).stage(Stage.MAIL_FROM), "DBL");
  }

  /** The Spamhaus Domain Block List for URL domains in the message (kind URI, stage DATA). */
  public static DnsblList spamhausDblUri() {
    return dbl(
        builder("URIBL_DBL", "dbl.spamhaus.org", ListKind.URI).stage(Stage.DATA), "URIBL_DBL");
  }

  private static DnsblList dbl(Builder b, String p) {
    return b.weight(4)
        .returnCode("127.0.1.2", p + "_SPAM")
        .returnCode("127.0.1.4", p + "_PHISH")
        .returnCode("127.0.1.5", p + "_MALWARE")
        .returnCode("127.0.1.6", p + "_BOTNET")
        .returnCode("127.0.1.102", p + "_ABUSE")
        .returnCode("127.0.1.103", p + "_ABUSE_REDIR")
        .returnCode("127.0.1.104", p + "_ABUSE_PHISH")
        .returnCode("127.0.1.105", p + "_ABUSE_MALWARE")
        .returnCode("127.0.1.106", p + "_ABUSE_BOTNET")
        .build();
  }

  /** Builds {@link DnsblList}; validation happens in {@link #build}. */
  public static final class Builder {
    private final String symbol;
    private final String zone;
    private final ListKind kind;
    private double weight = 1;
    private final Map<Inet4Address, String> returnCodes = new LinkedHashMap<>();
    private Set<Inet4Address> errorCodes = new LinkedHashSet<>(SPAMHAUS_ERROR_CODES);
    private Stage stage;
    private boolean testPoints = true;

    private Builder(String symbol, String zone, ListKind kind) {
      this.symbol = symbol;
      this.zone = zone;
      this.kind = requireNonNull(kind, "kind");
      this.stage =
          switch (kind) {
            case IP -> Stage.CONNECT;
            case DOMAIN -> Stage.MAIL_FROM;
            case URI -> Stage.DATA;
          };
    }

    /** The score each symbol of this list adds (default 1). */
    public Builder weight(double weight) {
      this.weight = weight;
      return this;
    }

    /** Maps an answer such as {@code 127.0.0.2} to a symbol. */
    public Builder returnCode(String code, String symbol) {
      returnCodes.put(ip(code), symbol);
      return this;
    }

    /** Replaces the error answers (default {@link #SPAMHAUS_ERROR_CODES}). */
    public Builder errorCodes(Set<Inet4Address> codes) {
      this.errorCodes = new LinkedHashSet<>(codes);
      return this;
    }

    /** The stage to check at (default by kind: CONNECT, MAIL, DATA). */
    public Builder stage(Stage stage) {
      this.stage = stage;
      return this;
    }

    /** Whether the RFC 5782 test points are checked at start-up (default true). */
    public Builder testPoints(boolean testPoints) {
      this.testPoints = testPoints;
      return this;
    }

    /** Validates and builds. */
    public DnsblList build() {
      return new DnsblList(symbol, zone, kind, weight, returnCodes, errorCodes, stage, testPoints);
    }
  }
}
