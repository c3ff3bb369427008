package dev.mailfilter.learn;

import com.google.common.net.InternetDomainName;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The features of feature set 2 besides the words: how a message is built and sent rather than what
 * it says. Word features learn the vocabulary of the training mail's campaigns; the next campaign
 * changes its words but mostly keeps its software, its MIME layout, its link style and its way of
 * forging senders, so these features carry over to later mail better (measured in
 * docs/performance.md, "Accuracy: a model that generalises").
 *
 * <p>Every token lives in a zone of its own (the namespace is part of the hash seed: {@code
 * shape:header}, {@code shape:received}, {@code shape:mailer}, {@code shape:mime}, {@code
 * shape:url}, {@code shape:sender}), so none can collide with a word or with the features of set 1.
 *
 * <ul>
 *   <li>header: pairs of consecutive header names (their order is the sending software's), the
 *       first name, the count of fields;
 *   <li>received: the shape of each Received field's relay clause (keywords, host or address
 *       literal, protocol), the oldest one on its own;
 *   <li>mailer: the family of X-Mailer, User-Agent and X-MimeOLE (the product name without its
 *       version);
 *   <li>mime: {@link Document#mime()} (content type tree, charsets, transfer encodings, attachment
 *       kinds);
 *   <li>url: registrable domain (Public Suffix List, Guava's {@link InternetDomainName}), public
 *       suffix, scheme, path shape, redirectors and shorteners, ports, user info, punycode, counts;
 *   <li>sender: whether the From domain agrees with Return-Path, Message-ID, Reply-To and Sender,
 *       the shape of the display name and of the local part, To shapes.
 * </ul>
 */
final class ShapeFeatures {
  private static final long HEADER = Features.seed("shape:header");
  private static final long RECEIVED = Features.seed("shape:received");
  private static final long MAILER = Features.seed("shape:mailer");
  private static final long MIME = Features.seed("shape:mime");
  private static final long URL = Features.seed("shape:url");
  private static final long SENDER = Features.seed("shape:sender");

  /** Links looked at per message: the first ones carry the signal, and this bounds the work. */
  static final int MAX_URLS = 40;

  /** Received fields looked at: the relays nearest to the sender are at the end. */
  static final int MAX_RECEIVED = 8;

  /** Hosts whose links stand for another link: the target is hidden from the reader. */
  private static final Set<String> SHORTENERS =
      Set.of(
          "bit.ly",
          "tinyurl.com",
          "goo.gl",
          "t.co",
          "ow.ly",
          "is.gd",
          "buff.ly",
          "rebrand.ly",
          "cutt.ly",
          "shorturl.at",
          "tiny.cc",
          "rb.gy",
          "t.ly",
          "lnkd.in",
          "s.id",
          "v.gd",
          "bl.ink",
          "shorte.st",
          "adf.ly",
          "qr.ae",
          "x.co",
          "snipurl.com",
          "shorl.com",
          "url.ie",
          "tr.im");

  private ShapeFeatures() {}

  /** The namespaces of shape features. */
  enum Zone {
    HEADER,
    RECEIVED,
    MAILER,
    MIME,
    URL,
    SENDER
  }

  /**
   * The zones of feature set 2: only the MIME shape. Every zone improved the time split's ranking
   * or held it, but the other zones made the later half of the corpus worse, where a new kind of
   * ham (RSS digests sent from the user's own domain) looks like forged spam by its sender and
   * headers while it reads like ham (docs/performance.md, "Accuracy: a model that generalises").
   */
  static final Set<Zone> SET_2 = EnumSet.of(Zone.MIME);

  /** Sends the shape features of {@code doc} in {@code zones} to {@code out}. */
  static void of(Document doc, Features.Sink out, Set<Zone> zones) {
    if (zones.contains(Zone.HEADER)
        || zones.contains(Zone.RECEIVED)
        || zones.contains(Zone.MAILER)) {
      Features.Sink none = f -> {};
      headers(
          doc.headers(),
          zones.contains(Zone.HEADER) ? out : none,
          zones.contains(Zone.RECEIVED) ? out : none,
          zones.contains(Zone.MAILER) ? out : none);
    }
    if (zones.contains(Zone.MIME)) {
      for (String t : doc.mime()) {
        out.add(Features.hash(MIME, t));
      }
    }
    if (zones.contains(Zone.URL)) {
      urls(doc.urls(), out);
    }
    if (zones.contains(Zone.SENDER)) {
      sender(doc, out);
    }
  }

  private static void headers(
      List<Document.Header> headers, Features.Sink out, Features.Sink rcv, Features.Sink mlr) {
    String previous = "^";
    int received = 0;
    String oldestRelay = null;
    boolean mailer = false;
    for (Document.Header h : headers) {
      String name = h.name().toLowerCase(Locale.ROOT);
      if (!name.equals(previous)) { // a run of Received (or of any field) is one step
        out.add(Features.hash(HEADER, previous + ">" + name));
      }
      previous = name;
      switch (name) {
        case "received" -> {
          if (received < MAX_RECEIVED) {
            String shape = receivedShape(h.value());
            rcv.add(Features.hash(RECEIVED, shape));
            oldestRelay = shape;
          }
          received++;
        }
        case "x-mailer", "user-agent", "x-mimeole", "x-newsreader" -> {
          mailer = true;
          mlr.add(Features.hash(MAILER, name + ":" + mailerFamily(h.value())));
        }
        default -> {}
      }
    }
    out.add(Features.hash(HEADER, previous + ">$"));
    out.add(Features.hash(HEADER, "fields:" + Features.bucket(headers.size())));
    rcv.add(Features.hash(RECEIVED, "count:" + Features.bucket(received)));
    if (oldestRelay != null) {
      rcv.add(Features.hash(RECEIVED, "oldest:" + oldestRelay));
    }
    if (!mailer) {
      mlr.add(Features.hash(MAILER, "none"));
    }
  }

  /**
   * The relay clause of a Received field (before its date) with hosts, addresses and identifiers
   * replaced by their kind: {@code from host ( host [ip] ) by host with esmtp id x for addr}.
   */
  static String receivedShape(String value) {
    int semi = value.lastIndexOf(';');
    String clause = semi >= 0 ? value.substring(0, semi) : value;
    StringBuilder b = new StringBuilder();
    String last = "";
    String keyword = "";
    int i = 0;
    int n = clause.length();
    int words = 0;
    while (i < n && words < 24) {
      char c = clause.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      String kind;
      if (c == '(' || c == ')') {
        kind = String.valueOf(c);
        i++;
      } else {
        int start = i;
        while (i < n
            && !Character.isWhitespace(clause.charAt(i))
            && clause.charAt(i) != '('
            && clause.charAt(i) != ')') {
          i++;
        }
        String word = clause.substring(start, i).toLowerCase(Locale.ROOT);
        kind = wordKind(word, keyword);
        if (isReceivedKeyword(word)) {
          keyword = word;
        }
      }
      words++;
      if (!kind.equals(last) || kind.equals("(") || kind.equals(")")) {
        if (!b.isEmpty()) {
          b.append(' ');
        }
        b.append(kind);
        last = kind;
      }
    }
    return b.toString();
  }

  private static boolean isReceivedKeyword(String w) {
    return switch (w) {
      case "from", "by", "with", "id", "for", "via", "helo", "envelope-from" -> true;
      default -> false;
    };
  }

  private static String wordKind(String w, String keyword) {
    if (isReceivedKeyword(w)) {
      return w;
    }
    if (keyword.equals("with") && w.chars().allMatch(Character::isLetter) && w.length() <= 12) {
      return w; // the protocol: smtp, esmtp, esmtpsa, lmtp, local, ...
    }
    String core = w.replaceAll("^[\\[<\"']+|[\\]>\"',;:.]+$", "");
    if (core.isEmpty()) {
      return "p";
    }
    if (core.indexOf('@') >= 0) {
      return "addr";
    }
    if (Features.isIpLiteral(core)) {
      return w.startsWith("[") ? "[ip]" : "ip";
    }
    if (core.indexOf(':') >= 0 && core.chars().allMatch(ShapeFeatures::isHexOrColon)) {
      return "ip6";
    }
    if (core.indexOf('.') > 0 && core.chars().anyMatch(Character::isLetter)) {
      return "host";
    }
    if (core.equals("unknown") || core.equals("localhost")) {
      return core;
    }
    return "x";
  }

  private static boolean isHexOrColon(int c) {
    return c == ':' || c == '.' || Character.digit(c, 16) >= 0;
  }

  /** A mailer's product name: letters and spaces up to its first digit or bracket, lower case. */
  static String mailerFamily(String value) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < value.length() && b.length() < 30; i++) {
      char c = value.charAt(i);
      if (Character.isDigit(c) || c == '(' || c == '[' || c == '/' || c == ';' || c == ',') {
        break;
      }
      if (Character.isLetter(c)) {
        b.append(Character.toLowerCase(c));
      } else if (!b.isEmpty() && b.charAt(b.length() - 1) != ' ') {
        b.append(' ');
      }
    }
    String family = b.toString().strip();
    return family.isEmpty() ? "other" : family;
  }

  private static void urls(List<String> urls, Features.Sink out) {
    Map<String, String> registrable = new HashMap<>();
    Set<String> domains = new HashSet<>();
    int n = Math.min(urls.size(), MAX_URLS);
    for (int k = 0; k < n; k++) {
      String url = urls.get(k).strip();
      String host = Features.host(url);
      if (host.isEmpty()) {
        continue;
      }
      String lower = url.toLowerCase(Locale.ROOT);
      int scheme = lower.indexOf("://");
      out.add(
          Features.hash(
              URL, "scheme:" + (scheme > 0 && scheme < 10 ? lower.substring(0, scheme) : "none")));
      int hostStart = scheme > 0 && scheme < 10 ? scheme + 3 : 0;
      int pathStart = firstOf(lower, hostStart, "/?#\\");
      String authority = lower.substring(hostStart, pathStart);
      if (authority.indexOf('@') >= 0) {
        out.add(Features.hash(URL, "userinfo"));
      }
      if (authority.lastIndexOf(':') > authority.lastIndexOf(']')) {
        out.add(Features.hash(URL, "port"));
      }
      String rest = lower.substring(pathStart);
      out.add(Features.hash(URL, "path:" + pathShape(rest)));
      if (rest.contains("http%3a")
          || rest.contains("http:")
          || rest.contains("https:")
          || rest.contains("url=")
          || rest.contains("redirect")) {
        out.add(Features.hash(URL, "redirect"));
      }
      if (Features.isIpLiteral(host)) {
        out.add(Features.hash(URL, "ip-host"));
        domains.add(host);
        continue;
      }
      if (host.contains("xn--")) {
        out.add(Features.hash(URL, "punycode"));
      }
      String domain = registrable.computeIfAbsent(host, ShapeFeatures::registrableDomain);
      domains.add(domain);
      out.add(Features.hash(URL, "domain:" + domain));
      int dot = domain.indexOf('.');
      out.add(Features.hash(URL, "suffix:" + (dot >= 0 ? domain.substring(dot + 1) : domain)));
      if (SHORTENERS.contains(domain) || SHORTENERS.contains(host)) {
        out.add(Features.hash(URL, "shortener"));
      }
      int labels = (int) host.chars().filter(c -> c == '.').count() + 1;
      out.add(Features.hash(URL, "labels:" + Math.min(labels, 6)));
      if (host.chars().filter(Character::isDigit).count() >= 4) {
        out.add(Features.hash(URL, "digit-host"));
      }
    }
    out.add(Features.hash(URL, "domains:" + Features.bucket(domains.size())));
  }

  private static int firstOf(String s, int from, String chars) {
    for (int i = from; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return s.length();
  }

  /**
   * The shape of a URL's path and query: runs of letters become {@code a}, of digits {@code 9},
   * other chars stay; at most 24 chars ({@code /a/a.a?a=9}).
   */
  static String pathShape(String rest) {
    StringBuilder b = new StringBuilder();
    char last = 0;
    for (int i = 0; i < rest.length() && b.length() < 24; i++) {
      char c = rest.charAt(i);
      char k = Character.isLetter(c) ? 'a' : Character.isDigit(c) ? '9' : c;
      if (k != last || (k != 'a' && k != '9')) {
        b.append(k);
      }
      last = k;
    }
    return b.toString();
  }

  /**
   * The registrable domain of a host by the Public Suffix List ({@code www.example.co.uk} → {@code
   * example.co.uk}); the host itself when it is a public suffix or not a valid name, and {@link
   * Features#registeredDomain}'s guess for a name under no known suffix.
   */
  static String registrableDomain(String host) {
    if (!InternetDomainName.isValid(host)) {
      return host;
    }
    InternetDomainName name = InternetDomainName.from(host);
    if (name.isUnderPublicSuffix()) {
      return name.topPrivateDomain().toString();
    }
    return name.hasPublicSuffix() ? host : Features.registeredDomain(host);
  }

  private static void sender(Document doc, Features.Sink out) {
    String from = doc.from();
    String address = address(from);
    String fromDomain = domainOf(address);
    String fromOrg = fromDomain.isEmpty() ? "" : registrableDomain(fromDomain);
    align("return-path", doc.header("Return-Path"), fromDomain, fromOrg, out);
    align("message-id", doc.header("Message-ID"), fromDomain, fromOrg, out);
    align("reply-to", doc.header("Reply-To"), fromDomain, fromOrg, out);
    align("sender", doc.header("Sender"), fromDomain, fromOrg, out);
    if (fromOrg.isEmpty()) {
      out.add(Features.hash(SENDER, "from:no-domain"));
    } else {
      int dot = fromOrg.indexOf('.');
      out.add(Features.hash(SENDER, "from-suffix:" + (dot >= 0 ? fromOrg.substring(dot + 1) : "")));
    }
    int at = address.indexOf('@');
    String local = at > 0 ? address.substring(0, at) : address;
    out.add(Features.hash(SENDER, "local:" + pathShape(local)));
    out.add(Features.hash(SENDER, "local-length:" + Features.bucket(local.length())));
    out.add(Features.hash(SENDER, "name:" + displayNameShape(from, local, fromDomain)));
    String to = doc.header("To");
    if (to.isBlank()) {
      out.add(Features.hash(SENDER, "to:none"));
    } else {
      String lower = to.toLowerCase(Locale.ROOT);
      if (lower.contains("undisclosed") || lower.contains("recipient list")) {
        out.add(Features.hash(SENDER, "to:undisclosed"));
      }
      if (!address.isEmpty() && lower.contains(address)) {
        out.add(Features.hash(SENDER, "to:from"));
      }
      int recipients = (int) lower.chars().filter(c -> c == '@').count();
      out.add(Features.hash(SENDER, "to-count:" + Features.bucket(recipients)));
    }
  }

  /** How a header's address domain relates to the From domain. */
  private static void align(
      String field, String value, String fromDomain, String fromOrg, Features.Sink out) {
    String relation;
    if (value.isBlank()) {
      relation = "none";
    } else {
      String domain = domainOf(address(value));
      if (domain.isEmpty()) {
        relation = "no-domain";
      } else if (fromDomain.isEmpty()) {
        relation = "from-missing";
      } else if (domain.equals(fromDomain)) {
        relation = "same";
      } else if (registrableDomain(domain).equals(fromOrg)) {
        relation = "same-org";
      } else {
        relation = "other";
      }
    }
    out.add(Features.hash(SENDER, field + ":" + relation));
  }

  /** The address of a From-like value: inside {@code <>}, else the word with an {@code @}. */
  static String address(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    int lt = v.lastIndexOf('<');
    int gt = v.lastIndexOf('>');
    if (lt >= 0 && gt > lt) {
      return v.substring(lt + 1, gt).strip();
    }
    for (String word : v.split("[\\s,;\"()]+")) {
      if (word.indexOf('@') > 0) {
        return word;
      }
    }
    return v.strip();
  }

  private static String domainOf(String address) {
    int at = address.lastIndexOf('@');
    if (at < 0) {
      return "";
    }
    String d = address.substring(at + 1).replaceAll("[^a-z0-9.\\-]", "");
    while (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    return d;
  }

  /** The kind of display name a From field has: none, an address, upper case, its word count. */
  static String displayNameShape(String from, String local, String domain) {
    int lt = from.lastIndexOf('<');
    String name;
    if (lt >= 0) {
      name = from.substring(0, lt);
    } else {
      int open = from.indexOf('(');
      int close = from.lastIndexOf(')');
      name = open >= 0 && close > open ? from.substring(open + 1, close) : "";
    }
    boolean quoted = name.strip().startsWith("\"");
    name = name.replace("\"", "").strip();
    if (name.isEmpty()) {
      return "none";
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.indexOf('@') >= 0) {
      return "address";
    }
    if (!domain.isEmpty() && lower.contains(registrableDomain(domain))) {
      return "domain";
    }
    if (!local.isEmpty() && lower.replace(" ", "").equals(local)) {
      return "local-part";
    }
    boolean letters = name.chars().anyMatch(Character::isLetter);
    if (letters && name.equals(name.toUpperCase(Locale.ROOT)) && name.length() > 3) {
      return "upper" + (quoted ? "-quoted" : "");
    }
    int words = name.split("\\s+").length;
    String digits = name.chars().anyMatch(Character::isDigit) ? "-digits" : "";
    return "words-" + Math.min(words, 5) + digits + (quoted ? "-quoted" : "");
  }
}
