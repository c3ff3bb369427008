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
      if (i > start) {
        add(text.substring(start, i), out);
      }
    }
  }

  private static void add(String word, List<String> out) {
    int len = word.length();
    if (len < MIN_LENGTH) {
      return;
    }
    String lower = word.toLowerCase(Locale.ROOT);
    if (len > MAX_LENGTH) {
      out.add("skip:" + lower.charAt(0) + ":" + (len / 10 * 10));
      return;
    }
    out.add(lower);
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '$';
  }

  private static boolean isInner(char c) {
    return c == '.' || c == '-' || c == '\'' || c == '_' || c == '@';
  }
}
