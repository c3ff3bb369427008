package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SupersetTest {
  private static Superset superset(String perl) throws Unsupported {
    return Superset.of(PerlRegex.compile(perl));
  }

  @Test
  void aTextWithoutTheWordsHasNoMatch() throws Unsupported {
    Superset s = superset("/\\b(?:cheap|free)\\s+pills?\\b/i");
    assertThat(s).isNotNull();
    assertThat(s.mayMatch("buy CHEAP  Pill now")).isTrue();
    assertThat(s.mayMatch("cheap tablets, free pils")).isFalse();
    assertThat(s.mayMatch("")).isFalse();
  }

  @Test
  void assertionsLookaroundsAndBoundsWidenTheSuperset() throws Unsupported {
    // The lookahead is left out: "pill" matches the superset, though not the pattern.
    Superset look = superset("/(?!pill)p[i1]ll/");
    assertThat(look.mayMatch("a pill")).isTrue();
    assertThat(look.mayMatch("a p1ll")).isTrue();
    assertThat(look.mayMatch("a pall")).isFalse();
    // {1,80} becomes unbounded; 81 dots still may match, none may not.
    Superset bound = superset("/\\d{1,3}[.:]{1,80}name/");
    assertThat(bound.mayMatch("1" + ".".repeat(81) + "name")).isTrue();
    assertThat(bound.mayMatch("1name")).isFalse();
    // Atomic groups and possessive runs as plain ones.
    assertThat(superset("/^(?>\\s{0,50})x/").mayMatch("   x")).isTrue();
  }

  @Test
  void charsAbove255AreAlwaysSearched() throws Unsupported {
    Superset s = superset("/abc/");
    assertThat(s.mayMatch("xyz")).isFalse();
    assertThat(s.mayMatch("xyz\u2019")).isTrue();
  }

  @Test
  void unknownOrEmptyMatchingPatternsHaveNone() throws Unsupported {
    assertThat(superset("/(ab)c\\1/")).isNull(); // a backreference
    assertThat(superset("/(?<n>a)\\k<n>/")).isNull();
    assertThat(superset("/(?:abc)?/")).isNull(); // matches every text
    assertThat(superset("/\\bx*\\b/")).isNull();
  }

  @Test
  void everyTextWithAMatchMayMatchOnSeededTexts() throws Unsupported {
    String[] patterns = {
      "/(?:^|\\W)(?=[cC])(?:[cCk]|\\(?:)[_\\W]{0,3}[l1|]{1,2}[_\\W]{0,3}[i1!]ck\\b/",
      "/\\d{1,3}(?:[)}\\]:.,]{1,5}|(?:st|nd)[):.]{0,3})\\s?(?:your\\s)?(?:name|age){1,3}/i",
      "/(?<![a-z])m[_\\W]{0,3}[e3][_\\W]{0,3}d(?!s)/",
      "/^Subject: (?:re: )*+[^\\n]{0,20}?free$/m",
      "/(?i:AB)c[^a-c\\s]{2}|x.y|\\x{e4}[\\x{e4}-\\x{e6}]+z/",
      "/(?>a|ab)b{2,}c*?d|(?:ba){2,12}/",
      "/[^\\W\\d]{3}\\s\\S\\D/",
    };
    String alphabet = "abcdeilmnsxyzABCINM13!|_-.:,)( \n\u00e4\u00e5";
    Random random = new Random(2026);
    for (String perl : patterns) {
      Pattern p = PerlRegex.compile(perl);
      Superset s = Superset.of(p);
      assertThat(s).as(perl).isNotNull();
      int matching = 0;
      int skipped = 0;
      for (int t = 0; t < 20000; t++) {
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(30);
        for (int i = 0; i < n; i++) {
          b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        // Pieces of the patterns' words, so that some texts match.
        String[] words = {
          "name",
          "age",
          "1.",
          "2nd)",
          "click",
          "c|1ck",
          "med",
          "Subject: ",
          "ABc",
          "\nSubject: re: free\n",
          "abbbd",
          "baBa"
        };
        b.insert(random.nextInt(b.length() + 1), words[random.nextInt(words.length)]);
        String text = b.toString();
        boolean found = p.matcher(text).find();
        boolean may = s.mayMatch(text);
        assertThat(!found || may).as("%s on %s (seed 2026)", perl, text).isTrue();
        matching += found ? 1 : 0;
        skipped += may ? 0 : 1;
      }
      // The texts exercise both sides: some match, and the superset rules some out.
      assertThat(matching).as(perl).isPositive();
      assertThat(skipped).as(perl).isPositive();
    }
  }
}
