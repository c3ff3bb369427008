package dev.mailfilter.learn;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A frozen copy of {@code Features} as of commit 556548e, before its hot path was optimised: the
 * reference the differential tests compare the optimised code with. Do not edit it, except when the
 * model's features change on purpose (which invalidates every trained model file).
 *
 * <p>Turns a {@link Document} into hashed binary features.
 *
 * <p>Each zone (body, subject, sender, URL hosts, header names, selected header values, message
 * structure) gets its own hash seed, so "free" in a subject and "free" in a body are different
 * features. Body and subject words add Orthogonal Sparse Bigrams: every word paired with each of
 * the next four words, the distance part of the feature (Siefkes, Assis, Chhabra and Yerazunis,
 * "Combining Winnow and Orthogonal Sparse Bigrams for Incremental Spam Filtering", PKDD 2004; the
 * scheme CRM114/OSBF and Rspamd use). Sparse bigrams capture phrases while skipping the filler
 * words that spammers insert, which generalises to later mail better than single words alone.
 *
 * <p>Date, Message-ID and other per-message headers are left out on purpose, and so is the date of
 * each Received field: their tokens identify the era of the training mail, not whether it is spam.
 * The relay path of Received fields stays (it cut 1-ROCA% in 10-fold cross-validation from 0.050 to
 * 0.021).
 */
final class ReferenceFeatures {
  /** Window of Orthogonal Sparse Bigrams: pairs at distances 1 to {@code OSB_WINDOW - 1}. */
  static final int OSB_WINDOW = 5;

  private static final long BODY = seed("body");
  private static final long SUBJECT = seed("subject");
  private static final long FROM = seed("from");
  private static final long URL = seed("url");
  private static final long HEADER_NAME = seed("header-name");
  private static final long STRUCTURE = seed("structure");

  /** Headers whose values identify a delivery or a date rather than the kind of mail. */
  private static final Set<String> SKIPPED_VALUES =
      Set.of(
          "date",
          "message-id",
          "references",
          "in-reply-to",
          "delivered-to",
          "return-path",
          "x-original-date",
          "content-length",
          "lines",
          "status",
          "x-status",
          "x-uid",
          "x-keywords",
          "subject",
          "from");

  private ReferenceFeatures() {}

  /** The feature hashes of a document; may hold duplicates, which the model ignores. */
  static long[] of(Document doc) {
    LongList out = new LongList(1024);
    of(doc, out::add);
    return out.toArray();
  }

  /** A receiver of feature hashes: an array for {@link #of(Document)}, a set for the model. */
  @FunctionalInterface
  interface Sink {
    void add(long feature);
  }

  /** Sends the feature hashes of a document, duplicates included, to {@code out}. */
  static void of(Document doc, Sink out) {
    LongList hashes = new LongList(1024);
    for (String text : doc.texts()) {
      ReferenceTokenizer.hashes(text, BODY, hashes);
    }
    for (String text : doc.htmlTexts()) {
      ReferenceTokenizer.hashes(text, BODY, hashes);
    }
    addWithBigrams(hashes, out);

    hashes.clear();
    ReferenceTokenizer.hashes(doc.subject(), SUBJECT, hashes);
    addWithBigrams(hashes, out);
    if (doc.subject().isEmpty()) {
      out.add(hash(STRUCTURE, "no-subject"));
    }

    List<String> words = new ArrayList<>();
    ReferenceTokenizer.words(doc.from(), words);
    for (String w : words) {
      out.add(hash(FROM, w));
      int at = w.indexOf('@');
      if (at >= 0) {
        out.add(hash(FROM, "domain:" + w.substring(at + 1)));
      }
    }

    int urlCount = 0;
    for (String url : doc.urls()) {
      String host = host(url);
      if (host.isEmpty()) {
        continue;
      }
      urlCount++;
      out.add(hash(URL, host));
      if (isIpLiteral(host)) {
        out.add(hash(URL, "ip-literal"));
      } else {
        out.add(hash(URL, "domain:" + registeredDomain(host)));
      }
    }
    out.add(hash(STRUCTURE, "urls:" + bucket(urlCount)));

    for (Document.Header h : doc.headers()) {
      String name = h.name().toLowerCase(Locale.ROOT);
      out.add(hash(HEADER_NAME, name));
      if (SKIPPED_VALUES.contains(name)
          || name.startsWith("x-spam")
          || name.startsWith("x-virus")) {
        continue;
      }
      long zone = seed("header:" + name);
      String value = h.value();
      if (name.equals("received")) {
        // The relay path (hosts, addresses, software) is the sender's infrastructure and the
        // user's own: a signal SpamAssassin's and bogofilter's Bayes use too. Its date is not.
        int semi = value.lastIndexOf(';');
        value = semi >= 0 ? value.substring(0, semi) : value;
      }
      hashes.clear();
      ReferenceTokenizer.hashes(value, zone, hashes);
      for (int i = 0; i < hashes.size(); i++) {
        out.add(hashes.get(i));
      }
    }

    for (String trait : doc.traits()) {
      out.add(hash(STRUCTURE, trait));
    }
    for (String type : doc.partTypes()) {
      out.add(hash(STRUCTURE, "part:" + type));
    }
    out.add(hash(STRUCTURE, "parts:" + bucket(doc.partTypes().size())));
    if (doc.texts().isEmpty() && !doc.htmlTexts().isEmpty()) {
      out.add(hash(STRUCTURE, "html-only"));
    }
    int chars = 0;
    for (String t : doc.texts()) {
      chars += t.length();
    }
    for (String t : doc.htmlTexts()) {
      chars += t.length();
    }
    out.add(hash(STRUCTURE, "text-chars:" + bucket(chars)));
  }

  /** Each word feature, followed by its sparse bigrams with the words before it. */
  private static void addWithBigrams(LongList words, Sink out) {
    for (int i = 0; i < words.size(); i++) {
      long h = words.get(i);
      out.add(h);
      for (int d = 1; d < OSB_WINDOW && i - d >= 0; d++) {
        out.add(pair(words.get(i - d), h, d));
      }
    }
  }

  /** The feature of a word in a zone. */
  static long hash(long zone, String word) {
    long h = 0xcbf29ce484222325L ^ zone;
    for (int i = 0; i < word.length(); i++) {
      h ^= word.charAt(i);
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  /** The sparse bigram of two word features {@code distance} words apart. */
  static long pair(long first, long second, int distance) {
    return mix(first * 0x9E3779B97F4A7C15L + Long.rotateLeft(second, 23) + distance);
  }

  static long seed(String zone) {
    long h = 0x84222325cbf29ce4L;
    for (byte b : zone.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ b) * 0x100000001b3L;
    }
    return mix(h);
  }

  /** The finaliser of MurmurHash3 (fmix64): every input bit affects every output bit. */
  static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /** Spreads an int's bits over the low ones, for hash-table slots (murmur3's fmix32). */
  static int mixInt(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  /** Logarithmic bucket: 0, 1, 2-3, 4-7, ... as the bucket's lower bound's exponent. */
  static int bucket(int n) {
    return n <= 0 ? 0 : 32 - Integer.numberOfLeadingZeros(n);
  }

  /** The host of a URL or {@code www.} link, lower case, without user info or port; or empty. */
  static String host(String url) {
    String u = url.strip();
    int scheme = u.indexOf("://");
    if (scheme >= 0 && scheme < 10) {
      u = u.substring(scheme + 3);
    } else if (!u.regionMatches(true, 0, "www.", 0, 4)) {
      return "";
    }
    int end = u.length();
    for (int i = 0; i < u.length(); i++) {
      char c = u.charAt(i);
      if (c == '/' || c == '?' || c == '#' || c == '\\') {
        end = i;
        break;
      }
    }
    String authority = u.substring(0, end);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      authority = authority.substring(at + 1);
    }
    int colon = authority.indexOf(':');
    if (colon >= 0) {
      authority = authority.substring(0, colon);
    }
    while (authority.endsWith(".")) {
      authority = authority.substring(0, authority.length() - 1);
    }
    return authority.length() > 253 ? "" : authority.toLowerCase(Locale.ROOT);
  }

  static boolean isIpLiteral(String host) {
    if (host.startsWith("[")) {
      return true;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (!(c == '.' || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return !host.isEmpty();
  }

  /**
   * The domain a host belongs to: its last two labels, or three under the common two-level country
   * suffixes like {@code co.uk}. An approximation of the Public Suffix List that needs no data
   * file.
   */
  static String registeredDomain(String host) {
    String[] labels = host.split("\\.");
    if (labels.length <= 2) {
      return host;
    }
    String second = labels[labels.length - 2];
    boolean twoLevel =
        labels[labels.length - 1].length() == 2
            && Set.of("co", "com", "net", "org", "gov", "ac", "edu", "ne", "or").contains(second);
    int keep = twoLevel ? 3 : 2;
    return String.join(".", List.of(labels).subList(labels.length - keep, labels.length));
  }

  /** A growable array of longs, to avoid boxing a few thousand features per message. */
  static final class LongList {
    private long[] values;
    private int size;

    LongList(int capacity) {
      values = new long[capacity];
    }

    void add(long v) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int size() {
      return size;
    }

    long get(int i) {
      return values[i];
    }

    void clear() {
      size = 0;
    }

    long[] toArray() {
      return java.util.Arrays.copyOf(values, size);
    }
  }
}
