package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

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
}
