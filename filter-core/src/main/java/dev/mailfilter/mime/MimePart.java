package dev.mailfilter.mime;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One entity of a parsed message: the root, a part of a multipart, or the message embedded in a
 * {@code message/rfc822} part. Offsets are relative to the start of the message. Everything beyond
 * the structure (parameters, decoded bodies, text) is computed when asked for.
 */
public final class MimePart {
  static final int LEAF = 0;
  static final int MULTIPART = 1;
  static final int MESSAGE = 2;

  final ParsedMessage message;
  final MimePart parent;
  final int index;
  final int depth;
  final boolean embeddedRoot;
  final int order;

  int kind;
  boolean isDigest;
  boolean digestChild;
  int start;
  int headerEnd;
  int bodyStart;
  int bodyEnd;
  int fieldFirst;
  int fieldCount;
  int contentTypeField = -1;
  int typeStart = -1;
  int typeEnd;
  int subtypeStart;
  int subtypeEnd;
  byte[] boundary;
  int preambleStart = -1;
  int preambleEnd = -1;
  int epilogueStart = -1;
  int epilogueEnd = -1;
  List<MimePart> children;
  MimePart embedded;

  private String path;
  private String mediaType;
  private Headers headers;

  MimePart(
      ParsedMessage message,
      MimePart parent,
      int index,
      int depth,
      boolean embeddedRoot,
      int order) {
    this.message = message;
    this.parent = parent;
    this.index = index;
    this.depth = depth;
    this.embeddedRoot = embeddedRoot;
    this.order = order;
  }

  /**
   * The part's path, IMAP style: {@code ""} for the message itself, {@code "1"}, {@code "2.1"} for
   * parts of multiparts. The message inside a {@code message/rfc822} part at {@code "2"} has the
   * path {@code "2.0"}, and its own parts are {@code "2.1"}, {@code "2.2"} (as in IMAP).
   */
  public String path() {
    String p = path;
    if (p == null) {
      if (parent == null) {
        p = "";
      } else if (embeddedRoot) {
        p = parent.path().isEmpty() ? "0" : parent.path() + ".0";
      } else {
        String prefix = parent.embeddedRoot ? parent.parent.path() : parent.path();
        p = prefix.isEmpty() ? Integer.toString(index) : prefix + "." + index;
      }
      path = p;
    }
    return p;
  }

  /** Nesting depth: 0 for the root, +1 per multipart or embedded message. */
  public int depth() {
    return depth;
  }

  /** The enclosing multipart or {@code message/rfc822} part; empty for the root. */
  public Optional<MimePart> parent() {
    return Optional.ofNullable(parent);
  }

  /** The header fields of this entity. */
  public Headers headers() {
    Headers h = headers;
    if (h == null) {
      h = new Headers(message, fieldFirst, fieldCount);
      headers = h;
    }
    return h;
  }

  /**
   * {@code type/subtype} in lower case, from a byte-level scan at parse time: the declared type, or
   * the RFC 2045/2046 default ({@code text/plain}, or {@code message/rfc822} inside a {@code
   * multipart/digest}) when the field is missing or invalid.
   */
  public String mediaType() {
    String m = mediaType;
    if (m == null) {
      if (typeStart < 0) {
        m = digestChild ? "message/rfc822" : "text/plain";
      } else {
        byte[] b = message.array();
        m =
            (new String(b, typeStart, typeEnd - typeStart, StandardCharsets.ISO_8859_1)
                    + "/"
                    + new String(
                        b, subtypeStart, subtypeEnd - subtypeStart, StandardCharsets.ISO_8859_1))
                .toLowerCase(Locale.ROOT);
      }
      mediaType = m;
    }
    return m;
  }

  /** Whether the media type starts with {@code type/} (for example {@code isType("text")}). */
  public boolean isType(String type) {
    String m = mediaType();
    return m.length() > type.length()
        && m.charAt(type.length()) == '/'
        && m.regionMatches(true, 0, type, 0, type.length());
  }

  /** Whether this part was parsed as a multipart (it has a boundary and children). */
  public boolean isMultipart() {
    return kind == MULTIPART;
  }

  /** Whether this part holds an embedded message parsed as structure ({@link #embeddedMessage}). */
  public boolean isMessage() {
    return kind == MESSAGE;
  }

  /** The parts of a multipart in order; empty for other parts. */
  public List<MimePart> children() {
    return children == null ? List.of() : java.util.Collections.unmodifiableList(children);
  }

  /** The root entity of the message inside a {@code message/rfc822} part. */
  public Optional<MimePart> embeddedMessage() {
    return Optional.ofNullable(embedded);
  }

  /** The multipart boundary as declared (unquoted); empty for other parts. */
  public Optional<String> boundary() {
    return boundary == null
        ? Optional.empty()
        : Optional.of(new String(boundary, StandardCharsets.ISO_8859_1));
  }

  /** Offset of the entity's first header byte. */
  public long start() {
    return start - message.base();
  }

  /** Offset where the header ends (the blank line, or where the header was cut short). */
  public long headerEnd() {
    return headerEnd - message.base();
  }

  /** Offset of the body's first byte. */
  public long bodyStart() {
    return bodyStart - message.base();
  }

  /**
   * Offset after the body's last byte: the line break before the next boundary belongs to the
   * boundary (RFC 2046 section 5.1.1), so it is not part of the body.
   */
  public long bodyEnd() {
    return bodyEnd - message.base();
  }

  /** The header bytes, from the first field up to (not including) the blank line. */
  public ByteView rawHeader() {
    return ByteView.of(message.array(), start, headerEnd - start);
  }

  /** The body bytes as they are in the message, still transfer-encoded. */
  public ByteView rawBody() {
    return ByteView.of(message.array(), bodyStart, bodyEnd - bodyStart);
  }

  /** The whole entity: header, separator and body. */
  public ByteView rawEntity() {
    return ByteView.of(message.array(), start, bodyEnd - start);
  }

  /** Body bytes of a multipart before its first delimiter; empty for other parts. */
  public ByteView preamble() {
    return preambleStart < 0 || preambleEnd < preambleStart
        ? ByteView.empty()
        : ByteView.of(message.array(), preambleStart, preambleEnd - preambleStart);
  }

  /** Body bytes of a multipart after its close delimiter; empty for other parts. */
  public ByteView epilogue() {
    return epilogueStart < 0 || epilogueEnd < epilogueStart
        ? ByteView.empty()
        : ByteView.of(message.array(), epilogueStart, epilogueEnd - epilogueStart);
  }

  /** The message this part belongs to. */
  public ParsedMessage message() {
    return message;
  }

  /** Path, media type and body size, for debugging. */
  @Override
  public String toString() {
    return "MimePart["
        + (path().isEmpty() ? "root" : path())
        + " "
        + mediaType()
        + " "
        + (bodyEnd - bodyStart)
        + " bytes]";
  }
}
