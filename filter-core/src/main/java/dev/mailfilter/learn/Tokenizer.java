package dev.mailfilter.learn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits decoded text into the words the model counts. Words are runs of letters and digits that
 * may carry inner punctuation that spammers and addresses use ({@code . - ' _ @ $}), lower-cased
 * with {@link Locale#ROOT}. Over-long words become one {@code skip:} token carrying their first
 * letter and a length bucket, as SpamAssassin's Bayes does, so base64 junk and hashes do not flood
 * the model with one-off features.
 */
final class Tokenizer {
  static final int MIN_LENGTH = 2;
  static final int MAX_LENGTH = 24;

  /** Bounds the work per text; the start of a message carries the signal (Sculley 2007). */
  static final int MAX_TOKENS_PER_TEXT = 3000;

  private Tokenizer() {}

  static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    words(text, out);
    return out;
  }

  static void words(String text, List<String> out) {
    int n = text.length();
    int limit = out.size() + MAX_TOKENS_PER_TEXT;
    int i = 0;
    while (i < n && out.size() < limit) {
      while (i < n && !isWordChar(text.charAt(i))) {
        i++;
      }
      int start = i;
      i = wordEnd(text, i);
      if (i > start) {
        String token = token(text.substring(start, i));
        if (token != null) {
          out.add(token);
        }
      }
    }
  }

  /**
   * Adds {@code Features.hash(zone, w)} for every word {@code w} that {@link #words(String)}
   * yields, in the same order and with the same cap, without building the words as strings: the hot
   * path of classification. A word is scanned and hashed in one pass, lower-casing ASCII on the
   * fly; a word with a non-ASCII char is hashed again from its string lower-cased the Unicode way,
   * which may change its length.
   */
  static void hashes(String text, long zone, Features.Sink out) {
    hashes(text, 0, text.length(), zone, out);
  }

  /** {@link #hashes(String, long, Features.Sink)} of {@code text.substring(from, to)}. */
  static void hashes(String text, int from, int to, long zone, Features.Sink out) {
    int n = to;
    int tokens = 0;
    int i = from;
    while (i < n && tokens < MAX_TOKENS_PER_TEXT) {
      while (i < n && !isWordChar(text.charAt(i))) {
        i++;
      }
      int start = i;
      long h = Features.FNV_OFFSET ^ zone;
      boolean ascii = true;
      // wordEnd, with the hash of the lower-cased word computed on the way.
      while (i < n) {
        char c = text.charAt(i);
        if (c < 0x80) {
          int lower = ASCII[c];
          if (lower == INNER) {
            if (i == start || i + 1 >= n || !isWordChar(text.charAt(i + 1))) {
              break;
            }
            lower = c;
          } else if (lower == 0) {
            break;
          }
          h = (h ^ lower) * Features.FNV_PRIME;
        } else if (Character.isLetterOrDigit(c)) {
          ascii = false;
        } else {
          break;
        }
        i++;
      }
      int len = i - start;
      if (len < MIN_LENGTH) {
        continue;
      }
      if (len > MAX_LENGTH) {
        out.add(Features.hash(zone, skipToken(text.charAt(start), len)));
      } else if (ascii) {
        out.add(Features.mix(h));
      } else {
        out.add(Features.hash(zone, text.substring(start, i).toLowerCase(Locale.ROOT)));
      }
      tokens++;
    }
  }

  private static int wordEnd(String text, int start) {
    int n = text.length();
    int i = start;
    while (i < n) {
      char c = text.charAt(i);
      if (isWordChar(c)) {
        i++;
      } else if (isInner(c) && i + 1 < n && isWordChar(text.charAt(i + 1)) && i > start) {
        i++;
      } else {
        break;
      }
    }
    return i;
  }

  /** The token a word becomes, or null when it is too short to count. */
  private static String token(String word) {
    int len = word.length();
    if (len < MIN_LENGTH) {
      return null;
    }
    return len > MAX_LENGTH ? skipToken(word.charAt(0), len) : word.toLowerCase(Locale.ROOT);
  }

  /**
   * The token of an over-long word. Its first char is lower-cased alone, not the whole word, which
   * may be a long run of base64: the result is the same, as a word starts with a letter, digit or
   * {@code $} of the Basic Multilingual Plane, and the lower case of such a char at the start of a
   * string depends on nothing after it (final sigma needs a letter before it).
   */
  private static String skipToken(char first, int len) {
    return "skip:" + Character.toLowerCase(first) + ":" + (len / 10 * 10);
  }

  private static final byte INNER = -1;

  /**
   * What the hot loops read instead of {@link Character} for an ASCII char: the char lower-cased if
   * it is a word char, {@link #INNER} if it is inner punctuation, 0 otherwise. A table rather than
   * a test for upper case, which text mixes unpredictably for the branch predictor.
   */
  private static final byte[] ASCII = new byte[0x80];

  static {
    for (char c = 0; c < 0x80; c++) {
      if (Character.isLetterOrDigit(c) || c == '$') {
        ASCII[c] = (byte) Character.toLowerCase(c);
      } else if (isInner(c)) {
        ASCII[c] = INNER;
      }
    }
  }

  private static boolean isWordChar(char c) {
    return c < 0x80 ? ASCII[c] > 0 : Character.isLetterOrDigit(c);
  }

  private static boolean isInner(char c) {
    return c == '.' || c == '-' || c == '\'' || c == '_' || c == '@';
  }
}
