package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class FirstCharsTest {
  @Test
  void looksPastAShortPrefixWhenItsSetIsFarRarer() throws Unsupported {
    // As the FUZZY_* rules: any \W may begin a match, but only before an n-like letter.
    Pattern fuzzy = PerlRegex.compile("/(?:^|\\W)(?=[nN\\xd1])(?!norton)[nN\\xd1][o0O]rt[o0O]n/");
    assertThat(FirstChars.of(fuzzy)).hasToString("FirstChars[3 octets, after up to 1]");
    // Where the prefix is the rarer part, the whole pattern's set stays.
    Pattern money = PerlRegex.compile("/(?:^|\\$)\\d+/");
    assertThat(FirstChars.of(money)).hasToString("FirstChars[11 octets]"); // $ and digits
  }

  @Test
  void countsWhatFindCountsPastThePrefixOnSeededTexts() throws Unsupported {
    String[] patterns = {
      "/(?:^|\\W)(?=[nN\\xd1])(?!norton)[nN\\xd1][o0O]rt[o0O]n/",
      // As the __DRUGS_* rules: a prefix of up to 4 characters between letters.
      "/(?:\\b|\\s)[_\\W]{0,3}S[_\\W]{0,3}[o0][_\\W]{0,3}n[_\\W]{0,3}a\\b/i",
    };
    String[] pieces = {
      "n0rton",
      "norton",
      "N0RTON",
      " ",
      "-",
      "x",
      "\u00d1ort0n",
      "\n",
      "an0rton",
      "s0na",
      "S.o-n a",
      "_",
      "__",
      "is",
      "sona",
      "..",
      "a"
    };
    Random random = new Random(7);
    for (String perl : patterns) {
      Pattern p = PerlRegex.compile(perl);
      FirstChars first = FirstChars.of(p);
      assertThat(first.toString()).as(perl).contains("after up to");
      int matches = 0;
      for (int t = 0; t < 10000; t++) {
        StringBuilder b = new StringBuilder();
        for (int k = random.nextInt(12); k > 0; k--) {
          b.append(pieces[random.nextInt(pieces.length)]);
        }
        String text = b.toString();
        Matcher m = p.matcher(text);
        int expected = 0;
        while (m.find()) {
          expected++;
        }
        assertThat(first.count(p, text, 1000, Guard.none()))
            .as(perl + " on " + text)
            .isEqualTo(expected);
        matches += expected;
      }
      assertThat(matches).as(perl).isGreaterThan(500);
    }
  }
}
