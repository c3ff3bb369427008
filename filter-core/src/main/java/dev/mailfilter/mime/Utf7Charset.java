package dev.mailfilter.mime;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;

/**
 * A decode-only UTF-7 (RFC 2152) charset: the JDK has none, and mail from old clients and some spam
 * still declares {@code unicode-1-1-utf-7}. Encoding is unsupported ({@link #canEncode()} is false)
 * because nothing in a filter writes UTF-7.
 */
final class Utf7Charset extends Charset {
  static final Utf7Charset INSTANCE = new Utf7Charset();

  private static final byte[] B64 = new byte[128];

  static {
    java.util.Arrays.fill(B64, (byte) -1);
    String a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < a.length(); i++) {
      B64[a.charAt(i)] = (byte) i;
    }
  }

  private Utf7Charset() {
    super("x-mailfilter-UTF-7", new String[] {"UTF-7"});
  }

  @Override
  public boolean contains(Charset cs) {
    return cs == this;
  }

  @Override
  public boolean canEncode() {
    return false;
  }

  @Override
  public CharsetEncoder newEncoder() {
    throw new UnsupportedOperationException("UTF-7 is decode-only in mailfilter");
  }

  @Override
  public CharsetDecoder newDecoder() {
    return new Decoder(this);
  }

  private static final class Decoder extends CharsetDecoder {
    private boolean shifted;
    private boolean justShifted; // "+" just read: "+-" is a literal plus (RFC 2152 rule 2)
    private int bits;
    private int bitCount;
    private boolean absorbDash; // a run ended by a malformed tail may still be closed by '-'

    Decoder(Charset cs) {
      super(cs, 0.5f, 1f);
    }

    @Override
    protected void implReset() {
      shifted = false;
      justShifted = false;
      bits = 0;
      bitCount = 0;
      absorbDash = false;
    }

    @Override
    protected CoderResult decodeLoop(ByteBuffer in, CharBuffer out) {
      while (in.hasRemaining()) {
        int b = in.get(in.position()) & 0xFF;
        if (shifted) {
          int v = b < 128 ? B64[b] : -1;
          if (v >= 0) {
            bits = (bits << 6) | v;
            bitCount += 6;
            if (bitCount >= 16) {
              if (!out.hasRemaining()) {
                bits >>>= 6;
                bitCount -= 6;
                return CoderResult.OVERFLOW;
              }
              bitCount -= 16;
              out.put((char) (bits >>> bitCount));
              bits &= (1 << bitCount) - 1;
            }
            justShifted = false;
            in.position(in.position() + 1);
            continue;
          }
          // End of a base64 run: leftover bits must be zero padding shorter than a sextet.
          boolean badTail = bitCount >= 6 || bits != 0;
          boolean plus = justShifted;
          shifted = false;
          justShifted = false;
          bits = 0;
          bitCount = 0;
          if (badTail) {
            // Report the run's last sextet as the malformed byte; the '-' after it, if any, still
            // closes the run.
            absorbDash = true;
            if (in.position() > 0) {
              in.position(in.position() - 1);
              return CoderResult.malformedForLength(1);
            }
            if (!out.hasRemaining()) {
              return CoderResult.OVERFLOW;
            }
            out.put('\uFFFD');
            continue;
          }
          if (b == '-') {
            if (plus) {
              if (!out.hasRemaining()) {
                shifted = true;
                justShifted = true;
                return CoderResult.OVERFLOW;
              }
              out.put('+');
            }
            in.position(in.position() + 1);
          }
          continue;
        }
        if (absorbDash) {
          absorbDash = false;
          if (b == '-') {
            in.position(in.position() + 1);
            continue;
          }
        }
        if (b == '+') {
          shifted = true;
          justShifted = true;
          in.position(in.position() + 1);
          continue;
        }
        if (b >= 128) {
          return CoderResult.malformedForLength(1);
        }
        if (!out.hasRemaining()) {
          return CoderResult.OVERFLOW;
        }
        out.put((char) b);
        in.position(in.position() + 1);
      }
      return CoderResult.UNDERFLOW;
    }

    @Override
    protected CoderResult implFlush(CharBuffer out) {
      shifted = false;
      bits = 0;
      bitCount = 0;
      return CoderResult.UNDERFLOW;
    }
  }
}
