package dev.mailfilter.url;

import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;
import dev.mailfilter.message.MessageBodies;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.mime.content.HtmlScan;
import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The regex-based URL extraction that {@link MessageUrls} replaced with a hand-written scanner,
 * kept verbatim as the reference the differential tests compare against: any difference in what is
 * found, in order, host or registrable domain is a regression.
 */
final class ReferenceUrls {
  private ReferenceUrls() {}

  /** The text URL pattern the scanner must agree with. */
  static final Pattern TEXT_URL =
      Pattern.compile("(?i)(?:\\b(?:https?|ftp)://|\\bwww\\.)[^\\s<>\"'{}|\\\\^`]+");

  private static final Pattern SCHEME = Pattern.compile("(?i)^(?:https?|ftp)://");

  /** What the old extraction returned. */
  record Result(List<Url> urls, boolean capped) {
    Set<String> hosts() {
      Set<String> h = new LinkedHashSet<>();
      urls.forEach(u -> h.add(u.host()));
      return h;
    }

    Set<String> domains() {
      Set<String> d = new LinkedHashSet<>();
      urls.forEach(u -> d.add(u.registrableDomain()));
      return d;
    }
  }

  /** Every match of {@link #TEXT_URL}, untrimmed, in order. */
  static List<String> textUrls(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = TEXT_URL.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  static Result extract(ParsedMessage message) {
    return from(MessageBodies.compute(message));
  }

  private static Result from(List<MessageBodies.Body> bodies) {
    Set<Url> found = new LinkedHashSet<>();
    boolean capped = false;
    for (MessageBodies.Body b : bodies) {
      if (b.html().isPresent()) {
        HtmlScan scan = b.html().get();
        capped |= scan.linksCapped();
        for (HtmlScan.Link l : scan.links()) {
          if (SCHEME.matcher(l.href()).find() || l.href().regionMatches(true, 0, "www.", 0, 4)) {
            capped |= !add(found, l.href(), Url.Source.HTML_LINK, l.anchorText());
          }
        }
      }
      Matcher m = TEXT_URL.matcher(b.text());
      while (m.find()) {
        capped |= !add(found, trimTrailing(m.group()), Url.Source.TEXT, "");
      }
    }
    return new Result(List.copyOf(found), capped);
  }

  private static boolean add(Set<Url> out, String text, Url.Source source, String anchor) {
    if (out.size() >= MessageUrls.MAX_URLS) {
      return false;
    }
    parse(text, source, anchor).ifPresent(out::add);
    return true;
  }

  static String trimTrailing(String s) {
    int end = s.length();
    while (end > 0 && ".,;:!?)]*".indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    return s.substring(0, end);
  }

  static Optional<Url> parse(String text, Url.Source source, String anchorText) {
    String url =
        text.length() > MessageUrls.MAX_URL_LENGTH
            ? text.substring(0, MessageUrls.MAX_URL_LENGTH)
            : text;
    Matcher scheme = SCHEME.matcher(url);
    int start = scheme.find() ? scheme.end() : 0;
    int end = start;
    while (end < url.length() && "/?#\\".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    String authority = url.substring(start, end);
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    String host;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      host = close < 0 ? authority.substring(1) : authority.substring(1, close);
    } else {
      int colon = authority.indexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
    }
    host = percentDecode(host).strip().toLowerCase(Locale.ROOT);
    while (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (host.isEmpty()) {
      return Optional.empty();
    }
    Optional<Ip> ip = parseIp(host);
    if (ip.isPresent()) {
      String canonical = InetAddresses.toAddrString(ip.get().address());
      return Optional.of(
          new Url(
              url,
              canonical,
              canonical,
              Optional.of(ip.get().address()),
              ip.get().obfuscated(),
              source,
              anchorText));
    }
    if (!host.chars().allMatch(c -> c < 0x80)) {
      try {
        host = IDN.toASCII(host).toLowerCase(Locale.ROOT);
      } catch (IllegalArgumentException e) {
        // not a valid IDN: keep the name as written
      }
      if (host.isEmpty()) {
        return Optional.empty();
      }
    }
    return Optional.of(
        new Url(url, host, registrableDomain(host), Optional.empty(), false, source, anchorText));
  }

  static String registrableDomain(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (!InternetDomainName.isValid(h)) {
      return h;
    }
    InternetDomainName d = InternetDomainName.from(h);
    return d.isUnderPublicSuffix() ? d.topPrivateDomain().toString() : h;
  }

  private record Ip(InetAddress address, boolean obfuscated) {}

  private static Optional<Ip> parseIp(String host) {
    if (host.indexOf(':') >= 0) {
      return InetAddresses.isInetAddress(host)
          ? Optional.of(new Ip(InetAddresses.forString(host), false))
          : Optional.empty();
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length > 4) {
      return Optional.empty();
    }
    long[] v = new long[parts.length];
    boolean plain = parts.length == 4;
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      int radix = 10;
      String digits = p;
      if (p.length() > 2 && (p.startsWith("0x") || p.startsWith("0X"))) {
        radix = 16;
        digits = p.substring(2);
      } else if (p.length() > 1 && p.startsWith("0")) {
        radix = 8;
        digits = p.substring(1);
      }
      if (digits.isEmpty() || digits.length() > 12) {
        return Optional.empty();
      }
      for (int k = 0; k < digits.length(); k++) {
        if (Character.digit(digits.charAt(k), radix) < 0) {
          return Optional.empty();
        }
      }
      v[i] = Long.parseLong(digits, radix);
      plain &= radix == 10 && v[i] <= 255;
    }
    long value = 0;
    for (int i = 0; i < v.length - 1; i++) {
      if (v[i] > 255) {
        return Optional.empty();
      }
      value |= v[i] << (8 * (3 - i));
    }
    long last = v[v.length - 1];
    if (last >= 1L << (8 * (5 - v.length))) {
      return Optional.empty();
    }
    value |= last;
    byte[] b = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    try {
      return Optional.of(new Ip(InetAddress.getByAddress(b), !plain));
    } catch (UnknownHostException e) {
      throw new AssertionError("four bytes are always an address", e);
    }
  }

  private static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%'
          && i + 2 < s.length()
          && Character.digit(s.charAt(i + 1), 16) >= 0
          && Character.digit(s.charAt(i + 2), 16) >= 0) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
