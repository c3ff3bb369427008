package dev.mailfilter.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testing.RandomStrings;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written name checks on the per-symbol and per-header path say what the grammars say. */
class NameRulesTest {
  @Test
  void symbolNamesAndHeaderFieldNamesMatchTheirGrammars() {
    Pattern symbol = Pattern.compile("[A-Z][A-Z0-9_]*");
    Pattern field = Pattern.compile("[!-9;-~]+");
    RandomStrings.forEach(
        20_000,
        "AZaz09_:-! ~\u007F\u00E9\r\n\t",
        5,
        c -> {
          assertThat(Symbol.isName(c.text()))
              .as(c.describe())
              .isEqualTo(symbol.matcher(c.text()).matches());
          assertThat(HeaderFields.isFieldName(c.text()))
              .as(c.describe())
              .isEqualTo(field.matcher(c.text()).matches());
        });
  }

  @Test
  void foldedValuesAreAcceptedExactlyAsThePatternDid() {
    Pattern fold = Pattern.compile("\r\n[ \t]");
    RandomStrings.forEach(
        20_000,
        "\r\n \ta:",
        7,
        c -> {
          String unfolded = fold.matcher(c.text()).replaceAll(" ");
          boolean want = unfolded.indexOf('\r') < 0 && unfolded.indexOf('\n') < 0;
          assertThat(HeaderFields.breaksOnlyFold(c.text())).as(c.describe()).isEqualTo(want);
        });
  }
}
