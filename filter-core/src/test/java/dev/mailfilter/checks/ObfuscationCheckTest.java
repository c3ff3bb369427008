package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testing.RandomStrings;
import java.lang.Character.UnicodeScript;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ObfuscationCheckTest {
  private static final LocalChecks CHECKS = new LocalChecks();
  private static final String UTF8 =
      "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit";

  @AfterAll
  static void close() {
    CHECKS.close();
  }

  @Test
  void zeroWidthCharactersInTextAreFlagged() {
    String m = CHECKS.message(UTF8, "V\u200Bi\u200Ba\u200Bgra for you\n");
    assertThat(CHECKS.symbols(m)).contains("INVISIBLE_CHARS");
    String html =
        CHECKS.message(
            "MIME-Version: 1.0\nContent-Type: text/html",
            "<p>V&#8203;i&#8203;a&#8203;gra for you, a letter of some length</p>\n");
    assertThat(CHECKS.symbols(html)).contains("INVISIBLE_CHARS");
    assertThat(CHECKS.symbols(CHECKS.message(UTF8, "\uFEFFplain text\n")))
        .doesNotContain("INVISIBLE_CHARS");
  }

  @Test
  void latinWordsWithCyrillicLookalikesAreHomoglyphs() {
    // "Pаypal" and "аccount" with CYRILLIC SMALL LETTER A
    String m = CHECKS.message(UTF8, "Your P\u0430ypal \u0430ccount is locked\n");
    assertThat(CHECKS.symbols(m)).contains("HOMOGLYPH_OBFUSCATION");
    assertThat(CHECKS.symbols(CHECKS.message("Subject: Y\u043Eur \u043Erder", "x\n")))
        .contains("HOMOGLYPH_OBFUSCATION");
  }

  @Test
  void singleScriptTextInAnyLanguageIsFine() {
    String m =
        CHECKS.message(
            UTF8, "Привет, как дела? Hello, how are you? Γειά σου κόσμε. 10μm and αβ-tests.\n");
    assertThat(CHECKS.symbols(m)).doesNotContain("HOMOGLYPH_OBFUSCATION", "INVISIBLE_CHARS");
  }

  @Test
  void mixedWordsAreCountedAcrossInvisibleCharacters() {
    List<String> ex = new ArrayList<>();
    assertThat(ObfuscationCheck.mixedWords("P\u200B\u0430y pal \u0430b Paypal", ex)).isEqualTo(1);
    assertThat(ex).containsExactly("P\u200B\u0430y");
  }

  @Test
  void asciiFastPathCountsAsTheUnicodeTablesDo() {
    // Letters, digits, punctuation, Latin-1 (µ is Common, not Latin), Cyrillic, Greek, invisibles,
    // a supplementary letter, a lone surrogate, and an unassigned supplementary code point whose
    // low 16 bits are U+200B (the definition reads it as a zero-width space).
    String alphabet =
        "aZq9_ .,-'\u00B5\u00E9\u00AA\u0430\u043E\u03B1\u200B\u00AD\uD835\uDC00\uD800\uDB48\uDC0B";
    RandomStrings.forEach(
        5_000,
        alphabet,
        29,
        c -> {
          List<String> got = new ArrayList<>();
          List<String> want = new ArrayList<>();
          assertThat(ObfuscationCheck.mixedWords(c.text(), got))
              .as(c.describe())
              .isEqualTo(referenceMixedWords(c.text(), want));
          assertThat(got).as(c.describe()).isEqualTo(want);
        });
  }

  /** The definition without the ASCII fast path: every code point through the Unicode tables. */
  private static int referenceMixedWords(String s, List<String> examples) {
    int count = 0;
    int start = -1;
    boolean latin = false;
    boolean lookalike = false;
    int letters = 0;
    for (int i = 0; i <= s.length(); ) {
      int cp = i < s.length() ? s.codePointAt(i) : ' ';
      boolean letter = Character.isLetter(cp);
      if (letter || (i < s.length() && ObfuscationCheck.isInvisible((char) cp) && start >= 0)) {
        if (start < 0) {
          start = i;
        }
        if (letter) {
          letters++;
          UnicodeScript script = UnicodeScript.of(cp);
          latin |= script == UnicodeScript.LATIN;
          lookalike |= script == UnicodeScript.CYRILLIC || script == UnicodeScript.GREEK;
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
      i += i < s.length() ? Character.charCount(cp) : 1;
    }
    return count;
  }

  @Test
  void noGreekOrCyrillicLetterLiesBelowTheShortcutsBound() {
    // mixedWords skips text without a char from FIRST_LOOKALIKE up: only sound while every Greek
    // and Cyrillic letter of this JDK's Unicode lies at or above it.
    for (int cp = 0; cp < ObfuscationCheck.FIRST_LOOKALIKE; cp++) {
      Character.UnicodeScript script = Character.UnicodeScript.of(cp);
      assertThat(
              Character.isLetter(cp)
                  && (script == Character.UnicodeScript.GREEK
                      || script == Character.UnicodeScript.CYRILLIC))
          .as("U+%04X", cp)
          .isFalse();
    }
    assertThat(Character.UnicodeScript.of(ObfuscationCheck.FIRST_LOOKALIKE))
        .isEqualTo(Character.UnicodeScript.GREEK);
  }
}
