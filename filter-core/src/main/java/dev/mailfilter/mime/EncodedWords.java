package dev.mailfilter.mime;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Decodes RFC 2047 encoded words ({@code =?charset?B|Q?text?=}) in an unstructured header value
 * that was already unfolded.
 *
 * <p>Leniency, all of it seen in real mail: encoded words glued to surrounding text without the
 * whitespace RFC 2047 section 5 asks for; whitespace inside Q text; the RFC 2231 section 5 language
 * suffix ({@code =?utf-8*en?Q?...?=}); a multi-byte character split across two adjacent words (RFC
 * 2047 5 (3) forbids it, mailers do it anyway), handled by joining the bytes of adjacent words in
 * the same charset before charset decoding. Whitespace between adjacent encoded words is dropped
 * (RFC 2047 section 6.2). A word that does not parse stays literally in the output with a defect.
 * One left-to-right pass with a monotone search for the closing {@code ?=}: linear time on any
 * input.
 */
public final class EncodedWords {
  /** Charset names are short; a longer run without '?' is not the start of an encoded word. */
  private static final int MAX_CHARSET_LENGTH = 64;

  private EncodedWords() {}

  /**
   * Decodes every encoded word in {@code unfoldedValue}; text outside encoded words is returned as
   * it is. Never throws on content.
   */
  public static String decode(CharSequence unfoldedValue, Consumer<Defect> defects) {
    Objects.requireNonNull(unfoldedValue, "unfoldedValue");
    Objects.requireNonNull(defects, "defects");
    String s = unfoldedValue.toString();
    int first = s.indexOf("=?");
    if (first < 0) {
      return s;
    }
    return new Decoder(s, defects).run(first);
  }

  private static final class Decoder {
    private final String s;
    private final Consumer<Defect> defects;
    private final StringBuilder out;
    private byte[] pending = new byte[64];
    private int pendingLength;
    private String pendingCharset;
    private int nextTerminator = -2; // -2 unknown, -1 none left, else index of the next "?="
    private boolean invalidReported;
    private boolean unterminatedReported;
    private String wordCharset;
    private boolean wordBase64;
    private int wordTextStart;
    private int wordTextEnd;

    Decoder(String s, Consumer<Defect> defects) {
      this.s = s;
      this.defects = defects;
      this.out = new StringBuilder(s.length());
    }

    String run(int first) {
      int literalStart = 0; // text not yet emitted starts here
      boolean lastWasWord = false;
      int start = first;
      while (start >= 0) {
        int end = tryWord(start);
        if (end < 0) {
          start = s.indexOf("=?", start + 1);
          continue;
        }
        if (!(lastWasWord && isBlank(literalStart, start))) {
          flush();
          out.append(s, literalStart, start);
        }
        appendWord();
        lastWasWord = true;
        literalStart = end;
        start = s.indexOf("=?", end);
      }
      flush();
      out.append(s, literalStart, s.length());
      return out.toString();
    }

    private boolean isBlank(int from, int to) {
      for (int i = from; i < to; i++) {
        char c = s.charAt(i);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
          return false;
        }
      }
      return true;
    }

    /** Parses the word at {@code start} into the word fields; returns its end, or -1. */
    private int tryWord(int start) {
      int n = s.length();
      int i = start + 2;
      int limit = Math.min(n, i + MAX_CHARSET_LENGTH);
      int q1 = -1;
      for (int j = i; j < limit; j++) {
        char c = s.charAt(j);
        if (c == '?') {
          q1 = j;
          break;
        }
        if (c <= ' ' || c == '=' || c > '~') {
          return -1;
        }
      }
      if (q1 <= i || q1 + 2 >= n || s.charAt(q1 + 2) != '?') {
        return -1;
      }
      char enc = s.charAt(q1 + 1);
      int textStart = q1 + 3;
      int term = terminatorFrom(textStart);
      if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') {
        if (!invalidReported) {
          invalidReported = true;
          defects.accept(
              Defect.of(
                  DefectType.INVALID_ENCODED_WORD,
                  "encoded word with encoding '" + enc + "' kept literally"));
        }
        return -1;
      }
      if (term < 0) {
        if (!unterminatedReported) {
          unterminatedReported = true;
          defects.accept(
              Defect.of(
                  DefectType.UNTERMINATED_ENCODED_WORD,
                  "encoded word without closing '?=' kept literally"));
        }
        return -1;
      }
      String charset = s.substring(i, q1);
      int star = charset.indexOf('*');
      if (star >= 0) {
        charset = charset.substring(0, star); // RFC 2231 section 5: charset*language
      }
      if (charset.isEmpty()) {
        if (!invalidReported) {
          invalidReported = true;
          defects.accept(
              Defect.of(DefectType.INVALID_ENCODED_WORD, "encoded word without a charset"));
        }
        return -1;
      }
      wordCharset = charset;
      wordBase64 = enc == 'B' || enc == 'b';
      wordTextStart = textStart;
      wordTextEnd = term;
      return term + 2;
    }

    /** Decodes the word {@link #tryWord} parsed into the pending bytes of its charset. */
    private void appendWord() {
      int len = wordTextEnd - wordTextStart;
      byte[] text = new byte[len];
      for (int k = 0; k < len; k++) {
        char c = s.charAt(wordTextStart + k);
        // Encoded text is ASCII; a raw 8-bit character is kept as its low byte, anything wider
        // becomes '?' for the decoders to reject.
        text[k] = c < 0x100 ? (byte) c : (byte) '?';
      }
      if (pendingCharset != null && !pendingCharset.equalsIgnoreCase(wordCharset)) {
        flush();
      }
      pendingCharset = wordCharset;
      ensure(pendingLength + len);
      if (wordBase64) {
        pendingLength += Base64.decode(text, 0, len, pending, pendingLength, defects);
      } else {
        pendingLength += QuotedPrintable.decodeQ(text, 0, len, pending, pendingLength, defects);
      }
    }

    /** The index of the first "?=" at or after {@code from}; amortised linear over a pass. */
    private int terminatorFrom(int from) {
      if (nextTerminator == -1) {
        return -1;
      }
      if (nextTerminator < from) {
        nextTerminator = s.indexOf("?=", from);
      }
      return nextTerminator;
    }

    private void ensure(int capacity) {
      if (capacity > pending.length) {
        pending = Arrays.copyOf(pending, Math.max(capacity, pending.length * 2));
      }
    }

    private void flush() {
      if (pendingCharset != null) {
        out.append(Charsets.decode(pending, 0, pendingLength, pendingCharset, defects));
        pendingCharset = null;
        pendingLength = 0;
      }
    }
  }
}
