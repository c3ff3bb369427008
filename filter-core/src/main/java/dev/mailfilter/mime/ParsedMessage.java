package dev.mailfilter.mime;

import dev.mailfilter.mime.content.TypeSniffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The result of parsing one message: the part tree as offsets into the message bytes, and the
 * defects found. Immutable after parsing and safe to share between threads; lazily computed values
 * are cached racily but idempotently, except the line defects of a body that needs no boundary
 * search (a single-part message's body), which are scanned once, under a lock, on the first call to
 * {@link #defects()} or {@link #hasDefect}.
 */
public final class ParsedMessage {
  private final byte[] bytes;
  private final int base;
  private final int parsedEnd;
  private final long size;
  private final MimeLimits limits;
  private int[] fields;
  private List<MimePart> parts;
  private MimePart root;
  // Null until the line defects are complete; then never changes.
  private volatile List<Defect> defects;
  private volatile List<Address> from; // from(), on first use
  // The scanner holding the state for the deferred line scan, or null; set once before publication.
  // It is also the lock for that scan, since it is never exposed.
  private MimeScanner pendingLines;

  ParsedMessage(byte[] bytes, int base, int parsedEnd, long size, MimeLimits limits) {
    this.bytes = bytes;
    this.base = base;
    this.parsedEnd = parsedEnd;
    this.size = size;
    this.limits = limits;
  }

  static ParsedMessage parse(byte[] bytes, int base, int length, long size, MimeLimits limits) {
    return parse(bytes, base, length, size, limits, false);
  }

  /**
   * With {@code eagerLineScan} the line defects of every body are found during the parse, as before
   * the scan was deferred: for tests that compare the two.
   */
  static ParsedMessage parse(
      byte[] bytes, int base, int length, long size, MimeLimits limits, boolean eagerLineScan) {
    int parsedEnd = base + (int) Math.min(length, limits.maxMessageSize());
    ParsedMessage m = new ParsedMessage(bytes, base, parsedEnd, size, limits);
    MimeScanner scanner = new MimeScanner(bytes, base, parsedEnd, limits);
    List<Defect> defects = scanner.defects;
    if (size > limits.maxMessageSize()) {
      defects.add(
          Defect.at(
              DefectType.LIMIT_MESSAGE_SIZE,
              limits.maxMessageSize(),
              "message of " + size + " bytes; parsed the first " + limits.maxMessageSize()));
    }
    m.root = scanner.scanMessage(m);
    m.fields = scanner.fields;
    m.parts = Collections.unmodifiableList(scanner.parts);
    if (eagerLineScan || !scanner.hasDeferredLines()) {
      m.defects = scanner.finishDefects();
    } else {
      m.pendingLines = scanner;
    }
    return m;
  }

  /** Whether line defects are still to be scanned (for tests of the deferral). */
  boolean lineScanPending() {
    return defects == null;
  }

  /** The top-level entity. */
  public MimePart root() {
    return root;
  }

  /** Every entity, depth first in message order, the root first. */
  public List<MimePart> parts() {
    return parts;
  }

  /** The part with this {@link MimePart#path()}. */
  public Optional<MimePart> part(String path) {
    for (MimePart p : parts) {
      if (p.path().equals(path)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * Defects in offset order (defects without an offset first). The first call may read the body of
   * a single-part message for its line defects (bare CR or LF, NUL, over-long lines), which the
   * structure pass leaves unread; later calls return the same list.
   */
  public List<Defect> defects() {
    List<Defect> d = defects;
    return d != null ? d : scanDeferredLines();
  }

  private List<Defect> scanDeferredLines() {
    MimeScanner s = pendingLines;
    synchronized (s) {
      List<Defect> d = defects;
      if (d == null) {
        d = s.finishDefects();
        defects = d;
      }
      return d;
    }
  }

  /** Whether a defect of this type was found. */
  public boolean hasDefect(DefectType type) {
    for (Defect d : defects()) {
      if (d.type() == type) {
        return true;
      }
    }
    return false;
  }

  /** The message size in bytes (all of it, even when a size limit cut the parse). */
  public long size() {
    return size;
  }

  /** The bytes that were parsed (at most {@link MimeLimits#maxMessageSize()}). */
  public ByteView bytes() {
    return ByteView.of(bytes, base, parsedEnd - base);
  }

  /** The limits this message was parsed with. */
  public MimeLimits limits() {
    return limits;
  }

  /** The top-level header fields. */
  public Headers headers() {
    return root.headers();
  }

  /** The leaf parts in order (not multiparts, not message containers). */
  public List<MimePart> leaves() {
    List<MimePart> out = new ArrayList<>();
    for (MimePart p : parts) {
      if (!p.isMultipart() && !p.isMessage()) {
        out.add(p);
      }
    }
    return out;
  }

  /** The Subject with RFC 2047 words decoded, if present. */
  public Optional<String> subject() {
    return headers().first("Subject").map(HeaderField::decodedValue);
  }

  /**
   * The addresses of the first From field (RFC 5322, groups and obsolete syntax); parsed on first
   * use, as several checks ask for them.
   */
  public List<Address> from() {
    List<Address> f = from;
    if (f == null) {
      // A benign race: threads that miss the field parse the same header to an equal list.
      f =
          List.copyOf(
              headers()
                  .firstValue("From")
                  .map(v -> AddressParser.parseList(v, d -> {}))
                  .orElse(List.of()));
      from = f;
    }
    return f;
  }

  /** Text and HTML leaves that are message text (not attachments), in order. */
  public List<MimePart> textParts() {
    List<MimePart> out = new ArrayList<>();
    for (MimePart p : parts) {
      if (!p.isMultipart()
          && !p.isMessage()
          && (p.mediaType().equals("text/plain") || p.mediaType().equals("text/html"))
          && !p.isAttachment()) {
        out.add(p);
      }
    }
    return out;
  }

  /**
   * The attachments: leaves with disposition {@code attachment}, a file name, or content that is
   * neither text nor structure. Decodes each one to size, sniff and hash it.
   */
  public List<Attachment> attachments() {
    List<Attachment> out = new ArrayList<>();
    for (MimePart p : parts) {
      if (p.isAttachment()) {
        ByteView body = p.decodedBody();
        out.add(
            new Attachment(
                p.path(),
                p.filename(),
                p.mediaType(),
                TypeSniffer.sniff(body.array(), body.offset(), body.size()),
                body.size(),
                sha256(body)));
      }
    }
    return out;
  }

  /** At most this many names are read past the part limit; the scan stays linear either way. */
  static final int MAX_NAMES_BEYOND_LIMIT = 1000;

  /**
   * The file names of parts that a structural limit left unparsed: the parts past {@code
   * mime.max_parts}, and the insides of a multipart or attached message nested deeper than {@code
   * mime.max_depth}. Every {@code Content-Type} or {@code Content-Disposition} field in those bytes
   * that carries a {@code name} or {@code filename} parameter, in order, at most {@value
   * #MAX_NAMES_BEYOND_LIMIT}. Empty unless a limit was reached. Exceeding a limit must not hide
   * what a check would flag by name alone (an {@code .exe} as part 10,002, or 65 levels deep), so
   * those bytes are read once more, line by line, for these fields only.
   */
  public List<String> fileNamesBeyondLimits() {
    List<String> names = new ArrayList<>();
    for (Defect d : defects()) {
      if (d.type() == DefectType.LIMIT_PARTS) {
        namesIn(base + (int) d.offset(), parsedEnd, names);
      } else if (d.type() == DefectType.LIMIT_DEPTH) {
        int start = base + (int) d.offset();
        for (MimePart part : parts()) {
          if (part.start == start) {
            namesIn(part.bodyStart, part.bodyEnd, names); // the unparsed part's own body only
            break;
          }
        }
      }
    }
    return names;
  }

  /** Adds the names of {@link #fileNamesBeyondLimits()} found in {@code bytes[from, to)}. */
  private void namesIn(int from, int to, List<String> names) {
    int p = from;
    while (p < to && names.size() < MAX_NAMES_BEYOND_LIMIT) {
      int le = Math.min(lineEnd(p), to);
      if (startsWithIgnoreCase(p, le, "content-type:")
          || startsWithIgnoreCase(p, le, "content-disposition:")) {
        // The field with its folded continuation lines.
        StringBuilder field = new StringBuilder();
        field.append(new String(bytes, p, le - p, StandardCharsets.ISO_8859_1));
        int next = nextLine(le);
        while (next < to && (bytes[next] == ' ' || bytes[next] == '\t')) {
          int e = Math.min(lineEnd(next), to);
          field.append(' ').append(new String(bytes, next, e - next, StandardCharsets.ISO_8859_1));
          next = nextLine(e);
        }
        String value = field.substring(field.indexOf(":") + 1);
        Map<String, String> params = MimeParameters.parse(value, d -> {}).parameters();
        String name = params.getOrDefault("filename", params.get("name"));
        if (name != null && !name.isBlank()) {
          names.add(name.contains("=?") ? EncodedWords.decode(name, d -> {}) : name);
        }
        p = next;
      } else {
        p = nextLine(le);
      }
    }
  }

  /** The end of the line at {@code p}: its CR or LF, or the end of the parsed input. */
  private int lineEnd(int p) {
    while (p < parsedEnd && bytes[p] != '\n' && bytes[p] != '\r') {
      p++;
    }
    return p;
  }

  private int nextLine(int lineEnd) {
    int p = lineEnd;
    if (p < parsedEnd && bytes[p] == '\r') {
      p++;
    }
    if (p < parsedEnd && bytes[p] == '\n') {
      p++;
    }
    return p;
  }

  private boolean startsWithIgnoreCase(int p, int end, String prefix) {
    if (end - p < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      int c = bytes[p + i];
      if (c >= 'A' && c <= 'Z') {
        c += 32;
      }
      if (c != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static String sha256(ByteView body) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(body.array(), body.offset(), body.size());
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  byte[] array() {
    return bytes;
  }

  int base() {
    return base;
  }

  HeaderField field(int index) {
    return new HeaderField(bytes, base, fields, index);
  }

  boolean fieldNameIs(int index, String name) {
    int f = index * MimeScanner.FIELD_INTS;
    int s = fields[f];
    int n = name.length();
    // Compares up to the first difference without measuring the name first; the field's colon
    // ends the name, so the reads stay inside the field.
    for (int i = 0; i < n; i++) {
      int a = bytes[s + i];
      if (MimeScanner.endsName(a)) {
        return false;
      }
      int c = name.charAt(i);
      if (a != c) {
        if (a >= 'A' && a <= 'Z') {
          a += 32;
        }
        if (c >= 'A' && c <= 'Z') {
          c += 32;
        }
        if (a != c) {
          return false;
        }
      }
    }
    return MimeScanner.endsName(bytes[s + n]);
  }
}
