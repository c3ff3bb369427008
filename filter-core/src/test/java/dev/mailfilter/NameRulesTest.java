package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written name checks on the per-symbol and per-header path say what the grammars say. */
class NameRulesTest {
  private static final String ALPHABET = "AZaz09_:-! ~\u007F\u00E9\r\n\t";

  @Test
  void symbolNamesAndHeaderFieldNamesMatchTheirGrammars() {
    Pattern symbol = Pattern.compile("[A-Z][A-Z0-9_]*");
    Pattern field = Pattern.compile("[!-9;-~]+");
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(6);
      for (int i = 0; i < len; i++) {
        sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      String s = sb.toString();
      assertThat(Symbol.isName(s))
          .as("seed %d, [%s]", seed, s)
          .isEqualTo(symbol.matcher(s).matches());
      assertThat(HeaderFields.isFieldName(s))
          .as("seed %d, [%s]", seed, s)
          .isEqualTo(field.matcher(s).matches());
    }
  }

  @Test
  void foldedValuesAreAcceptedExactlyAsThePatternDid() {
    Pattern fold = Pattern.compile("\r\n[ \t]");
    String alphabet = "\r\n \ta:";
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(8);
      for (int i = 0; i < len; i++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String s = sb.toString();
      String unfolded = fold.matcher(s).replaceAll(" ");
      boolean want = unfolded.indexOf('\r') < 0 && unfolded.indexOf('\n') < 0;
      assertThat(HeaderFields.breaksOnlyFold(s)).as("seed %d, [%s]", seed, s).isEqualTo(want);
    }
  }
}
