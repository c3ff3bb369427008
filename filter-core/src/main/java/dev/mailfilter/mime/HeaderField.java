package dev.mailfilter.mime;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One header field, a view into the message bytes. The name and value strings are made on first
 * use; nothing is copied at parse time.
 */
public final class HeaderField {
  private final byte[] bytes;
  private final int base;
  private final int nameStart;
  private final int nameEnd;
  private final int valueStart;
  private final int valueEnd;
  private final int fieldEnd;
  private String name;
  private String value;

  HeaderField(byte[] bytes, int base, int[] fields, int index) {
    this.bytes = bytes;
    this.base = base;
    int f = index * MimeScanner.FIELD_INTS;
    this.nameStart = fields[f];
    this.nameEnd = MimeScanner.nameEnd(bytes, nameStart);
    this.fieldEnd = fields[f + 1];
    this.valueEnd = MimeScanner.valueEnd(bytes, fieldEnd);
    this.valueStart = MimeScanner.valueStart(bytes, nameStart, valueEnd);
  }

  /** The field name as written (case preserved; compare with {@link #is(String)}). */
  public String name() {
    String n = name;
    if (n == null) {
      n = new String(bytes, nameStart, nameEnd - nameStart, StandardCharsets.ISO_8859_1);
      name = n;
    }
    return n;
  }

  /** Whether this field's name equals {@code other}, ignoring ASCII case. */
  public boolean is(String other) {
    int n = nameEnd - nameStart;
    if (other.length() != n) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      int a = bytes[nameStart + i] & 0xff;
      int c = other.charAt(i);
      if (a != c && toLower(a) != toLower(c)) {
        return false;
      }
    }
    return true;
  }

  private static int toLower(int c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
  }

  /**
   * The raw value bytes: after the colon and its white space, up to the last line break, with
   * folding line breaks still in place.
   */
  public ByteView rawValue() {
    return ByteView.of(bytes, valueStart, valueEnd - valueStart);
  }

  /** The whole field including name and the final line break. */
  public ByteView rawField() {
    return ByteView.of(bytes, nameStart, fieldEnd - nameStart);
  }

  /** Offset of the field's first byte in the message. */
  public long offset() {
    return nameStart - base;
  }

  /**
   * The value unfolded (RFC 5322 section 2.2.3: line breaks before white space removed) and
   * stripped of surrounding white space. Bytes are read as UTF-8 (RFC 6532) when they are valid
   * UTF-8 and as ISO-8859-1 otherwise, so raw 8-bit headers never lose bytes.
   */
  public String value() {
    String v = value;
    if (v == null) {
      v = unfold(bytes, valueStart, valueEnd);
      value = v;
    }
    return v;
  }

  /**
   * The unfolded value with RFC 2047 encoded words decoded (any Java charset, with aliases and
   * fall-backs). Never throws; bad words are kept as written.
   */
  public String decodedValue() {
    return decodedValue(d -> {});
  }

  /** As {@link #decodedValue()}, reporting defects (bad words, unknown charsets) to the sink. */
  public String decodedValue(java.util.function.Consumer<Defect> defects) {
    String v = value();
    return v.indexOf("=?") < 0 ? v : dev.mailfilter.mime.EncodedWords.decode(v, defects);
  }

  static String unfold(byte[] b, int from, int to) {
    boolean plain = true;
    boolean ascii = true;
    for (int i = from; i < to; i++) {
      byte c = b[i];
      if (c == '\r' || c == '\n') {
        plain = false;
      } else if (c < 0) {
        ascii = false;
      }
    }
    byte[] src = b;
    int start = from;
    int len = to - from;
    if (!plain) {
      src = new byte[len];
      int n = 0;
      for (int i = from; i < to; i++) {
        byte c = b[i];
        if (c != '\r' && c != '\n') {
          src[n++] = c;
        }
      }
      start = 0;
      len = n;
    }
    String s;
    if (ascii) {
      s = new String(src, start, len, StandardCharsets.ISO_8859_1);
    } else {
      try {
        s =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(src, start, len))
                .toString();
      } catch (CharacterCodingException e) {
        s = new String(src, start, len, StandardCharsets.ISO_8859_1);
      }
    }
    return s.strip();
  }

  /** {@code name: value} with the value unfolded. */
  @Override
  public String toString() {
    return name() + ": " + value();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HeaderField h && h.bytes == bytes && h.nameStart == nameStart;
  }

  @Override
  public int hashCode() {
    return Objects.hash(System.identityHashCode(bytes), nameStart);
  }
}
