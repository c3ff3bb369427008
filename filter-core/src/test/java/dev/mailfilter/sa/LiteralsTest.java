package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LiteralsTest {
  private static List<String> lit(String perl) throws Unsupported {
    return Literals.required(PerlRegex.compile(perl).pattern());
  }

  @Test
  void theLongestRequiredRunInLowerCase() throws Unsupported {
    assertThat(lit("/Cheap Pills/i")).containsExactly("cheap pills");
    assertThat(lit("/\\bviagra\\b/")).containsExactly("viagra");
    assertThat(lit("/^Subject: (?:re|fwd): ab/m")).containsExactly("subject: ");
    assertThat(lit("/click\\s+here to unsubscribe/")).containsExactly("here to unsubscribe");
    assertThat(lit("/http:\\/\\/bit\\.ly/")).containsExactly("http://bit.ly");
    assertThat(lit("/caf\\xc3\\xa9s/")).containsExactly("caf\u00c3\u00a9s");
  }

  @Test
  void optionalAndRepeatedCharactersEndARun() throws Unsupported {
    assertThat(lit("/colou*r chart/")).containsExactly("r chart");
    assertThat(lit("/abcx*def/")).containsExactly("abc");
    assertThat(lit("/abcx{0,2}defg/")).containsExactly("defg");
    assertThat(lit("/abx+yz/")).containsExactly("abx");
    assertThat(lit("/(?:long literal)?abc/")).containsExactly("abc");
  }

  @Test
  void anOptionalCharacterGivesBothSpellings() throws Unsupported {
    assertThat(lit("/colou?r chart/")).containsExactly("color chart", "colour chart");
    assertThat(lit("/e-?mai?l\\sid/i")).containsExactly("emal", "e-mal", "email", "e-mail");
    assertThat(lit("/st?ates?/")).containsExactly("sate", "state", "sates", "states");
    // Past MAX_SPELLINGS optional characters, the run is cut as before.
    assertThat(lit("/a?b?c?d?e?fgh/")).containsExactly("fgh");
    assertThat(lit("/x?yz/")).isEmpty(); // "yz" is too short
  }

  @Test
  void aRepeatedGroupOfManyAlternativesKeepsThemAll() throws Unsupported {
    // As FF_ALL in __FILL_THIS_FORM_SHORT2: optional prefixes, then one of many words.
    StringBuilder words = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      words.append(i == 0 ? "" : "|").append("word").append(i).append("s?");
    }
    List<String> l =
        lit("/(?:(?:your\\s)?(?:full\\s|valid\\s){0,3}(?:" + words + ")\\W{1,3}){3}/i");
    assertThat(l).hasSize(200).contains("word0", "word0s", "word99", "word99s");
    assertThat(lit("/(?:(?:your\\s)?(?:" + words + "|\\d+)\\W){3}/")).isEmpty();
  }

  @Test
  void alternationsGiveOneLiteralPerBranch() throws Unsupported {
    assertThat(lit("/foo|barbaz/")).containsExactly("foo", "barbaz");
    assertThat(lit("/\\b(?:give|offer)\\syou/")).containsExactly("give", "offer");
    assertThat(lit("/(?i:free) (?:money|cash|gold)/")).containsExactly("free");
    assertThat(lit("/(?<w>hello) wo/")).containsExactly("hello");
  }

  @Test
  void noLiteralWhenABranchCouldMatchWithoutOne() throws Unsupported {
    assertThat(lit("/foo|\\d+/")).isEmpty();
    assertThat(lit("/(?:foo|)/")).isEmpty();
    assertThat(lit("/[a-z]+\\d{3}/")).isEmpty();
    assertThat(lit("/(?=viagra)\\w+/")).isEmpty();
    assertThat(lit("/ab/")).isEmpty(); // too short to be worth a search
  }
}
