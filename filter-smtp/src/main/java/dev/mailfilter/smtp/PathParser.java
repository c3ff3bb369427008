package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.common.net.InetAddresses;
import java.net.IDN;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Parses an RFC 5321 section 4.1.2 {@code Path} (with RFC 6531 section 3.3's UTF-8) starting at an
 * index of a command line. Non-ASCII is accepted here and marked {@link Path.Form#UTF8}; whether it
 * is allowed depends on {@code SMTPUTF8}, which the caller knows.
 */
final class PathParser {
  /** RFC 5321 section 4.5.3.1.1. */
  static final int MAX_LOCAL_PART = 64;

  /** RFC 5321 section 4.5.3.1.2. */
  static final int MAX_DOMAIN = 255;

  /** RFC 5321 section 4.5.3.1.3, angle brackets included. */
  static final int MAX_PATH = 256;

  /** A parsed path and the index after its {@code >}, or the reason it is malformed. */
  record Result(Path path, int end, String error) {
    static Result error(String why) {
      return new Result(null, -1, why);
    }
  }

  private final String s;
  private int i;
  private final EnumSet<Path.Form> forms = EnumSet.noneOf(Path.Form.class);

  private PathParser(String s, int start) {
    this.s = s;
    this.i = start;
  }

  static Result parse(String line, int start) {
    return new PathParser(line, start).path(start);
  }

  private Result path(int start) {
    if (!at('<')) {
      return Result.error("the address must be in angle brackets, as <user@example.com>");
    }
    i++;
    if (at('>')) {
      return new Result(Path.NULL, i + 1, null);
    }
    List<String> route = new ArrayList<>();
    if (at('@')) {
      forms.add(Path.Form.SOURCE_ROUTE);
      while (true) {
        i++;
        int d = i;
        if (!domain()) {
          return Result.error("malformed source route");
        }
        route.add(s.substring(d, i));
        if (at(',') && i + 1 < s.length() && s.charAt(i + 1) == '@') {
          i++;
          continue;
        }
        if (at(':')) {
          i++;
          break;
        }
        return Result.error("malformed source route");
      }
    }
    int localStart = i;
    String why = at('"') ? quotedString() : dotString();
    if (why != null) {
      return Result.error(why);
    }
    String local = s.substring(localStart, i);
    if (octets(local) > MAX_LOCAL_PART) {
      return Result.error("the local part is longer than 64 octets");
    }
    String domain;
    String normalized;
    if (at('>')) {
      if (!route.isEmpty() || !local.equalsIgnoreCase("postmaster")) {
        return Result.error("the address needs a domain, as <user@example.com>");
      }
      domain = "";
      normalized = "";
    } else {
      if (!at('@')) {
        return Result.error("unexpected character in the local part");
      }
      i++;
      int domainStart = i;
      if (at('[')) {
        int close = s.indexOf(']', i);
        if (close < 0) {
          return Result.error("unterminated address literal");
        }
        normalized = addressLiteral(s.substring(i + 1, close));
        if (normalized == null) {
          return Result.error("malformed address literal");
        }
        forms.add(Path.Form.ADDRESS_LITERAL);
        i = close + 1;
      } else {
        if (!domain()) {
          return Result.error("malformed domain");
        }
        String name = s.substring(domainStart, i);
        if (at('.') && i + 1 < s.length() && s.charAt(i + 1) == '>') {
          forms.add(Path.Form.TRAILING_DOT);
          i++;
        }
        normalized = normalizeDomain(name);
        if (normalized == null) {
          return Result.error("the domain is no valid internationalised domain name");
        }
      }
      domain = s.substring(domainStart, i);
      if (octets(domain) > MAX_DOMAIN || normalized.length() > MAX_DOMAIN) {
        return Result.error("the domain is longer than 255 octets");
      }
      if (!at('>')) {
        return Result.error("unexpected character after the domain");
      }
    }
    i++;
    if (octets(s.substring(start, i)) > MAX_PATH) {
      return Result.error("the path is longer than 256 octets");
    }
    Set<Path.Form> found = forms;
    return new Result(new Path(local, domain, normalized, route, found), i, null);
  }

  private boolean at(char c) {
    return i < s.length() && s.charAt(i) == c;
  }

  // Quoted-string = DQUOTE *QcontentSMTP DQUOTE; qtextSMTP is %d32-33 / %d35-91 / %d93-126 (and
  // UTF-8 per RFC 6531); quoted-pairSMTP is a backslash and %d32-126.
  private String quotedString() {
    forms.add(Path.Form.QUOTED_LOCAL_PART);
    i++;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '"') {
        i++;
        return null;
      }
      if (c == '\\') {
        if (i + 1 >= s.length() || s.charAt(i + 1) < 32 || s.charAt(i + 1) > 126) {
          return "bad quoted pair in the local part";
        }
        note(s.charAt(i + 1));
        i += 2;
        continue;
      }
      if (c < 32 || c == 127) {
        return "control character in the local part";
      }
      note(c);
      i++;
    }
    return "unterminated quoted local part";
  }

  private void note(char c) {
    switch (c) {
      case '@' -> forms.add(Path.Form.AT_IN_LOCAL_PART);
      case '%' -> forms.add(Path.Form.PERCENT_HACK);
      case '!' -> forms.add(Path.Form.BANG_PATH);
      default -> {
        if (c >= 0x80) {
          forms.add(Path.Form.UTF8);
        }
      }
    }
  }

  // Dot-string = Atom *("." Atom)
  private String dotString() {
    while (true) {
      int atom = i;
      while (i < s.length() && isAtext(s.charAt(i))) {
        note(s.charAt(i));
        i++;
      }
      if (i == atom) {
        return i < s.length() && s.charAt(i) == '.'
            ? "empty atom in the local part (leading or double dot)"
            : i == s.length() || s.charAt(i) == '>' || s.charAt(i) == '@'
                ? "empty local part or trailing dot in it"
                : "character not allowed in the local part";
      }
      if (!at('.')) {
        return null;
      }
      i++;
    }
  }

  private static boolean isAtext(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0
        || c >= 0x80;
  }

  // Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str], or a U-label. Leaves i
  // after the last label; a trailing dot is for the caller.
  private boolean domain() {
    while (true) {
      int label = i;
      while (i < s.length() && isLabelChar(s.charAt(i))) {
        if (s.charAt(i) >= 0x80) {
          forms.add(Path.Form.UTF8);
        }
        i++;
      }
      if (i == label || s.charAt(label) == '-' || s.charAt(i - 1) == '-' || i - label > 63) {
        return false;
      }
      if (at('.') && i + 1 < s.length() && isLabelChar(s.charAt(i + 1))) {
        i++;
        continue;
      }
      return true;
    }
  }

  private static boolean isLabelChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c >= 0x80;
  }

  /** Lower-case A-labels, or null when a U-label is not valid IDNA. */
  static String normalizeDomain(String name) {
    String ascii = name;
    if (!name.chars().allMatch(c -> c < 0x80)) {
      try {
        ascii = IDN.toASCII(name);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return ascii.toLowerCase(Locale.ROOT);
  }

  /**
   * The canonical form of an address literal's content, brackets included, or null when it is not
   * an IPv4 or IPv6 address (general literals with other tags are not supported).
   */
  static String addressLiteral(String content) {
    if (content.regionMatches(true, 0, "IPv6:", 0, 5)) {
      String v6 = content.substring(5);
      // No zone ids ("%eth0"): they mean nothing off the host, and Guava would accept them.
      if (v6.isEmpty() || v6.indexOf('%') >= 0 || !InetAddresses.isInetAddress(v6)) {
        return null;
      }
      InetAddress a = InetAddresses.forString(v6);
      if (v6.indexOf(':') < 0) {
        return null;
      }
      return "[IPv6:" + InetAddresses.toAddrString(a) + "]";
    }
    String[] parts = content.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    StringBuilder out = new StringBuilder("[");
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      int n = Integer.parseInt(p);
      if (n > 255) {
        return null;
      }
      out.append(out.length() > 1 ? "." : "").append(n);
    }
    return out.append(']').toString();
  }

  static int octets(String text) {
    int n = 0;
    for (int k = 0; k < text.length(); k++) {
      if (text.charAt(k) >= 0x80) {
        return text.getBytes(UTF_8).length;
      }
      n++;
    }
    return n;
  }
}
