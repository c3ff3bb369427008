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
    assertThat(lit("/colou?r chart/")).containsExactly("r chart");
    assertThat(lit("/abcx*def/")).containsExactly("abc");
    assertThat(lit("/abcx{0,2}defg/")).containsExactly("defg");
    assertThat(lit("/abx+yz/")).containsExactly("abx");
    assertThat(lit("/(?:long literal)?abc/")).containsExactly("abc");
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
