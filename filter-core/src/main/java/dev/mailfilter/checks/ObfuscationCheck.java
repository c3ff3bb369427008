package dev.mailfilter.checks;

import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.message.MessageBodies;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.lang.Character.UnicodeScript;
import java.util.ArrayList;
import java.util.List;

/**
 * Text written to read one way to people and another to filters: invisible characters inside words
 * ("V&#8203;iagra") and homoglyphs, words that mix Latin letters with Cyrillic or Greek lookalikes
 * ("Pаypal" with a Cyrillic а). A real word of one language stays in one script, so a mixed-script
 * word is a strong signal (Rspamd's R_MIXED_CHARSET, SpamAssassin's MIXED_ES/UNICODE rules).
 */
public final class ObfuscationCheck extends LocalCheck {
  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of("INVISIBLE_CHARS", 2.0, "zero-width or bidi control characters in text"),
          SymbolDef.of(
              "HOMOGLYPH_OBFUSCATION", 3.0, "words mix Latin with Cyrillic or Greek lookalikes"));

  /** Characters of text examined per part for homoglyphs. */
  static final int MAX_SCAN = 256 * 1024;

  private final int minInvisible;
  private final int minMixedWords;

  private ObfuscationCheck(int minInvisible, int minMixedWords) {
    super("obfuscation", Stage.DATA, SYMBOLS);
    this.minInvisible = minInvisible;
    this.minMixedWords = minMixedWords;
  }

  /**
   * Factory for {@code checks.obfuscation}: options {@code min_invisible_chars}, {@code
   * min_mixed_words}.
   */
  public static ObfuscationCheck create(CheckSetup setup) {
    ConfigNode o = setup.options();
    return new ObfuscationCheck(
        (int) o.integer("min_invisible_chars", 3, 1, Integer.MAX_VALUE),
        (int) o.integer("min_mixed_words", 1, 1, Integer.MAX_VALUE));
  }

  @Override
  public void run(CheckContext ctx) {
    List<String> texts = new ArrayList<>();
    ctx.message().subject().ifPresent(texts::add);
    int invisible = 0;
    for (MessageBodies.Body b : MessageBodies.of(ctx)) {
      texts.add(b.text());
      if (b.html().isPresent()) {
        invisible += b.html().get().invisibleChars(); // dropped from the HTML's text already
      }
    }
    List<String> mixed = new ArrayList<>();
    int mixedCount = 0;
    for (String t : texts) {
      if (!hasCharFrom(t, '\u00AD')) {
        continue; // no invisible character and no Greek or Cyrillic letter lies below U+00AD
      }
      invisible += countInvisible(t);
      mixedCount += mixedWords(t.length() > MAX_SCAN ? t.substring(0, MAX_SCAN) : t, mixed);
    }
    if (invisible >= minInvisible) {
      ctx.addSymbol("INVISIBLE_CHARS", String.valueOf(invisible));
    }
    if (mixedCount >= minMixedWords) {
      ctx.addSymbol("HOMOGLYPH_OBFUSCATION", mixed.toArray(String[]::new));
    }
  }

  /** No Greek or Cyrillic letter lies below U+0370, the start of the Greek block (tested). */
  static final char FIRST_LOOKALIKE = '\u0370';

  private static boolean hasCharFrom(String s, char from) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= from) {
        return true;
      }
    }
    return false;
  }

  /** Zero-width, soft hyphen and bidi controls, except a leading byte order mark. */
  static int countInvisible(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      // Every invisible character is at or above U+00AD: one comparison for nearly all text.
      if (c >= '\u00AD' && isInvisible(c) && !(c == '\uFEFF' && i == 0)) {
        n++;
      }
    }
    return n;
  }

  static boolean isInvisible(char c) {
    return (c >= '\u200B' && c <= '\u200F')
        || (c >= '\u202A' && c <= '\u202E')
        || (c >= '\u2060' && c <= '\u2064')
        || (c >= '\u2066' && c <= '\u2069')
        || c == '\u00AD'
        || c == '\u034F'
        || c == '\u180E'
        || c == '\uFEFF';
  }

  /**
   * Counts words of three letters or more that mix Latin with Cyrillic or Greek, and records the
   * first few in {@code examples}. Invisible characters do not break a word.
   *
   * <p>Every char of every text part passes through here, so ASCII (no invisible characters, its
   * letters all Latin) takes a path without code points or Unicode tables; the test compares it
   * with the plain definition.
   */
  static int mixedWords(String s, List<String> examples) {
    if (!hasCharFrom(s, FIRST_LOOKALIKE)) {
      return 0; // a word counts only with a Greek or Cyrillic letter: most text has none
    }
    int n = s.length();
    int count = 0;
    int start = -1;
    boolean latin = false;
    boolean lookalike = false;
    int letters = 0;
    int i = 0;
    while (i <= n) {
      char c = i < n ? s.charAt(i) : ' ';
      int width = 1;
      boolean letter;
      boolean invisible = false;
      if (c < 0x80) {
        letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
        if (letter) {
          latin = true;
        } else if (start < 0) {
          i++; // outside a word nothing changes
          continue;
        }
      } else {
        int cp = s.codePointAt(i);
        width = Character.charCount(cp);
        letter = Character.isLetter(cp);
        if (letter) {
          UnicodeScript script = UnicodeScript.of(cp);
          latin |= script == UnicodeScript.LATIN;
          lookalike |= script == UnicodeScript.CYRILLIC || script == UnicodeScript.GREEK;
        } else {
          invisible = isInvisible((char) cp) && start >= 0;
        }
      }
      if (letter || invisible) {
        if (start < 0) {
          start = i;
        }
        if (letter) {
          letters++;
        }
      } else {
        if (start >= 0 && latin && lookalike && letters >= 3) {
          count++;
          if (examples.size() < 5) {
            examples.add(s.substring(start, i));
          }
        }
        start = -1;
        latin = false;
        lookalike = false;
        letters = 0;
      }
      i += width;
    }
    return count;
  }
}
