package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SubjectCheckTest {
  private static final LocalChecks CHECKS = new LocalChecks();

  @AfterAll
  static void close() {
    CHECKS.close();
  }

  private static java.util.List<String> subject(String s) {
    return CHECKS.symbols(CHECKS.message("Subject: " + s, "x\n"));
  }

  @Test
  void allCapsSubjectFromTheCorpusIsFlagged() throws IOException {
    byte[] raw =
        Files.readAllBytes(
            LocalChecks.CORPORA.resolve(
                "spamassassin-public-corpus/spam/00010.445affef4c70feec58f9198cfbc22997"));
    assertThat(CHECKS.symbols(raw)).contains("SUBJ_ALL_CAPS");
  }

  @Test
  void capitalsNeedEnoughLettersAndWords() {
    assertThat(subject("MAKE MONEY FAST AT HOME")).contains("SUBJ_ALL_CAPS");
    assertThat(subject("FYI: ISO 9001")).doesNotContain("SUBJ_ALL_CAPS");
    assertThat(subject("SUPERCALIFRAGILISTIC")).doesNotContain("SUBJ_ALL_CAPS");
    assertThat(subject("Make money fast at home")).doesNotContain("SUBJ_ALL_CAPS");
  }

  @Test
  void punctuationHeavySubjectsAreFlagged() {
    assertThat(subject("Incredible Pictures!!!!!!!!")).contains("SUBJ_EXCESS_PUNCT");
    assertThat(subject("Win $$$ now? Really? Yes! Go!")).contains("SUBJ_EXCESS_PUNCT");
    assertThat(subject("Re: are you coming? bring snacks!")).doesNotContain("SUBJ_EXCESS_PUNCT");
  }

  @Test
  void missingOrEmptySubjectIsFlagged() {
    assertThat(subject("")).contains("MISSING_SUBJECT");
    String none = CHECKS.message("", "x\n").replaceFirst("Subject: [^\n]*\n", "");
    assertThat(CHECKS.symbols(none)).contains("MISSING_SUBJECT");
  }
}
