package dev.mailfilter.url;

import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;
import dev.mailfilter.message.MessageBodies;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.mime.content.HtmlScan;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.Key;
import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The URLs of a message and their hosts and registrable domains, extracted once per transaction
 * from the text parts (plain text, and HTML link targets and visible text) and shared by every
 * check through {@link #KEY}: the local URL heuristics and the URI blocklists look at the same
 * list. Bounded: at most {@link #MAX_URLS} distinct URLs.
 */
public final class MessageUrls {
  /** The transaction cache key; use {@link #of(CheckContext)} rather than the key itself. */
  public static final Key<MessageUrls> KEY = Key.of("message-urls");

  /** Distinct URLs kept; the rest are counted in {@link #capped()}. */
  public static final int MAX_URLS = 1_000;

  /** A longer URL is cut: its host is what matters. */
  public static final int MAX_URL_LENGTH = 2_048;

  /**
   * Hosts whose registrable domain is known: the same hosts recur across a message's URLs, its
   * headers and the next messages, and Guava's lookup (validate, split, walk the suffix maps) costs
   * about a microsecond a call; over the SpamAssassin corpus's hosts this cache cuts that five- to
   * tenfold. A direct-mapped array of immutable entries: a racy read sees a whole entry or none
   * (final fields), a collision overwrites, so it needs no lock and stays bounded (4096 entries of
   * at most 253-char hosts).
   */
  private static final DomainEntry[] DOMAINS = new DomainEntry[4096];

  /** Longer names are not valid domain names and are not cached: they would pin memory. */
  private static final int MAX_CACHED_HOST = 253;

  private record DomainEntry(String host, String domain) {}

  private final List<Url> urls;
  private final boolean capped;
  private final Set<String> hosts;
  private final Set<String> domains;

  private MessageUrls(List<Url> urls, boolean capped) {
    this.urls = List.copyOf(urls);
    this.capped = capped;
    Set<String> h = new LinkedHashSet<>();
    Set<String> d = new LinkedHashSet<>();
    for (Url u : urls) {
      h.add(u.host());
      d.add(u.registrableDomain());
    }
    this.hosts = java.util.Collections.unmodifiableSet(h);
    this.domains = java.util.Collections.unmodifiableSet(d);
  }

  /** The transaction's URLs, extracted on first use. */
  public static MessageUrls of(CheckContext ctx) {
    return ctx.computeIfAbsent(KEY, c -> from(MessageBodies.of(c)));
  }

  /** The URLs of a message, extracted now (outside a filter transaction). */
  public static MessageUrls extract(ParsedMessage message) {
    return from(MessageBodies.compute(message));
  }

  private static MessageUrls from(List<MessageBodies.Body> bodies) {
    Set<Url> found = new LinkedHashSet<>();
    boolean capped = false;
    for (MessageBodies.Body b : bodies) {
      if (b.html().isPresent()) {
        HtmlScan scan = b.html().get();
        capped |= scan.linksCapped();
        for (HtmlScan.Link l : scan.links()) {
          if (schemeLength(l.href()) > 0 || l.href().regionMatches(true, 0, "www.", 0, 4)) {
            capped |= !add(found, l.href(), Url.Source.HTML_LINK, l.anchorText());
          }
        }
      }
      // Scheme URLs and scheme-less www. names, as Rspamd's and SpamAssassin's URI finders.
      TextUrlScanner m = new TextUrlScanner(b.text());
      while (m.find()) {
        capped |= !add(found, trimTrailing(m.group()), Url.Source.TEXT, "");
      }
    }
    return new MessageUrls(List.copyOf(found), capped);
  }

  /** Adds a URL if it parses; false when the cap is reached. */
  private static boolean add(Set<Url> out, String text, Url.Source source, String anchor) {
    if (out.size() >= MAX_URLS) {
      return false;
    }
    parse(text, source, anchor).ifPresent(out::add);
    return true;
  }

  /** Trailing punctuation belongs to the sentence, not the URL ("see http://x.org/a."). */
  private static String trimTrailing(String s) {
    int end = s.length();
    while (end > 0 && ".,;:!?)]*".indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    return s.substring(0, end);
  }

  /**
   * Parses a URL or a scheme-less {@code www.} name into its host and registrable domain. Empty
   * when there is no host.
   */
  public static Optional<Url> parse(String text, Url.Source source, String anchorText) {
    String url = text.length() > MAX_URL_LENGTH ? text.substring(0, MAX_URL_LENGTH) : text;
    int start = schemeLength(url);
    int end = start;
    while (end < url.length() && "/?#\\".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    String authority = url.substring(start, end);
    authority = authority.substring(authority.lastIndexOf('@') + 1); // user:pass@ is a decoy
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
    if (!isAscii(host)) {
      try {
        host = IDN.toASCII(host).toLowerCase(Locale.ROOT);
      } catch (IllegalArgumentException e) {
        // not a valid IDN: keep the name as written
      }
      if (host.isEmpty()) {
        return Optional.empty(); // only characters IDNA maps to nothing (soft hyphens...)
      }
    }
    return Optional.of(
        new Url(url, host, registrableDomain(host), Optional.empty(), false, source, anchorText));
  }

  /**
   * The length of a leading {@code http://}, {@code https://} or {@code ftp://} in any ASCII case,
   * else 0. ASCII only, as the regex {@code (?i)^(?:https?|ftp)://} this replaces: {@link
   * String#regionMatches(boolean, int, String, int, int)} would also take a long s ({@code ſ}) for
   * {@code s}.
   */
  private static int schemeLength(String s) {
    if (TextUrlScanner.regionIs(s, 0, "http://")) {
      return 7;
    }
    if (TextUrlScanner.regionIs(s, 0, "https://")) {
      return 8;
    }
    return TextUrlScanner.regionIs(s, 0, "ftp://") ? 6 : 0;
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** The domain one level below its public suffix, or the name itself when there is none. */
  public static String registrableDomain(String host) {
    if (host.length() > MAX_CACHED_HOST) {
      return lookUpRegistrableDomain(host);
    }
    int hash = host.hashCode() * 0x9E3779B9;
    int slot = (hash ^ hash >>> 16) & (DOMAINS.length - 1);
    DomainEntry e = DOMAINS[slot];
    if (e != null && e.host().equals(host)) {
      return e.domain();
    }
    String domain = lookUpRegistrableDomain(host);
    DOMAINS[slot] = new DomainEntry(host, domain);
    return domain;
  }

  private static String lookUpRegistrableDomain(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    InternetDomainName d;
    try {
      // Not isValid() first: it parses the name too, by calling from() and catching this.
      d = InternetDomainName.from(h);
    } catch (IllegalArgumentException e) {
      return h;
    }
    return d.isUnderPublicSuffix() ? d.topPrivateDomain().toString() : h;
  }

  private record Ip(InetAddress address, boolean obfuscated) {}

  /**
   * An IPv6 literal or an IPv4 address in any form inet_aton and browsers accept: one to four
   * parts, each decimal, {@code 0x} hex or {@code 0} octal, the last filling the remaining bytes.
   */
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

  /** Every URL found, in order, each distinct (URL, source, anchor text) once. */
  public List<Url> urls() {
    return urls;
  }

  /** True when the message had more URLs than {@link #MAX_URLS}. */
  public boolean capped() {
    return capped;
  }

  /** The distinct hosts, in order of appearance. */
  public Set<String> hosts() {
    return hosts;
  }

  /** The distinct registrable domains (and IP literals), in order of appearance. */
  public Set<String> domains() {
    return domains;
  }
}
