package dev.mailfilter.mime;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Lenient quoted-printable decoders: the body encoding of RFC 2045 section 6.7 and the "Q" encoding
 * of RFC 2047 section 4.2. Both write into a caller's buffer, never need more than the input
 * length, and never throw on content: malformed escapes are kept literally, as RFC 2045 6.7 note
 * (2) recommends, with one {@link DefectType#INVALID_QUOTED_PRINTABLE} per call.
 */
final class QuotedPrintable {
  /** Hex value of a byte, or -1: upper and lower case accepted (RFC 2045 6.7 note (1) leniency). */
  private static final byte[] HEX = new byte[256];

  static {
    java.util.Arrays.fill(HEX, (byte) -1);
    for (int c = '0'; c <= '9'; c++) {
      HEX[c] = (byte) (c - '0');
    }
    for (int c = 'A'; c <= 'F'; c++) {
      HEX[c] = (byte) (c - 'A' + 10);
      HEX[c + ('a' - 'A')] = (byte) (c - 'A' + 10);
    }
  }

  private QuotedPrintable() {}

  /**
   * Decodes an RFC 2045 quoted-printable body range into {@code dst}.
   *
   * <p>Soft line breaks ({@code =} then optional whitespace then CRLF or a bare LF) are removed;
   * whitespace at the end of each encoded line is dropped (rule 3 of RFC 2045 6.7: it was added in
   * transport); line breaks are kept as they appear in the input (CRLF stays CRLF, bare LF stays
   * LF). An {@code =} not followed by two hex digits or a line break is copied literally.
   *
   * @param dst must have room for {@code len} bytes from {@code dstOff}
   * @return the number of bytes written
   * @throws IndexOutOfBoundsException if a range lies outside its array (caller misuse)
   */
  public static int decode(
      byte[] src, int off, int len, byte[] dst, int dstOff, Consumer<Defect> defects) {
    return decode(src, off, len, dst, dstOff, defects, false);
  }

  /**
   * Decodes the encoded text of an RFC 2047 "Q" encoded word: like quoted-printable, but {@code _}
   * stands for a space (RFC 2047 4.2 (2)) and there are no line breaks to handle.
   *
   * @param dst must have room for {@code len} bytes from {@code dstOff}
   * @return the number of bytes written
   * @throws IndexOutOfBoundsException if a range lies outside its array (caller misuse)
   */
  public static int decodeQ(
      byte[] src, int off, int len, byte[] dst, int dstOff, Consumer<Defect> defects) {
    return decode(src, off, len, dst, dstOff, defects, true);
  }

  private static int decode(
      byte[] src, int off, int len, byte[] dst, int dstOff, Consumer<Defect> defects, boolean q) {
    Objects.checkFromIndexSize(off, len, src.length);
    Objects.checkFromIndexSize(dstOff, len, dst.length);
    Objects.requireNonNull(defects, "defects");
    final int end = off + len;
    int i = off;
    int o = dstOff;
    // Start of the run of trailing whitespace in the output written since the last line break,
    // or -1: the run is cut when a line break follows it (RFC 2045 6.7 rule 3).
    int wsStart = -1;
    boolean invalid = false;
    while (i < end) {
      byte b = src[i];
      if (b == '=') {
        if (i + 2 < end && HEX[src[i + 1] & 0xFF] >= 0 && HEX[src[i + 2] & 0xFF] >= 0) {
          dst[o++] = (byte) ((HEX[src[i + 1] & 0xFF] << 4) | HEX[src[i + 2] & 0xFF]);
          i += 3;
          wsStart = -1;
          continue;
        }
        if (!q) {
          // Soft line break: "=" followed by optional transport whitespace and a line break.
          int j = i + 1;
          while (j < end && (src[j] == ' ' || src[j] == '\t')) {
            j++;
          }
          if (j < end && src[j] == '\n') {
            i = j + 1;
            wsStart = -1;
            continue;
          }
          if (j + 1 < end && src[j] == '\r' && src[j + 1] == '\n') {
            i = j + 2;
            wsStart = -1;
            continue;
          }
          if (j == end) {
            // "=" (plus whitespace) at the very end: a soft break whose line break was cut off.
            // Decoders (Python, mime4j) drop it; it says "no final newline".
            i = end;
            wsStart = -1;
            continue;
          }
        }
        invalid = true;
        dst[o++] = b;
        i++;
        wsStart = -1;
        continue;
      }
      if (!q && (b == ' ' || b == '\t')) {
        if (wsStart < 0) {
          wsStart = o;
        }
        dst[o++] = b;
        i++;
        continue;
      }
      if (!q && (b == '\n' || (b == '\r' && i + 1 < end && src[i + 1] == '\n'))) {
        if (wsStart >= 0) {
          o = wsStart;
          wsStart = -1;
        }
        if (b == '\r') {
          dst[o++] = '\r';
          i++;
        }
        dst[o++] = '\n';
        i++;
        continue;
      }
      dst[o++] = q && b == '_' ? (byte) ' ' : b;
      i++;
      wsStart = -1;
    }
    if (wsStart >= 0) {
      // Whitespace at the end of the last line is transport padding too.
      o = wsStart;
    }
    if (invalid) {
      defects.accept(
          Defect.of(
              DefectType.INVALID_QUOTED_PRINTABLE, "'=' not followed by two hex digits kept"));
    }
    return o - dstOff;
  }
}
