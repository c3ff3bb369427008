package dev.mailfilter.mime;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Lenient RFC 2045 section 6.8 base64 decoder that writes into a caller's buffer.
 *
 * <p>Real mail breaks the strict grammar all the time (wrapped lines, stray characters, missing or
 * doubled padding, junk after the last quantum), and RFC 2045 6.8 itself says characters outside
 * the alphabet "must be ignored by decoding software". So this decoder never throws on content: it
 * reports at most one {@link DefectType#INVALID_BASE64} and one {@link DefectType#BASE64_PADDING}
 * per call and decodes whatever is decodable.
 */
final class Base64 {
  /** Decode table: 0..63 for alphabet characters, -1 for whitespace, -2 for '=', -3 otherwise. */
  private static final byte[] TABLE = new byte[256];

  private static final byte WS = -1;
  private static final byte PAD = -2;
  private static final byte BAD = -3;

  static {
    java.util.Arrays.fill(TABLE, BAD);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < alphabet.length(); i++) {
      TABLE[alphabet.charAt(i)] = (byte) i;
    }
    TABLE['\r'] = WS;
    TABLE['\n'] = WS;
    TABLE[' '] = WS;
    TABLE['\t'] = WS;
    TABLE['\f'] = WS;
    TABLE[0x0B] = WS;
    TABLE['='] = PAD;
  }

  private Base64() {}

  /**
   * The largest number of bytes {@link #decode} can write for {@code encodedLength} input bytes:
   * every 4 alphabet characters give 3 bytes, and a trailing 2 or 3 give 1 or 2.
   *
   * @throws IllegalArgumentException if {@code encodedLength} is negative
   */
  public static int maxDecodedLength(int encodedLength) {
    if (encodedLength < 0) {
      throw new IllegalArgumentException("encodedLength must be >= 0: " + encodedLength);
    }
    return (int) (((long) encodedLength * 3) / 4);
  }

  /**
   * Decodes {@code src[off, off+len)} into {@code dst} starting at {@code dstOff}.
   *
   * <p>Whitespace and line breaks are skipped; characters outside the base64 alphabet are ignored
   * (one {@link DefectType#INVALID_BASE64} defect per call); missing padding, excess padding and
   * data after padding are tolerated (one {@link DefectType#BASE64_PADDING}); a further block after
   * a padded quantum is decoded when it starts on a new line, as mail from concatenated base64
   * bodies needs, while text after the padding on the same line ends the data (RFC 2045 6.8). A
   * final lone character (6 bits, not a whole byte) is dropped with an {@link
   * DefectType#INVALID_BASE64}.
   *
   * @param dst must have room for {@link #maxDecodedLength maxDecodedLength(len)} bytes from {@code
   *     dstOff}
   * @return the number of bytes written
   * @throws IndexOutOfBoundsException if a range lies outside its array (caller misuse)
   */
  public static int decode(
      byte[] src, int off, int len, byte[] dst, int dstOff, Consumer<Defect> defects) {
    Objects.checkFromIndexSize(off, len, src.length);
    Objects.requireNonNull(defects, "defects");
    Objects.checkFromIndexSize(dstOff, maxDecodedLength(len), dst.length);
    final byte[] t = TABLE;
    int i = off;
    final int end = off + len;
    int o = dstOff;
    boolean invalid = false;
    boolean padding = false;
    int quantum = 0; // accumulated bits
    int n = 0; // number of sextets in quantum
    while (i < end) {
      // Fast path: four clean alphabet characters at a quantum boundary.
      if (n == 0) {
        while (i + 4 <= end) {
          int a = t[src[i] & 0xFF];
          int b = t[src[i + 1] & 0xFF];
          int c = t[src[i + 2] & 0xFF];
          int d = t[src[i + 3] & 0xFF];
          if ((a | b | c | d) < 0) {
            break;
          }
          int v = (a << 18) | (b << 12) | (c << 6) | d;
          dst[o] = (byte) (v >> 16);
          dst[o + 1] = (byte) (v >> 8);
          dst[o + 2] = (byte) v;
          o += 3;
          i += 4;
        }
        if (i >= end) {
          break;
        }
      }
      int v = t[src[i++] & 0xFF];
      if (v >= 0) {
        quantum = (quantum << 6) | v;
        if (++n == 4) {
          dst[o] = (byte) (quantum >> 16);
          dst[o + 1] = (byte) (quantum >> 8);
          dst[o + 2] = (byte) quantum;
          o += 3;
          quantum = 0;
          n = 0;
        }
      } else if (v == WS) {
        continue;
      } else if (v == PAD) {
        // A pad ends the current quantum: flush what it holds. Pads that are not needed (n == 0 or
        // n == 1, or more than the quantum calls for) are excess padding.
        int pads = 1;
        boolean newLine = false;
        while (i < end) {
          int w = t[src[i] & 0xFF];
          if (w == PAD) {
            pads++;
          } else if (w != WS) {
            break;
          } else if (src[i] == '\n' || src[i] == '\r') {
            newLine = true;
          }
          i++;
        }
        int expected = n == 2 ? 2 : n == 3 ? 1 : 0;
        if (pads != expected) {
          padding = true;
        }
        o = flush(quantum, n, dst, o);
        if (n == 1) {
          invalid = true;
        }
        quantum = 0;
        n = 0;
        if (i < end) {
          // RFC 2045 6.8: "=" means end of data. A further block starting on a new line is mail
          // built by concatenating base64 bodies: decode it, but say so. Text after the pad on
          // the same line is not base64 at all (mime4j and Python stop there too): stop.
          padding = true;
          if (!newLine) {
            break;
          }
        }
      } else {
        invalid = true;
      }
    }
    if (n != 0) {
      // Unpadded tail: RFC 2045 requires padding, but decoders commonly accept its absence.
      padding = true;
      if (n == 1) {
        invalid = true;
      }
      o = flush(quantum, n, dst, o);
    }
    if (invalid) {
      defects.accept(
          Defect.of(DefectType.INVALID_BASE64, "characters outside the base64 alphabet ignored"));
    }
    if (padding) {
      defects.accept(
          Defect.of(DefectType.BASE64_PADDING, "missing, excess or misplaced base64 padding"));
    }
    return o - dstOff;
  }

  private static int flush(int quantum, int n, byte[] dst, int o) {
    switch (n) {
      case 2 -> dst[o++] = (byte) (quantum >> 4);
      case 3 -> {
        dst[o++] = (byte) (quantum >> 10);
        dst[o++] = (byte) (quantum >> 2);
      }
      default -> {
        // n == 0: nothing; n == 1: six bits never make a byte.
      }
    }
    return o;
  }
}
