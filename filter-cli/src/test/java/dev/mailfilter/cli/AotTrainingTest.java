package dev.mailfilter.cli;

import static dev.mailfilter.cli.CommandTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AotTrainingTest {
  private static final Path SAMPLES = Path.of("../examples/mail");

  @Test
  void trainsAModelThatVotesAndScansEverySampleManyTimes(@TempDir Path work) throws IOException {
    Files.writeString(work.resolve("left-over"), "from an earlier build");
    AotTraining.run(SAMPLES, work);

    assertThat(work.resolve("left-over")).doesNotExist();
    assertThat(work.resolve("model")).isRegularFile();
    try (Stream<Path> mail = Files.list(work.resolve("mail"))) {
      // five samples, each as ROUNDS files, one mbox of all of them, and the coverage messages
      assertThat(mail.count())
          .isEqualTo(
              5L * AotTraining.ROUNDS
                  + 1
                  + (long) AotTraining.coverageMessages().size() * AotTraining.COVERAGE_COPIES);
    }
    // The workload's point: the model votes, so its whole classify path ran.
    CommandTestSupport.Result r =
        run(
            "scan",
            "--json",
            "--config",
            work.resolve("config.yaml").toString(),
            work.resolve("mail/all.mbox").toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.out().lines())
        .hasSize(5)
        .allSatisfy(l -> assertThat(l).contains("\"name\":\"BAYES_"));
  }

  @Test
  void coverageMessagesDecodeInTheirCharsets() {
    // Each one must take its charset's decoder, or the cache misses what it is there for.
    for (byte[] bytes : AotTraining.coverageMessages()) {
      ParsedMessage m = MessageParser.create().parse(bytes);
      String subject = m.headers().first("Subject").orElseThrow().decodedValue();
      assertThat(subject).isNotBlank().doesNotContain("=?").doesNotContain("\uFFFD");
      assertThat(m.defects()).extracting(d -> d.type().name()).doesNotContain("UNKNOWN_CHARSET");
      assertThat(m.leaves()).hasSize(2);
      assertThat(m.leaves().get(0).text()).isEqualTo(subject);
      assertThat(m.leaves().get(1).text()).contains(subject).contains("192.0.2.7");
    }
  }

  @Test
  void refusesAFolderWithoutSamples(@TempDir Path empty, @TempDir Path work) {
    assertThatThrownBy(() -> AotTraining.run(empty, work.resolve("w")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no .eml files in " + empty);
  }
}
