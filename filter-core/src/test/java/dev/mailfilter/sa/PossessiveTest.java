package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PossessiveTest {
  private static String java(String perl) throws Unsupported {
    return PerlRegex.compile(perl).pattern();
  }

  @Test
  void aRunOfAllButOneCharacterBeforeThatCharacterBecomesPossessive() throws Unsupported {
    assertThat(Possessive.rewrite(java("/;(?:[^\\n]+\\n+)*Subject: /")))
        .isEqualTo(";(?:[^\\n]++\\n+)*Subject: ");
    assertThat(Possessive.rewrite("<a[^>]*>x[^\"]{0,80}\"")).isEqualTo("<a[^>]*+>x[^\"]{0,80}+\"");
    assertThat(Possessive.rewrite("x[^.]+\\.")).isEqualTo("x[^.]++\\.");
  }

  @Test
  void runsTheNextStepMayDoWithoutStayAsTheyAre() {
    for (String s :
        List.of(
            "[^>]*>?", // the next character is optional
            "[^>]*>*",
            "[^>]*>{0,2}",
            "[^>]*a", // another character: giving back may help
            "[^>]*?>", // lazy
            "[^>]*+>", // already possessive
            "[^a]+a", // a letter: case-insensitive flags could match it in the run
            "[^ab]+a",
            "[^>]*|>",
            "(?<=[^>]*>)x", // lookbehinds are not read
            "\\Q[^>]*>\\E",
            "\\[^>]*>", // no class
            "[x[^>]*>]")) { // inside a class
      assertThat(Possessive.rewrite(s)).as(s).isEqualTo(s);
    }
  }

  @Test
  void thePatternItselfIsKeptWhenNothingChanges() throws Unsupported {
    Pattern p = PerlRegex.compile("/a[^b]+c/i");
    assertThat(Possessive.of(p)).isSameAs(p);
    Pattern q = PerlRegex.compile("/a[^>]+>/i");
    assertThat(Possessive.of(q).pattern()).isEqualTo("a[^>]++>");
    assertThat(Possessive.of(q).flags()).isEqualTo(q.flags());
  }

  /** Random patterns of runs, literals, groups and alternations: every match and group the same. */
  @Test
  void rewrittenPatternsFindTheSameMatchesAndGroupsOnSeededRandomText() {
    Random random = new Random(20261208L);
    String[] pieces = {
      "[^\\n]+",
      "[^\\n]*",
      "[^>]{0,3}",
      "[^>]+",
      "[^;]*",
      "\\n",
      "\\n+",
      ">",
      ";",
      "a",
      "b",
      "(?:a|>)",
      ".",
      "\\w+",
      ">?"
    };
    int rewritten = 0;
    for (int k = 0; k < 12000; k++) {
      StringBuilder src = new StringBuilder();
      int n = 2 + random.nextInt(6);
      int open = 0;
      for (int i = 0; i < n; i++) {
        if (random.nextInt(6) == 0) {
          src.append('(');
          open++;
        }
        src.append(pieces[random.nextInt(pieces.length)]);
        if (open > 0 && random.nextInt(4) == 0) {
          src.append(random.nextBoolean() ? ")" : ")*");
          open--;
        }
        if (random.nextInt(10) == 0) {
          src.append('|');
        }
      }
      src.append(")".repeat(open));
      Pattern p = Pattern.compile(src.toString(), Pattern.UNIX_LINES | Pattern.CASE_INSENSITIVE);
      Pattern q = Possessive.of(p);
      if (q == p) {
        continue;
      }
      rewritten++;
      for (int t = 0; t < 20; t++) {
        String text = randomText(random);
        assertThat(matches(q, text)).as(src + " on " + text).isEqualTo(matches(p, text));
      }
    }
    assertThat(rewritten).isGreaterThan(500);
  }

  private static String randomText(Random random) {
    String alphabet = "ab>;\n A";
    StringBuilder b = new StringBuilder();
    int len = random.nextInt(30);
    for (int i = 0; i < len; i++) {
      b.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  static List<String> matches(Pattern p, String text) {
    List<String> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      StringBuilder b = new StringBuilder().append(m.start()).append('-').append(m.end());
      for (int g = 1; g <= m.groupCount(); g++) {
        b.append(',').append(m.start(g)).append('-').append(m.end(g));
      }
      out.add(b.toString());
      if (m.end() == m.start() && m.end() >= text.length()) {
        break;
      }
    }
    return out;
  }
}
