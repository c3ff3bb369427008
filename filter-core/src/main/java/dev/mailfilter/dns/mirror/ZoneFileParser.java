package dev.mailfilter.dns.mirror;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads rbldnsd dataset files (the format rsync feeds deliver) straight from bytes: no string per
 * line on the hot path of a 10-million-line ip4set, strings only for values and names. The first
 * bad line fails the whole file with its line number, so a half-read feed is never served.
 */
final class ZoneFileParser {
  private static final int MAX_LINE = 4096;

  private final byte[] buf;
  private final String source;
  private final MirrorKind kind;
  private int lineNo;

  private final List<ZoneValue> values = new ArrayList<>(List.of(ZoneValue.DEFAULT));
  private final Map<ZoneValue, Integer> valueIndex = new HashMap<>(Map.of(ZoneValue.DEFAULT, 0));
  private final String[] vars = new String[10];
  private String baseTemplate;
  private int defaultValue;
  private int ttl = 2100;
  private long maxRange4 = 1L << 32;

  // Results of the last IPv4 token parse.
  private long lo4;
  private long hi4;

  private ZoneFileParser(byte[] buf, String source, MirrorKind kind) {
    this.buf = buf;
    this.source = source;
    this.kind = kind;
  }

  /** Parses a whole dataset and builds its lookup structure. */
  static ZoneData parse(byte[] data, String source, MirrorKind kind, double bitsPerKey)
      throws ZoneFileException {
    return new ZoneFileParser(data, source, kind).run(bitsPerKey);
  }

  private ZoneData run(double bitsPerKey) throws ZoneFileException {
    Ip4Zone.Builder ip4 = null;
    Ip6Zone.Builder ip6 = null;
    DomainZone.Builder dom = null;
    switch (kind) {
      case IP4SET, IP4TSET -> ip4 = new Ip4Zone.Builder(kind);
      case IP6TRIE, IP6TSET -> ip6 = new Ip6Zone.Builder(kind);
      case DNSET -> dom = new DomainZone.Builder();
    }
    int pos = 0;
    int n = buf.length;
    while (pos < n) {
      lineNo++;
      int end = pos;
      while (end < n && buf[end] != '\n') {
        end++;
      }
      int next = end + 1;
      if (end > pos && buf[end - 1] == '\r') {
        end--;
      }
      if (end - pos > MAX_LINE) {
        throw fail("line longer than " + MAX_LINE + " bytes");
      }
      while (end > pos && isSpace(buf[end - 1])) {
        end--;
      }
      int s = pos;
      while (s < end && isSpace(buf[s])) {
        s++;
      }
      pos = next;
      if (s == end) {
        continue;
      }
      byte c = buf[s];
      if (c == '$' || ((c == '#' || c == ';') && s + 1 < end && buf[s + 1] == '$')) {
        special(c == '$' ? s + 1 : s + 2, end);
        continue;
      }
      if (c == '#' || c == ';') {
        continue;
      }
      boolean v6 = kind == MirrorKind.IP6TRIE || kind == MirrorKind.IP6TSET;
      if (c == ':' && !(v6 && s + 1 < end && buf[s + 1] == ':')) {
        // A default value line; in IPv6 sets "::1" is an address, not a value.

        defaultValue = intern(parseValue(text(s, end), ZoneValue.DEFAULT, true));
        continue;
      }
      boolean exclude = c == '!';
      if (exclude) {
        s++;
      }
      int tokEnd = s;
      while (tokEnd < end && !isSpace(buf[tokEnd])) {
        tokEnd++;
      }
      if (tokEnd == s) {
        throw fail("'!' with no entry after it");
      }
      int v = tokEnd;
      while (v < end && isSpace(buf[v])) {
        v++;
      }
      int value = exclude ? -1 : defaultValue;
      boolean trivial = kind == MirrorKind.IP4TSET || kind == MirrorKind.IP6TSET;
      if (!exclude && v < end && buf[v] != '#' && buf[v] != ';' && !trivial) {
        value = intern(parseValue(text(v, end), values.get(defaultValue), false));
      }
      switch (kind) {
        case IP4SET, IP4TSET -> {
          parseIp4(s, tokEnd);
          if (kind == MirrorKind.IP4TSET && (lo4 != hi4 || exclude)) {
            throw fail(
                "ip4tset takes single addresses only, not '"
                    + (exclude ? "!" : "")
                    + text(s, tokEnd)
                    + "'");
          }
          if (hi4 - lo4 + 1 > maxRange4) {
            throw fail("range " + text(s, tokEnd) + " is wider than $MAXRANGE4 " + maxRange4);
          }
          ip4.addRange(lo4, hi4, value);
        }
        case IP6TRIE, IP6TSET -> parseIp6(s, tokEnd, exclude, value, ip6);
        case DNSET -> parseDomain(s, tokEnd, value, dom);
      }
    }
    return switch (kind) {
      case IP4SET, IP4TSET -> {
        ip4.values = values;
        ip4.ttlSeconds = ttl;
        yield ip4.build(bitsPerKey);
      }
      case IP6TRIE, IP6TSET -> {
        ip6.values = values;
        ip6.ttlSeconds = ttl;
        yield ip6.build(bitsPerKey);
      }
      case DNSET -> {
        dom.values = values;
        dom.ttlSeconds = ttl;
        yield dom.build(bitsPerKey);
      }
    };
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t';
  }

  private String text(int s, int e) {
    return new String(buf, s, e - s, StandardCharsets.UTF_8);
  }

  private ZoneFileException fail(String message) {
    return new ZoneFileException(source, lineNo, message);
  }

  private int intern(ZoneValue v) {
    Integer i = valueIndex.get(v);
    if (i == null) {
      i = values.size();
      values.add(v);
      valueIndex.put(v, i);
    }
    return i;
  }

  // ---- specials ($SOA, $NS, $TTL, $n, $=, $TIMESTAMP, $MAXRANGE4) ----

  private void special(int s, int e) throws ZoneFileException {
    String line = text(s, e);
    String[] f = line.split("[ \t]+", 2);
    String key = f[0];
    String rest = f.length > 1 ? f[1].trim() : "";
    if (key.length() == 1 && Character.isDigit(key.charAt(0))) {
      vars[key.charAt(0) - '0'] = rest;
      return;
    }
    switch (key.toUpperCase(Locale.ROOT)) {
      case "SOA" -> {
        String[] p = rest.split("[ \t]+");
        if (p.length != 8) {
          throw fail("$SOA needs 8 fields (ttl origin person serial refresh retry expire minttl)");
        }
        for (int i : new int[] {0, 4, 5, 6, 7}) {
          parseTime(p[i]);
        }
      }
      case "NS" -> {
        if (rest.isEmpty()) {
          throw fail("$NS needs a ttl and name servers");
        }
      }
      case "TTL" -> ttl = parseTime(rest);
      case "=" -> baseTemplate = rest;
      case "TIMESTAMP" -> {
        // Data generation time: advisory here (rbldnsd refuses future stamps; a mirror keeps
        // serving what it has, so the stamp is accepted as is).
      }
      case "MAXRANGE4" -> {
        long r;
        if (rest.startsWith("/")) {
          int len = parseInt(rest.substring(1), 0, 32, "$MAXRANGE4 prefix");
          r = 1L << (32 - len);
        } else {
          r = parseInt(rest, 1, Integer.MAX_VALUE, "$MAXRANGE4 size");
        }
        // rbldnsd lets a later $MAXRANGE4 lower the limit, never raise it.
        maxRange4 = Math.min(maxRange4, r);
      }
      default -> throw fail("unknown special '$" + key + "'");
    }
  }

  private int parseTime(String s) throws ZoneFileException {
    long total = 0;
    long num = -1;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        num = (num < 0 ? 0 : num) * 10 + (c - '0');
        if (num > Integer.MAX_VALUE) {
          throw fail("time value too large: '" + s + "'");
        }
        continue;
      }
      long unit =
          switch (Character.toLowerCase(c)) {
            case 's' -> 1;
            case 'm' -> 60;
            case 'h' -> 3600;
            case 'd' -> 86400;
            case 'w' -> 604800;
            default -> throw fail("bad time value '" + s + "'");
          };
      if (num < 0) {
        throw fail("bad time value '" + s + "'");
      }
      total += num * unit;
      num = -1;
    }
    if (num >= 0) {
      total += num;
    }
    if (s.isEmpty() || total > Integer.MAX_VALUE) {
      throw fail("bad time value '" + s + "'");
    }
    return (int) total;
  }

  private int parseInt(String s, int min, int max, String what) throws ZoneFileException {
    try {
      int v = Integer.parseInt(s.trim());
      if (v < min || v > max) {
        throw fail(what + " out of range [" + min + ", " + max + "]: '" + s + "'");
      }
      return v;
    } catch (NumberFormatException e) {
      throw fail("bad " + what + ": '" + s + "'");
    }
  }

  // ---- values ----

  private ZoneValue parseValue(String text, ZoneValue defaults, boolean defaultLine)
      throws ZoneFileException {
    int a = defaults.a();
    Optional<String> txt = defaultLine ? Optional.empty() : defaults.txtTemplate();
    if (text.startsWith(":")) {
      int c = text.indexOf(':', 1);
      String aPart = c < 0 ? text.substring(1) : text.substring(1, c);
      if (!aPart.isBlank()) {
        a = parseA(aPart.trim());
      }
      if (c >= 0) {
        String t = text.substring(c + 1);
        txt = t.isEmpty() ? Optional.empty() : Optional.of(t);
      }
    } else {
      txt = Optional.of(text);
    }
    return new ZoneValue(a, txt.map(this::substitute));
  }

  private int parseA(String s) throws ZoneFileException {
    String[] p = s.split("\\.", -1);
    if (p.length > 4) {
      throw fail("bad A value '" + s + "'");
    }
    int a = 0x7f000000;
    for (int i = 0; i < p.length; i++) {
      int octet = parseInt(p[i], 0, 255, "A value octet");
      int shift = 8 * (p.length - 1 - i);
      a = (a & ~(0xff << shift)) | (octet << shift);
    }
    return a;
  }

  private String substitute(String t) {
    if (baseTemplate != null && !t.contains("$=")) {
      // "$=" sets a base template the individual texts are put into.
      t = baseTemplate.replace("$=", t);
    }
    if (t.indexOf('$') < 0) {
      return t;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '$' && i + 1 < t.length()) {
        char d = t.charAt(i + 1);
        if (d == '$') {
          sb.append("$$");
          i++;
          continue;
        }
        if (d >= '0' && d <= '9' && vars[d - '0'] != null) {
          sb.append(vars[d - '0']);
          i++;
          continue;
        }
      }
      sb.append(c);
    }
    return sb.toString();
  }

  // ---- IPv4 ----

  private final int[] octets = new int[4];

  /** Parses 1-4 dotted octets at [s, e); returns the count, leaves them in {@link #octets}. */
  private int octets(int s, int e, int tokS, int tokE) throws ZoneFileException {
    int count = 0;
    int i = s;
    while (true) {
      if (count == 4) {
        throw fail("more than 4 octets in '" + text(tokS, tokE) + "'");
      }
      int v = 0;
      int digits = 0;
      while (i < e && buf[i] >= '0' && buf[i] <= '9') {
        v = v * 10 + (buf[i] - '0');
        digits++;
        i++;
        if (digits > 3) {
          break;
        }
      }
      if (digits == 0 || digits > 3 || v > 255) {
        throw fail("bad IPv4 address '" + text(tokS, tokE) + "'");
      }
      octets[count++] = v;
      if (i == e) {
        return count;
      }
      if (buf[i] != '.') {
        throw fail("bad IPv4 address '" + text(tokS, tokE) + "'");
      }
      i++;
    }
  }

  private void parseIp4(int s, int e) throws ZoneFileException {
    int sep = s;
    while (sep < e && buf[sep] != '/' && buf[sep] != '-') {
      sep++;
    }
    int n = octets(s, sep, s, e);
    long start = 0;
    for (int i = 0; i < 4; i++) {
      start = (start << 8) | (i < n ? octets[i] : 0);
    }
    if (sep == e) {
      lo4 = start;
      hi4 = start | ((1L << (32 - 8 * n)) - 1);
      return;
    }
    if (buf[sep] == '/') {
      int len = 0;
      int digits = 0;
      for (int i = sep + 1; i < e; i++) {
        if (buf[i] < '0' || buf[i] > '9' || ++digits > 2) {
          throw fail("bad prefix length in '" + text(s, e) + "'");
        }
        len = len * 10 + (buf[i] - '0');
      }
      if (digits == 0 || len > 32) {
        throw fail("bad prefix length in '" + text(s, e) + "'");
      }
      long mask = len == 0 ? 0 : (0xffffffffL << (32 - len)) & 0xffffffffL;
      lo4 = start & mask;
      hi4 = lo4 | (~mask & 0xffffffffL);
      return;
    }
    int[] first = octets.clone();
    int m = octets(sep + 1, e, s, e);
    long end = 0;
    if (m == 1) {
      // "127.16-31": the single octet replaces the last given octet of the first boundary.
      for (int i = 0; i < 4; i++) {
        int o = i < n - 1 ? first[i] : i == n - 1 ? octets[0] : 255;
        end = (end << 8) | o;
      }
    } else {
      for (int i = 0; i < 4; i++) {
        end = (end << 8) | (i < m ? octets[i] : 255);
      }
    }
    if (end < start) {
      throw fail("range end before its start in '" + text(s, e) + "'");
    }
    lo4 = start;
    hi4 = end;
  }

  // ---- IPv6 ----

  private void parseIp6(int s, int e, boolean exclude, int value, Ip6Zone.Builder b)
      throws ZoneFileException {
    String token = text(s, e);
    int slash = token.indexOf('/');
    String addr = slash < 0 ? token : token.substring(0, slash);
    int[] groups = new int[8];
    int given;
    boolean compressed = addr.contains("::");
    if (compressed) {
      int dc = addr.indexOf("::");
      if (addr.indexOf("::", dc + 1) >= 0) {
        throw fail("two '::' in IPv6 address '" + token + "'");
      }
      int[] head = groups(addr.substring(0, dc), token);
      int[] tail = groups(addr.substring(dc + 2), token);
      if (head.length + tail.length > 7) {
        throw fail("too many groups in IPv6 address '" + token + "'");
      }
      System.arraycopy(head, 0, groups, 0, head.length);
      System.arraycopy(tail, 0, groups, 8 - tail.length, tail.length);
      given = 8;
    } else {
      int[] g = groups(addr, token);
      if (g.length == 0 || g.length > 8) {
        throw fail("bad IPv6 address '" + token + "'");
      }
      System.arraycopy(g, 0, groups, 0, g.length);
      given = g.length;
    }
    int len = given * 16;
    if (slash >= 0) {
      len = parseInt(token.substring(slash + 1), 0, 128, "IPv6 prefix length");
    }
    if (kind == MirrorKind.IP6TSET) {
      boolean ok = exclude ? (len == 128 && slash < 0) : (given == 4 && !compressed && slash < 0);
      if (!ok) {
        throw fail(
            "ip6tset takes /64 prefixes as four groups and /128 exclusions, not '"
                + (exclude ? "!" : "")
                + token
                + "'");
      }
    }
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 4; i++) {
      hi = (hi << 16) | groups[i];
      lo = (lo << 16) | groups[i + 4];
    }
    b.add(hi, lo, len, value);
  }

  private int[] groups(String s, String token) throws ZoneFileException {
    if (s.isEmpty()) {
      return new int[0];
    }
    String[] p = s.split(":", -1);
    int[] g = new int[p.length];
    for (int i = 0; i < p.length; i++) {
      if (p[i].isEmpty() || p[i].length() > 4) {
        throw fail("bad IPv6 address '" + token + "'");
      }
      try {
        g[i] = Integer.parseInt(p[i], 16);
      } catch (NumberFormatException ex) {
        throw fail("bad IPv6 address '" + token + "'");
      }
      if (g[i] < 0) {
        throw fail("bad IPv6 address '" + token + "'");
      }
    }
    return g;
  }

  // ---- domains ----

  private void parseDomain(int s, int e, int value, DomainZone.Builder b) throws ZoneFileException {
    String token = text(s, e);
    boolean self = true;
    boolean subdomains = false;
    String name = token;
    if (name.startsWith("*.")) {
      name = name.substring(2);
      self = false;
      subdomains = true;
    } else if (name.startsWith(".")) {
      name = name.substring(1);
      subdomains = true;
    }
    name = DomainZone.normalize(name);
    if (name.isEmpty() || name.length() > 253) {
      throw fail("bad domain name '" + token + "'");
    }
    for (String label : name.split("\\.", -1)) {
      if (label.isEmpty() || label.length() > 63) {
        throw fail("bad domain name '" + token + "' (empty or over-long label)");
      }
      for (int i = 0; i < label.length(); i++) {
        char c = label.charAt(i);
        boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) {
          throw fail("bad character '" + c + "' in domain name '" + token + "'");
        }
      }
    }
    b.add(name, self, subdomains, value);
  }
}
