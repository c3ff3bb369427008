package dev.mailfilter.auth;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed SPF record (RFC 7208 sections 4.6 and 12): its directives in order and the {@code
 * redirect} and {@code exp} modifiers. The whole record is checked before anything is evaluated, as
 * section 4.6 demands, so a syntax error anywhere is a permerror even after a matching term.
 *
 * @param directives the mechanisms with their qualifiers, in order
 * @param redirect the {@code redirect=} domain-spec
 * @param exp the {@code exp=} domain-spec
 */
record SpfRecord(
    List<Directive> directives, Optional<MacroString> redirect, Optional<MacroString> exp) {
  private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9._-]*)=(.*)");
  private static final Pattern MECHANISM = Pattern.compile("([A-Za-z][A-Za-z0-9]*)(.*)");
  // dual-cidr-length at the end of an a or mx argument: [ "/" ip4 ] [ "//" ip6 ]
  private static final Pattern DUAL_CIDR = Pattern.compile("(?:/([0-9]+))?(?://([0-9]+))?$");
  private static final Pattern CIDR_NUMBER = Pattern.compile("0|[1-9][0-9]*");
  private static final Pattern QNUM =
      Pattern.compile("(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])");
  private static final Pattern IP4 =
      Pattern.compile(QNUM.pattern() + "(?:\\." + QNUM.pattern() + "){3}");

  /** The qualifier of a directive and the result it gives when its mechanism matches. */
  enum Qualifier {
    PASS(SpfResult.Code.PASS, '+'),
    FAIL(SpfResult.Code.FAIL, '-'),
    SOFTFAIL(SpfResult.Code.SOFTFAIL, '~'),
    NEUTRAL(SpfResult.Code.NEUTRAL, '?');

    final SpfResult.Code result;
    final char symbol;

    Qualifier(SpfResult.Code result, char symbol) {
      this.result = result;
      this.symbol = symbol;
    }
  }

  /** A qualifier and a mechanism, with its source text for reasons. */
  record Directive(Qualifier qualifier, Mechanism mechanism, String text) {}

  /** The eight mechanisms of RFC 7208 section 5. */
  sealed interface Mechanism {}

  record All() implements Mechanism {}

  record Include(MacroString domain) implements Mechanism {}

  /** {@code a}: the target domain (empty: the current one) and the prefix lengths. */
  record A(Optional<MacroString> domain, int cidr4, int cidr6) implements Mechanism {}

  record Mx(Optional<MacroString> domain, int cidr4, int cidr6) implements Mechanism {}

  record Ptr(Optional<MacroString> domain) implements Mechanism {}

  /**
   * {@code ip4} or {@code ip6}: a network as address bytes (4 or 16) and a prefix length.
   *
   * @param network the address bytes
   * @param prefix the prefix length
   */
  record Ip(byte[] network, int prefix) implements Mechanism {
    Ip {
      network = network.clone();
    }

    /** Whether {@code address} (4 or 16 bytes) lies in this network. */
    boolean contains(byte[] address) {
      return SpfRecord.inNetwork(address, network, prefix);
    }
  }

  record Exists(MacroString domain) implements Mechanism {}

  /** Whether this record has an {@code all} mechanism: then {@code redirect} is ignored (6.1). */
  boolean hasAll() {
    return directives.stream().anyMatch(d -> d.mechanism() instanceof All);
  }

  /**
   * Whether {@code text} is an SPF record: {@code v=spf1} alone or followed by a space (RFC 7208
   * section 4.5), compared without regard to case.
   */
  static boolean isSpf(String text) {
    return text.regionMatches(true, 0, "v=spf1", 0, 6)
        && (text.length() == 6 || text.charAt(6) == ' ');
  }

  /**
   * Parses a record selected by {@link #isSpf}.
   *
   * @throws SpfException a permerror naming the bad term
   */
  static SpfRecord parse(String text) throws SpfException {
    if (!isSpf(text)) {
      throw SpfException.permerror("not an SPF record: \"" + text + "\"");
    }
    List<Directive> directives = new ArrayList<>();
    Optional<MacroString> redirect = Optional.empty();
    Optional<MacroString> exp = Optional.empty();
    // terms = *( 1*SP ( directive / modifier ) ), then *SP: only spaces separate terms.
    for (String term : text.substring(6).split(" ", -1)) {
      if (term.isEmpty()) {
        continue;
      }
      Matcher mod = MODIFIER.matcher(term);
      if (mod.matches()) {
        String name = mod.group(1).toLowerCase(Locale.ROOT);
        String value = mod.group(2);
        switch (name) {
          case "redirect" -> {
            if (redirect.isPresent()) {
              throw SpfException.permerror("more than one redirect modifier");
            }
            redirect = Optional.of(MacroString.domainSpec(value));
          }
          case "exp" -> {
            if (exp.isPresent()) {
              throw SpfException.permerror("more than one exp modifier");
            }
            exp = Optional.of(MacroString.domainSpec(value));
          }
          default -> MacroString.parse(value, false); // unknown modifiers: checked, ignored
        }
        continue;
      }
      directives.add(directive(term));
    }
    return new SpfRecord(List.copyOf(directives), redirect, exp);
  }

  private static Directive directive(String term) throws SpfException {
    Qualifier q = Qualifier.PASS;
    String rest = term;
    for (Qualifier x : Qualifier.values()) {
      if (term.charAt(0) == x.symbol) {
        q = x;
        rest = term.substring(1);
      }
    }
    Matcher m = MECHANISM.matcher(rest);
    if (!m.matches()) {
      throw SpfException.permerror("bad term \"" + term + "\"");
    }
    String name = m.group(1).toLowerCase(Locale.ROOT);
    String arg = m.group(2);
    Mechanism mech =
        switch (name) {
          case "all" -> {
            if (!arg.isEmpty()) {
              throw SpfException.permerror("\"all\" takes no argument: \"" + term + "\"");
            }
            yield new All();
          }
          case "include" -> new Include(MacroString.domainSpec(colon(arg, term)));
          case "exists" -> new Exists(MacroString.domainSpec(colon(arg, term)));
          case "ptr" ->
              new Ptr(
                  arg.isEmpty()
                      ? Optional.empty()
                      : Optional.of(MacroString.domainSpec(colon(arg, term))));
          case "a", "mx" -> hostMechanism(name, arg, term);
          case "ip4" -> ip4(colon(arg, term), term);
          case "ip6" -> ip6(colon(arg, term), term);
          default -> throw SpfException.permerror("unknown mechanism \"" + term + "\"");
        };
    return new Directive(q, mech, term);
  }

  private static String colon(String arg, String term) throws SpfException {
    if (!arg.startsWith(":")) {
      throw SpfException.permerror("\"" + term + "\" needs ':' and an argument");
    }
    return arg.substring(1);
  }

  private static Mechanism hostMechanism(String name, String arg, String term) throws SpfException {
    Matcher c = DUAL_CIDR.matcher(arg);
    // find() from the left would stop at the first '/', which a macro may contain: take the
    // longest suffix that is a dual-cidr-length.
    int start = arg.length();
    for (int i = arg.length(); i >= 0; i--) {
      c.region(i, arg.length());
      if (c.matches()) {
        start = i;
      }
    }
    c.region(start, arg.length());
    if (!c.matches()) {
      throw new IllegalStateException("empty suffix must match");
    }
    int cidr4 = cidr(c.group(1), 32, term);
    int cidr6 = cidr(c.group(2), 128, term);
    String domain = arg.substring(0, start);
    Optional<MacroString> d =
        domain.isEmpty()
            ? Optional.empty()
            : Optional.of(MacroString.domainSpec(colon(domain, term)));
    return name.equals("a") ? new A(d, cidr4, cidr6) : new Mx(d, cidr4, cidr6);
  }

  private static int cidr(String digits, int max, String term) throws SpfException {
    if (digits == null) {
      return max;
    }
    if (!CIDR_NUMBER.matcher(digits).matches() || digits.length() > 3) {
      throw SpfException.permerror("bad prefix length in \"" + term + "\"");
    }
    int n = Integer.parseInt(digits);
    if (n > max) {
      throw SpfException.permerror("prefix length over " + max + " in \"" + term + "\"");
    }
    return n;
  }

  private static Mechanism ip4(String arg, String term) throws SpfException {
    int slash = arg.indexOf('/');
    String net = slash < 0 ? arg : arg.substring(0, slash);
    if (!IP4.matcher(net).matches()) {
      throw SpfException.permerror("bad IPv4 network in \"" + term + "\"");
    }
    int prefix = slash < 0 ? 32 : cidr(arg.substring(slash + 1), 32, term);
    return new Ip(InetAddresses.forString(net).getAddress(), prefix);
  }

  private static Mechanism ip6(String arg, String term) throws SpfException {
    int slash = arg.indexOf('/');
    String net = slash < 0 ? arg : arg.substring(0, slash);
    if (!net.contains(":") || net.contains("%") || !InetAddresses.isInetAddress(net)) {
      throw SpfException.permerror("bad IPv6 network in \"" + term + "\"");
    }
    int prefix = slash < 0 ? 128 : cidr(arg.substring(slash + 1), 128, term);
    return new Ip(bytes16(InetAddresses.forString(net)), prefix);
  }

  /** An address as 16 bytes: IPv4 addresses as IPv4-mapped IPv6 ones. */
  static byte[] bytes16(InetAddress a) {
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      byte[] m = new byte[16];
      m[10] = (byte) 0xff;
      m[11] = (byte) 0xff;
      System.arraycopy(b, 0, m, 12, 4);
      return m;
    }
    return b;
  }

  /** Whether {@code address} lies in {@code network}/{@code prefix}; lengths must agree. */
  static boolean inNetwork(byte[] address, byte[] network, int prefix) {
    if (address.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int bits = prefix % 8;
    if (bits == 0) {
      return true;
    }
    int mask = (0xff << (8 - bits)) & 0xff;
    return (address[full] & mask) == (network[full] & mask);
  }
}
