package dev.mailfilter.learn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A frozen copy of {@code Tokenizer} as of commit 556548e, before its hot path was optimised: the
 * reference the differential tests compare the optimised code with. Do not edit it, except when the
 * model's features change on purpose (which invalidates every trained model file).
 *
 * <p>Splits decoded text into the words the model counts. Words are runs of letters and digits that
 * may carry inner punctuation that spammers and addresses use ({@code . - ' _ @ $}), lower-cased
 * with {@link Locale#ROOT}. Over-long words become one {@code skip:} token carrying their first
 * letter and a length bucket, as SpamAssassin's Bayes does, so base64 junk and hashes do not flood
 * the model with one-off features.
 */
final class ReferenceTokenizer {
  static final int MIN_LENGTH = 2;
  static final int MAX_LENGTH = 24;

  /** Bounds the work per text; the start of a message carries the signal (Sculley 2007). */
  static final int MAX_TOKENS_PER_TEXT = 3000;

  private ReferenceTokenizer() {}

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
   * Adds {@code ReferenceFeatures.hash(zone, w)} for every word {@code w} that {@link
   * #words(String)} yields, in the same order and with the same cap, without building the words as
   * strings: the hot path of classification. Pure-ASCII words of normal length are lower-cased and
   * hashed in place; the rest go through the string path, so the result is identical.
   */
  static void hashes(String text, long zone, ReferenceFeatures.LongList out) {
    int n = text.length();
    int limit = out.size() + MAX_TOKENS_PER_TEXT;
    int i = 0;
    while (i < n && out.size() < limit) {
      while (i < n && !isWordChar(text.charAt(i))) {
        i++;
      }
      int start = i;
      i = wordEnd(text, i);
      int len = i - start;
      if (len < MIN_LENGTH) {
        continue;
      }
      long h = len > MAX_LENGTH ? 0 : asciiHash(text, start, i, zone);
      if (h == 0) {
        h = ReferenceFeatures.hash(zone, token(text.substring(start, i)));
      }
      out.add(h);
    }
  }

  /**
   * FNV-1a of the lower-cased ASCII word, as {@code ReferenceFeatures.hash}; 0 if a char is not
   * ASCII.
   */
  private static long asciiHash(String text, int start, int end, long zone) {
    long h = 0xcbf29ce484222325L ^ zone;
    for (int k = start; k < end; k++) {
      char c = text.charAt(k);
      if (c >= 0x80) {
        return 0;
      }
      if (c >= 'A' && c <= 'Z') {
        c += 'a' - 'A';
      }
      h ^= c;
      h *= 0x100000001b3L;
    }
    // A true hash of 0 just takes the string path, which yields 0 again.
    return ReferenceFeatures.mix(h);
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
    String lower = word.toLowerCase(Locale.ROOT);
    if (len > MAX_LENGTH) {
      return "skip:" + lower.charAt(0) + ":" + (len / 10 * 10);
    }
    return lower;
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '$';
  }

  private static boolean isInner(char c) {
    return c == '.' || c == '-' || c == '\'' || c == '_' || c == '@';
  }
}
