package dev.mailfilter.sa;

import com.google.common.net.InternetDomainName;
import java.net.IDN;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The URIs {@code uri} rules match, as SpamAssassin 4.0.1 lists them ({@code
 * PerMsgStatus::get_uri_list}): the URIs its Thunderbird-like finder reads in the rendered body
 * (addresses become {@code mailto:} URIs, {@code www.} and bare domain names {@code http://} ones),
 * the HTML links and image sources, each with the variants {@code Util::uri_list_canonicalize} adds
 * (percent-escapes decoded, the user part dropped, numeric hosts as dotted quads, the target of a
 * redirecting URL...). Texts are octet strings.
 *
 * <p>Left out: the rule set's {@code redirector_pattern} lists (the built-in redirect finder is
 * kept), and the HTML URIs other than links, forms and images (frames, scripts, backgrounds, {@code
 * <base>} resolution).
 */
final class SaUris {
  /** PerMsgStatus's MAX_URI_LENGTH. */
  static final int MAX_URI_LENGTH = 8192;

  private static final String END = "><\"`}\\]{\\[|\\s\\x1b\\xa0";
  private static final String END_EMAIL = END + ",('\\x80-\\xff";
  private static final String END_AT = END_EMAIL + "@";
  private static final String START = "><\"'`,{\\[(|\\s\\x1b\\xa0";
  private static final String SCHEMELESS_START =
      "[!\"#$&'()*+,/:;<=>?@\\[\\\\\\]^`{|}~\\s\\x1b\\xa0]";
  // PerMsgStatus::_tbirdurire; the list of top-level domains is checked after the match.
  private static final Pattern FINDER =
      Pattern.compile(
          "(?:\\b|(?<=\\x1b\\(.)|(?<=["
              + START
              + "]))(?:(?:((?:(?:https?|ftp)://|(?:www\\d{0,2}|ftp)\\.)["
              + "^"
              + END
              + "]{1,2048})(?=(?:["
              + END
              + "]|\\z)))|(?:((?:mailto:[^"
              + END_EMAIL
              + "]{1,2048}|[^"
              + END_AT
              + "]{1,251}@[^"
              + END_EMAIL
              + "]{1,251}))(?=(?:["
              + END_EMAIL
              + "]|\\z)))|(?:(?:^|(?<="
              + SCHEMELESS_START
              + "))(([a-z\\d][a-z\\d._-]{0,251}\\.[a-z][a-z\\d-]{1,62})\\.?(?::\\d{1,5})?(?:/[^"
              + END
              + "]{1,2048})?)(?=(?:["
              + END
              + "]|\\z))))",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern CLOSE_PAREN = Pattern.compile("^([^(]*)\\).*$", Pattern.DOTALL);
  private static final Pattern TRAILING_PUNCT = Pattern.compile("[-~!@#^&*()_+=:;'?,.]*$");
  private static final Pattern KNOWN_SCHEME =
      Pattern.compile("^(?:https?|ftp|mailto):", Pattern.CASE_INSENSITIVE);
  private static final Pattern HOST =
      Pattern.compile(
          "^(https?://)([^@/?#]*@)?([^/?#:]+)((?::(\\d*))?.*)$",
          Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  private static final Pattern DOTTED =
      Pattern.compile(
          "^((?:0x[0-9a-f]+|\\d+)\\.)((?:0x[0-9a-f]+|\\d+)\\.)((?:0x[0-9a-f]+|\\d+)\\.)"
              + "(0x[0-9a-f]+|\\d+)$",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern ESCAPE = Pattern.compile("%[0-9a-fA-F]{2}");
  private static final Pattern ENTITY_DEC =
      Pattern.compile("&#0*(3[3-9]|[4-9]\\d|1[01]\\d|12[0-6]);");
  private static final Pattern ENTITY_HEX =
      Pattern.compile("&#x0*(2[1-9]|[3-6][a-fA-F0-9]|7[0-9a-eA-E]);");
  private static final Pattern ENTITY_DOT =
      Pattern.compile("&#(?:x2e|12290|x3002|65294|xff0e|65377|xff61);", Pattern.CASE_INSENSITIVE);

  private SaUris() {}

  /**
   * The URI list of a message.
   *
   * @param bodyLines the rendered body as body rules see it (Subject line first)
   * @param htmlUris the link targets and image sources of its HTML parts, as written
   */
  static List<String> of(List<String> bodyLines, List<String> htmlUris) {
    Set<String> out = new LinkedHashSet<>();
    Set<String> seen = new HashSet<>();
    for (String text : bodyLines) {
      Matcher m = FINDER.matcher(text);
      while (m.find()) {
        String raw = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
        boolean mail = m.group(1) == null && m.group(2) != null;
        String schemelessHost = m.group(4);
        raw = CLOSE_PAREN.matcher(raw).replaceFirst("$1");
        raw = TRAILING_PUNCT.matcher(raw).replaceFirst("");
        if (!seen.add(raw) || (mail && raw.indexOf('@') < 0)) {
          continue;
        }
        if (schemelessHost != null
            && !(fqdnValid(schemelessHost.toLowerCase(Locale.ROOT))
                && domainValid(schemelessHost))) {
          continue;
        }
        if (raw.matches("(?i)^[cm]id:.*") || raw.matches("(?i)^\\w+:/{0,2}$")) {
          continue;
        }
        String uri = raw;
        if (!KNOWN_SCHEME.matcher(uri).find()) {
          if (uri.matches("(?is)^ftp\\..*")) {
            uri = "ftp://" + uri;
          } else if (uri.matches("(?is)^www\\d{0,2}\\..*")) {
            uri = "http://" + uri;
          } else if (uri.matches("(?s).*/.+@.*")) {
            uri = "http://" + uri;
          } else if (uri.indexOf('@') >= 0) {
            if (!uri.matches("(?s).*@.+?\\..*") || uri.contains("&nbsp;")) {
              continue;
            }
            uri = "mailto:" + uri.replaceFirst("(?i)^(?:skype|e?-?mail)?:+", "");
          } else {
            if (uri.indexOf('.') < 0) {
              continue;
            }
            uri = "http://" + uri;
          }
        }
        if (uri.regionMatches(true, 0, "mailto:", 0, 7)) {
          if (ESCAPE.matcher(uri).find()) {
            uri = urlEncode(uri);
          }
          Matcher h = Pattern.compile("@([^?&>]*)").matcher(uri);
          if (!h.find() || !domainValid(h.group(1).replaceFirst("(?:%20)+$", ""))) {
            continue;
          }
        }
        add(out, uri, true);
      }
    }
    for (String uri : htmlUris) {
      add(out, uri, false);
    }
    return List.copyOf(out);
  }

  /** PerMsgStatus::add_uri_detail_list: the canonical forms, if one has a domain when needed. */
  private static void add(Set<String> out, String uri, boolean needDomain) {
    List<String> cleaned = new ArrayList<>();
    boolean domain = false;
    for (String c : canonicalize(uri)) {
      if (c.length() > MAX_URI_LENGTH) {
        c = c.substring(0, MAX_URI_LENGTH);
      }
      cleaned.add(c);
      domain |= hasDomain(c);
    }
    if (needDomain && !domain) {
      return;
    }
    out.addAll(cleaned);
  }

  /** RegistryBoundaries::uri_to_domain finds a domain (a valid name or an IPv4 address). */
  private static boolean hasDomain(String uri) {
    String u = uri.toLowerCase(Locale.ROOT);
    if (u.matches("(?s)^(?:javascript|cid|file):.*")) {
      return false;
    }
    if (u.startsWith("mailto:")) {
      u = u.substring(7).replaceFirst("(?s)\\?.*", "");
      if (u.matches("(?s).*@.*?@.*") || u.indexOf('@') < 0) {
        return false;
      }
      u = u.substring(u.lastIndexOf('@') + 1);
    } else {
      u = u.replaceFirst("^[a-z]+:/{0,2}", "");
      u = u.replaceFirst("(?s)[/?#].*", "");
      u = u.replaceFirst("^[^/]*@", "");
      u = u.replaceFirst(":\\d*$", "");
    }
    if (PRINTABLE_ESCAPE.matcher(u).find()) {
      return false;
    }
    String host = ascii(u);
    return host.matches("\\d{1,3}(?:\\.\\d{1,3}){3}") || (fqdnValid(host) && domainValid(host));
  }

  private static final Pattern PRINTABLE_ESCAPE =
      Pattern.compile("%(?:2[1-9a-f]|[3-6][0-9a-f]|7[0-9a-e])");

  /** Util::is_fqdn_valid: two labels or more, of letters, digits, hyphens and underscores. */
  private static boolean fqdnValid(String host) {
    String h = host.replaceFirst("\\.+$", "");
    if (h.length() > 253) {
      return false;
    }
    String[] labels = h.split("\\.", -1);
    int cnt = labels.length;
    if (cnt < 2) {
      return false;
    }
    for (String label : labels) {
      if (label.isEmpty()
          || label.length() > 63
          || !label.matches("[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")
          || (cnt <= 2 && label.indexOf('_') >= 0)) {
        return false;
      }
      cnt--;
    }
    return true;
  }

  /** RegistryBoundaries::is_domain_valid: a dot and a known top-level domain, no white space. */
  static boolean domainValid(String dom) {
    String d = ascii(dom);
    int dot = d.lastIndexOf('.');
    if (dot < 0 || dot == d.length() - 1 || d.matches("(?s).*\\s.*")) {
      return false;
    }
    String tld = d.substring(dot + 1);
    return InternetDomainName.isValid(tld) && InternetDomainName.from(tld).isPublicSuffix();
  }

  private static String ascii(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    for (int i = 0; i < lower.length(); i++) {
      if (lower.charAt(i) >= 0x80) {
        try {
          String utf16 =
              new String(
                  lower.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                  java.nio.charset.StandardCharsets.UTF_8);
          return IDN.toASCII(utf16).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
          return lower;
        }
      }
    }
    return lower;
  }

  /** Util::uri_list_canonicalize for one URI: it and its variants. */
  static Set<String> canonicalize(String first) {
    List<String> uris = new ArrayList<>(List.of(first));
    Set<String> variants = new LinkedHashSet<>();
    // Perl's foreach sees the redirect targets pushed onto the list it walks.
    for (int i = 0; i < uris.size() && i < 32; i++) {
      String uri = uris.get(i).replace("\n", "").replace("\r", "").strip();
      uris.set(i, uri);
      if (uri.length() <= 1 || uri.matches("(?s)^(?:[#?&]|/(?!/)).*")) {
        continue;
      }
      String nuri = uri;
      if (nuri.regionMatches(true, 0, "mailto:", 0, 7) || nuri.matches("(?s)^[^:]*@.*")) {
        Matcher m;
        if ((m = Pattern.compile("^([^@]+@[^?]+)\\?").matcher(nuri)).find()) {
          variants.add(m.group(1));
        }
        if ((m = Pattern.compile("^([^@]+@[^?&]+)&").matcher(nuri)).find()) {
          variants.add(m.group(1));
        }
        if (nuri.contains("%20")
            && (m = Pattern.compile("^(?:mailto:)?(?:%20)*([^@]+@[^?&%]+)").matcher(nuri)).find()) {
          variants.add("mailto:" + m.group(1));
        }
        if ((m = Pattern.compile("^[^?&]*<([^@>]+@[^>]+)>").matcher(nuri)).find()) {
          variants.add("mailto:" + m.group(1));
        }
        continue;
      }
      nuri = nuri.replace('\\', '/');
      nuri = nuri.replaceFirst("(?i)^(https?:)/{0,2}", "$1//");
      if (ESCAPE.matcher(nuri).find()) {
        nuri = urlEncode(nuri);
      }
      if (!nuri.matches("(?is)^[-_a-z0-9]+:.*")) {
        nuri = (nuri.startsWith("ftp.") ? "ftp://" : "http://") + nuri;
      }
      nuri = nuri.replaceFirst("(?i)^(https?://[^/?#]+)([?#])", "$1/$2");
      nuri = replaceChars(ENTITY_DEC.matcher(nuri), 10);
      nuri = replaceChars(ENTITY_HEX.matcher(nuri), 16);
      nuri = ENTITY_DOT.matcher(nuri).replaceAll(".");
      if (!nuri.equals(uri)) {
        variants.add(nuri);
      }
      Matcher h = HOST.matcher(nuri);
      if (!h.find()) {
        continue;
      }
      String proto = h.group(1);
      String auth = h.group(2) == null ? "" : h.group(2);
      String host = h.group(3);
      String rest = h.group(4);
      String port = h.group(5) == null ? "" : h.group(5);
      String restNoPort = null;
      if (h.group(5) == null) {
        port = proto.equals("http://") ? "80" : "443";
      } else {
        restNoPort = rest;
        if (proto.equals("http://")) {
          if (restNoPort.matches("(?s)^:80\\b.*")) {
            restNoPort = restNoPort.substring(3);
            variants.add(proto + host + restNoPort);
          }
        } else if (restNoPort.matches("(?s)^:443\\b.*")) {
          restNoPort = restNoPort.substring(4);
          variants.add(proto + host + restNoPort);
        }
      }
      String nhost = ascii(host);
      if (!nhost.equals(host.toLowerCase(Locale.ROOT))) {
        variants.add(proto + nhost + rest);
        if (restNoPort != null && !restNoPort.isEmpty()) {
          variants.add(proto + nhost + restNoPort);
        }
        host = nhost;
      }
      String noControls = host.replaceAll("[\\x00-\\x20]", "");
      if (!noControls.equals(host)) {
        host = noControls;
        variants.add(proto + host + rest);
      }
      Matcher r = Pattern.compile("(https?:/{0,2}[^&#]+)", Pattern.CASE_INSENSITIVE).matcher(rest);
      if (r.find() && r.group(1).indexOf('.') >= 0) {
        uris.add(r.group(1));
      }
      String noUser = host.replaceAll("^[^@]+@", "");
      if (!noUser.equals(host)) {
        host = noUser;
        variants.add(proto + host + rest);
      }
      String trimmed = host.replaceFirst("[^0-9A-Za-z]+$", "");
      if (!trimmed.equals(host)) {
        host = trimmed;
        variants.add(proto + host + rest);
      }
      Matcher d = DOTTED.matcher(host);
      if (d.find()) {
        StringBuilder ip = new StringBuilder();
        for (int g = 1; g <= 4; g++) {
          ip.append(octet(d.group(g)));
        }
        variants.add(proto + ip + rest);
      } else if (host.matches("(?i)^0x[0-9a-f]+$")) {
        String hex = host.substring(2);
        hex = hex.length() > 8 ? hex.substring(hex.length() - 8) : hex;
        variants.add(proto + ulongToIp(Long.parseLong(hex.isEmpty() ? "0" : hex, 16)) + rest);
      } else if (host.matches("^[0-9]+$")) {
        variants.add(proto + ulongToIp(parseUnsigned(host)) + rest);
      } else if (proto.equals("http://")
          && auth.isEmpty()
          && !nhost.equals("localhost")
          && port.equals("80")) {
        Matcher w = Pattern.compile("^(?:www\\.)?([^.]+)$").matcher(nhost);
        if (w.find() && !domainValid(nhost)) {
          variants.add(proto + "www." + w.group(1) + ".com" + rest);
        }
      }
    }
    Set<String> all = new LinkedHashSet<>(uris);
    all.addAll(variants);
    return all;
  }

  /** One dotted-quad part: hex and octal read, leading zeros dropped; the dot kept. */
  private static String octet(String part) {
    String dot = part.endsWith(".") ? "." : "";
    String s = dot.isEmpty() ? part : part.substring(0, part.length() - 1);
    if (s.regionMatches(true, 0, "0x", 0, 2)) {
      s = new java.math.BigInteger(s.substring(2), 16).toString();
    }
    Matcher oct = Pattern.compile("^0+([1-3][0-7]{0,2}|[4-7][0-7]?)\\b").matcher(s);
    if (oct.find()) {
      s = Integer.parseInt(oct.group(1), 8) + s.substring(oct.end());
    }
    s = s.replaceFirst("^0+", "");
    return s + dot;
  }

  private static long parseUnsigned(String digits) {
    // Perl's sprintf "%08lx" of a huge number saturates; such hosts are junk anyway.
    return digits.length() > 19 ? -1L : Long.parseUnsignedLong(digits);
  }

  /** Util::decode_ulong_to_ip: the low 32 bits... as Perl packs the hex of the whole number. */
  private static String ulongToIp(long n) {
    String hex = String.format(Locale.ROOT, "%08x", n);
    // pack("H*") then unpack("CCCC"): the first four octets of the hex string.
    StringBuilder ip = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      if (i > 0) {
        ip.append('.');
      }
      ip.append(Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16));
    }
    return ip.toString();
  }

  private static String replaceChars(Matcher m, int radix) {
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(
          sb, Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), radix))));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /**
   * Util::url_encode, which decodes: a {@code %XX} escape of a character from {@code %21} to {@code
   * %7E} is decoded unless its text contains 20, 7f or a digit pair starting 0, 1, 8, 9 or a-f;
   * control, space, non-ASCII, {@code " % < >} characters written bare are escaped.
   */
  static String urlEncode(String url) {
    StringBuilder out = new StringBuilder();
    Matcher m = ESCAPE.matcher(url);
    int last = 0;
    while (m.find()) {
      encodeBare(out, url.substring(last, m.start()));
      String esc = m.group();
      if (!Pattern.compile("(?i)(20|7f|[0189a-f][0-9a-f])").matcher(esc).find()
          && esc.substring(1, 2).matches("[2-7]")) {
        out.append((char) Integer.parseInt(esc.substring(1), 16));
      } else {
        out.append(esc);
      }
      last = m.end();
    }
    encodeBare(out, url.substring(last));
    return out.toString();
  }

  private static void encodeBare(StringBuilder out, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || (c >= 0x7f && c <= 0xff) || c == '"' || c == '%' || c == '<' || c == '>') {
        out.append(String.format(Locale.ROOT, "%%%02x", (int) c));
      } else {
        out.append(c);
      }
    }
  }
}
