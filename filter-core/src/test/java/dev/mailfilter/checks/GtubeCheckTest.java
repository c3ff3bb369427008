package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GtubeCheckTest {
  private static final Path TESTDATA =
      Path.of(
          System.getProperty("mailfilter.shared", "../shared"), "corpora/spamassassin-testdata");
  private static final Envelope ENV =
      Envelope.of(InetAddresses.forString("192.0.2.9"), "", "", List.of());

  private static MailFilter gtubeOnly(String extraYaml) {
    return MailFilter.builder()
        .config(
            FilterConfig.builder()
                .yaml(
                    "checks:\n  helo:\n    enabled: false\n  mime_defects:\n    enabled: false\n"
                        + LocalChecks.OFF_YAML
                        + extraYaml)
                .build())
        .build();
  }

  @Test
  void spamAssassinSampleSpamHitsAndIsRejected() throws IOException {
    try (MailFilter f = gtubeOnly("")) {
      Verdict v = f.classify(Files.readAllBytes(TESTDATA.resolve("sample-spam.txt")), ENV);
      assertThat(v.has("GTUBE")).isTrue();
      assertThat(v.score()).isEqualTo(1000.0);
      assertThat(v.action()).isEqualTo(Action.REJECT);
    }
  }

  @Test
  void spamAssassinSampleNonspamDoesNotHit() throws IOException {
    try (MailFilter f = gtubeOnly("")) {
      Verdict v = f.classify(Files.readAllBytes(TESTDATA.resolve("sample-nonspam.txt")), ENV);
      assertThat(v.symbols()).isEmpty();
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
    }
  }

  @Test
  void actionAcceptLeavesTheDecisionToTheScore() throws IOException {
    try (MailFilter f = gtubeOnly("  gtube:\n    action: accept\n    score: 7\n")) {
      Verdict v = f.classify(Files.readAllBytes(TESTDATA.resolve("sample-spam.txt")), ENV);
      assertThat(v.action()).isEqualTo(Action.ADD_HEADER);
      assertThat(v.score()).isEqualTo(7.0);
    }
  }

  @Test
  void searchFindsThePatternAnywhereAndNotAlmostMatches() {
    byte[] needle = GtubeCheck.GTUBE;
    long seed = new SplittableRandom().nextLong();
    SplittableRandom r = new SplittableRandom(seed);
    for (int round = 0; round < 500; round++) {
      byte[] hay = new byte[r.nextInt(needle.length, 400)];
      for (int i = 0; i < hay.length; i++) {
        hay[i] = needle[r.nextInt(needle.length)]; // pattern bytes only: many near misses
      }
      int at = r.nextInt(hay.length - needle.length + 1);
      boolean plant = r.nextBoolean();
      if (plant) {
        System.arraycopy(needle, 0, hay, at, needle.length);
      }
      int expected = naive(hay, needle);
      assertThat(GtubeCheck.indexOf(hay, needle))
          .as("seed %s round %s", seed, round)
          .isEqualTo(expected);
      if (plant) {
        assertThat(expected).as("seed %s", seed).isBetween(0, at);
      }
    }
    byte[] almost =
        new String(needle, StandardCharsets.US_ASCII)
            .replace("34X", "34Y")
            .getBytes(StandardCharsets.US_ASCII);
    assertThat(GtubeCheck.indexOf(almost, needle)).isEqualTo(-1);
    assertThat(GtubeCheck.indexOf(new byte[0], needle)).isEqualTo(-1);
  }

  private static int naive(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
