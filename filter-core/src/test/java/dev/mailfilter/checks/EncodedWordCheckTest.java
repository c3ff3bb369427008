package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class EncodedWordCheckTest {
  private static final LocalChecks CHECKS = new LocalChecks();

  @AfterAll
  static void close() {
    CHECKS.close();
  }

  private static java.util.List<String> subject(String s) {
    return CHECKS.symbols(CHECKS.message("Subject: " + s, "x\n"));
  }

  @Test
  void encodedPlainAsciiIsAbuse() {
    assertThat(subject("=?utf-8?B?RnJlZSB2aWFncmEgbm93?=")).contains("ENCODED_WORD_ABUSE");
    assertThat(subject("=?iso-8859-1?Q?cheap_meds?=")).contains("ENCODED_WORD_ABUSE");
  }

  @Test
  void encodedNonAsciiTextIsFine() {
    assertThat(subject("=?iso-8859-1?Q?Caf=E9_au_lait?=")).doesNotContain("ENCODED_WORD_ABUSE");
    assertThat(subject("Re: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus Bern"))
        .doesNotContain("ENCODED_WORD_ABUSE");
  }

  @Test
  void mixedCharsetsAndExcessiveWordsAreAbuse() {
    assertThat(subject("=?koi8-r?B?8NLJ18XU?= =?utf-8?Q?=C3=BC?=")).contains("ENCODED_WORD_ABUSE");
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 13; i++) {
      many.append("=?utf-8?Q?=C3=BC?= ");
    }
    assertThat(subject(many.toString().strip())).contains("ENCODED_WORD_ABUSE");
    assertThat(subject("=?utf-8?Q?=C3=BC?= =?utf-8?Q?=C3=A4?="))
        .doesNotContain("ENCODED_WORD_ABUSE");
  }
}
