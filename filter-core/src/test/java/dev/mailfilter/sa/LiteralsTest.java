package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LiteralsTest {
  private static String lit(String perl) throws Unsupported {
    return Literals.required(PerlRegex.compile(perl).pattern());
  }

  @Test
  void theLongestRequiredRunInLowerCase() throws Unsupported {
    assertThat(lit("/Cheap Pills/i")).isEqualTo("cheap pills");
    assertThat(lit("/\\bviagra\\b/")).isEqualTo("viagra");
    assertThat(lit("/^Subject: (?:re|fwd): ab/m")).isEqualTo("subject: ");
    assertThat(lit("/click\\s+here to unsubscribe/")).isEqualTo("here to unsubscribe");
    assertThat(lit("/http:\\/\\/bit\\.ly/")).isEqualTo("http://bit.ly");
    assertThat(lit("/caf\\xc3\\xa9s/")).isEqualTo("caf\u00c3\u00a9s");
  }

  @Test
  void optionalAndRepeatedCharactersEndARun() throws Unsupported {
    assertThat(lit("/colou?r chart/")).isEqualTo("r chart");
    assertThat(lit("/abcx*def/")).isEqualTo("abc");
    assertThat(lit("/abcx{0,2}defg/")).isEqualTo("defg");
    assertThat(lit("/abx+yz/")).isEqualTo("abx");
  }

  @Test
  void noLiteralWhenAnAlternativeCouldMatchWithoutIt() throws Unsupported {
    assertThat(lit("/foo|barbaz/")).isEmpty();
    assertThat(lit("/(?:foo|bar)/")).isEmpty();
    assertThat(lit("/[a-z]+\\d{3}/")).isEmpty();
    assertThat(lit("/ab/")).isEmpty(); // too short to be worth a search
  }

  @Test
  void aRuleIsSkippedOnlyWhenItsLiteralIsAbsentInAnyCase() {
    SaMessage m = SaFixtures.message("Subject: x\n\nBuy CHEAP pills\n");
    assertThat(m.mayContain(RuleKind.BODY, "cheap pills")).isTrue();
    assertThat(m.mayContain(RuleKind.BODY, "viagra")).isFalse();
  }
}
