package dev.mailfilter.mime;

import dev.mailfilter.mime.content.HtmlText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
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
  // Lazily computed values; each is published whole, so racing threads compute equal values.
  private ContentType contentType;
  private Decoded decoded;
  private Text text;
  private TransferEncoding transferEncoding;

  /** A decoded body and the defects found while decoding it. */
  private record Decoded(ByteView body, List<Defect> defects) {}

  /** A charset-decoded text and the defects found while decoding it. */
  private record Text(String text, List<Defect> defects) {}

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

  /**
   * The full Content-Type with parameters (RFC 2045 and RFC 2231), parsed on first use; the RFC
   * 2045 section 5.2 default when the field is missing or invalid.
   */
  public ContentType contentType() {
    ContentType c = contentType;
    if (c == null) {
      String m = mediaType();
      int slash = m.indexOf('/');
      if (contentTypeField < 0) {
        c =
            digestChild
                ? new ContentType("message", "rfc822", java.util.Map.of())
                : ContentType.DEFAULT;
      } else {
        MimeParameters.Parsed parsed =
            MimeParameters.parse(message.field(contentTypeField).value(), d -> {});
        c = new ContentType(m.substring(0, slash), m.substring(slash + 1), parsed.parameters());
      }
      contentType = c;
    }
    return c;
  }

  /** The declared charset parameter, if any (as written, not validated). */
  public Optional<String> charset() {
    return contentType().parameter("charset");
  }

  /** The Content-Transfer-Encoding; {@link TransferEncoding#SEVEN_BIT} when the field is absent. */
  public TransferEncoding transferEncoding() {
    TransferEncoding e = transferEncoding;
    if (e == null) {
      // Cached: decoding asks for it several times per body (size bound, then the decoder).
      e =
          headers()
              .firstValue("Content-Transfer-Encoding")
              .map(TransferEncoding::fromToken)
              .orElse(TransferEncoding.SEVEN_BIT);
      transferEncoding = e;
    }
    return e;
  }

  /**
   * The Content-Disposition type in lower case ({@code "inline"}, {@code "attachment"}), if any.
   */
  public Optional<String> disposition() {
    return headers()
        .firstValue("Content-Disposition")
        .map(v -> MimeParameters.parse(v, d -> {}).value())
        .filter(v -> !v.isEmpty());
  }

  /**
   * The file name: Content-Disposition's {@code filename}, else Content-Type's {@code name}, with
   * RFC 2231 and (common though not standard there) RFC 2047 encodings decoded.
   */
  public Optional<String> filename() {
    Optional<String> name =
        headers()
            .firstValue("Content-Disposition")
            .map(v -> MimeParameters.parse(v, d -> {}).parameters().get("filename"));
    if (name.isEmpty()) {
      name = contentType().parameter("name");
    }
    return name.map(n -> n.contains("=?") ? EncodedWords.decode(n, d -> {}) : n)
        .filter(n -> !n.isBlank());
  }

  /**
   * Whether this leaf is an attachment rather than message text: disposition {@code attachment}, a
   * file name, or content that is neither text nor structure.
   */
  public boolean isAttachment() {
    if (isMultipart() || isMessage()) {
      return false;
    }
    if (disposition().filter("attachment"::equals).isPresent() || filename().isPresent()) {
      return true;
    }
    return !isType("text");
  }

  /** An upper bound for the decoded body size, for sizing a buffer for {@link #decodeBodyInto}. */
  public int maxDecodedLength() {
    int n = bodyEnd - bodyStart;
    return transferEncoding() == TransferEncoding.BASE64 ? Base64.maxDecodedLength(n) : n;
  }

  /**
   * Decodes the body's transfer encoding into {@code dst} at {@code offset} and returns the count
   * written. Identity and unknown encodings are copied as they are. Never throws on content.
   *
   * @throws IndexOutOfBoundsException if {@code dst} has less than {@link #maxDecodedLength()}
   *     bytes from {@code offset}
   */
  public int decodeBodyInto(byte[] dst, int offset) {
    int need = maxDecodedLength();
    if (offset < 0 || offset > dst.length || dst.length - offset < need) {
      throw new IndexOutOfBoundsException(
          "need " + need + " bytes at offset " + offset + " in an array of " + dst.length);
    }
    return decodeInto(dst, offset, d -> {});
  }

  private int decodeInto(byte[] dst, int offset, java.util.function.Consumer<Defect> defects) {
    byte[] src = message.array();
    int n = bodyEnd - bodyStart;
    return switch (transferEncoding()) {
      case BASE64 -> Base64.decode(src, bodyStart, n, dst, offset, defects);
      case QUOTED_PRINTABLE -> QuotedPrintable.decode(src, bodyStart, n, dst, offset, defects);
      case SEVEN_BIT, EIGHT_BIT, BINARY, UNKNOWN -> {
        System.arraycopy(src, bodyStart, dst, offset, n);
        yield n;
      }
    };
  }

  /**
   * The body with its transfer encoding removed: a view of the message bytes when the encoding is
   * 7bit, 8bit, binary or unknown (no copy), else a new array decoded once and cached.
   */
  public ByteView decodedBody() {
    return decoded().body();
  }

  /**
   * Defects found while decoding this part's body and text (broken base64, bad quoted-printable,
   * unknown charset, malformed text, unknown transfer encoding). Decodes on first use.
   */
  public List<Defect> bodyDefects() {
    List<Defect> out = new ArrayList<>(decoded().defects());
    if (isType("text")) {
      out.addAll(decodedText().defects());
    }
    return Collections.unmodifiableList(out);
  }

  private Decoded decoded() {
    Decoded d = decoded;
    if (d == null) {
      List<Defect> defects = new ArrayList<>(0);
      TransferEncoding te = transferEncoding();
      ByteView body;
      if (te == TransferEncoding.BASE64 || te == TransferEncoding.QUOTED_PRINTABLE) {
        byte[] out = new byte[maxDecodedLength()];
        int n = decodeInto(out, 0, defects::add);
        body = ByteView.of(out, 0, n);
      } else {
        if (te == TransferEncoding.UNKNOWN) {
          defects.add(
              Defect.at(
                  DefectType.UNKNOWN_TRANSFER_ENCODING,
                  start(),
                  "Content-Transfer-Encoding '"
                      + headers().firstValue("Content-Transfer-Encoding").orElse("")
                      + "' left as is"));
        }
        body = rawBody();
      }
      d = new Decoded(body, List.copyOf(defects));
      decoded = d;
    }
    return d;
  }

  /**
   * The decoded body as text in its declared charset (with the usual aliases and fall-backs for
   * mislabelled charsets; undecodable bytes become U+FFFD). Meant for text parts; any part decodes.
   */
  public String text() {
    return decodedText().text();
  }

  private Text decodedText() {
    Text t = text;
    if (t == null) {
      ByteView body = decodedBody();
      List<Defect> defects = new ArrayList<>(0);
      String s =
          Charsets.decode(
              body.array(), body.offset(), body.size(), charset().orElse(null), defects::add);
      t = new Text(s, List.copyOf(defects));
      text = t;
    }
    return t;
  }

  /**
   * The text a reader sees: for {@code text/html} the markup reduced to text (tags stripped,
   * entities decoded, script and style dropped); for other parts {@link #text()}.
   */
  public String htmlText() {
    return mediaType().equals("text/html") ? HtmlText.toText(text()) : text();
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
