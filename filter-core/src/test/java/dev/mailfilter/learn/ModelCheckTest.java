package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model as the engine runs it: configured by the {@code model:} section, checked at DATA. */
class ModelCheckTest {
  @TempDir Path dir;

  private static Envelope envelope() {
    return Envelope.of(
        InetAddresses.forString("192.0.2.1"),
        "mail.example.org",
        "a@example.org",
        List.of("b@example.net"));
  }

  private static List<Path> files(Path d, int n) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.sorted().limit(n).toList();
    }
  }

  @Test
  void aTrainedModelAddsAGradedSymbolThroughTheEngine() throws Exception {
    Path corpus = AccuracyRegressionTest.corpus();
    Path file = dir.resolve("model.bin");
    List<Path> spam = files(corpus.resolve("spam"), 60);
    List<Path> ham = files(corpus.resolve("easy_ham"), 60);
    train(file, spam, ham);
    FilterConfig config =
        FilterConfig.parse("model:\n  path: " + file + "\n  min_ham: 50\n  min_spam: 50\n");
    assertThat(config.section(ModelSettings.SECTION).minHam()).isEqualTo(50);
    try (MailFilter filter = MailFilter.builder().config(config).build()) {
      Verdict spamVerdict = filter.classify(Files.readAllBytes(spam.get(55)), envelope());
      Verdict hamVerdict = filter.classify(Files.readAllBytes(ham.get(55)), envelope());
      assertThat(bayes(spamVerdict).name()).isIn("BAYES_95", "BAYES_99", "BAYES_999", "BAYES_80");
      assertThat(bayes(spamVerdict).score()).isPositive();
      assertThat(bayes(hamVerdict).name()).isIn("BAYES_00", "BAYES_05");
      assertThat(bayes(hamVerdict).score()).isNegative();
    }
  }

  @Test
  void aModelFileReplacedWhileItWasPreloadedIsReportedAsChanged() throws Exception {
    // The filter starts reading the model when it is built; a file replaced meanwhile must not be
    // taken for the one read: the reload mechanism then builds a filter over the new file.
    Path corpus = AccuracyRegressionTest.corpus();
    Path file = dir.resolve("model.bin");
    List<Path> spam = files(corpus.resolve("spam"), 60);
    List<Path> ham = files(corpus.resolve("easy_ham"), 60);
    train(file, ham, spam);
    FilterConfig config =
        FilterConfig.parse("model:\n  path: " + file + "\n  min_ham: 50\n  min_spam: 50\n");
    try (MailFilter filter = MailFilter.builder().config(config).build()) {
      ModelCheck check =
          (ModelCheck)
              filter.checks().stream()
                  .filter(c -> c.check() instanceof ModelCheck)
                  .findFirst()
                  .orElseThrow()
                  .check();
      Path right = dir.resolve("right.bin");
      train(right, spam, ham);
      Files.move(right, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      check.load();
      assertThat(check.changedOnDisk()).isPresent();
    }
    // And without a replacement the file read is the file on disk. A new configuration: its checks
    // are new too (a FilterReloader loads the file again for each filter it builds).
    config = FilterConfig.parse("model:\n  path: " + file + "\n  min_ham: 50\n  min_spam: 50\n");
    try (MailFilter filter = MailFilter.builder().config(config).build()) {
      ModelCheck check =
          (ModelCheck)
              filter.checks().stream()
                  .filter(c -> c.check() instanceof ModelCheck)
                  .findFirst()
                  .orElseThrow()
                  .check();
      check.load();
      assertThat(check.changedOnDisk()).isEmpty();
      Verdict v = filter.classify(Files.readAllBytes(ham.get(55)), envelope());
      assertThat(bayes(v).score()).isNegative(); // the right-way-round model now on disk
    }
  }

  private static void train(Path file, List<Path> spam, List<Path> ham) throws IOException {
    try (SpamModel m = SpamModel.open(ModelSettings.builder().path(file).build())) {
      for (int i = 0; i < 50; i++) {
        m.learn(Document.fromMessage(Files.readAllBytes(spam.get(i))), Label.SPAM);
        m.learn(Document.fromMessage(Files.readAllBytes(ham.get(i))), Label.HAM);
      }
    }
  }

  @Test
  void theEngineScoresAMessageAsTheModelTrainedFromFilesDoes() throws Exception {
    // The check reuses the text the other checks decoded; training decodes files on its own. Both
    // must give the model the same features, or a model from `mailfilter train` scores differently.
    Path corpus = AccuracyRegressionTest.corpus();
    Path file = dir.resolve("model.bin");
    List<Path> spam = files(corpus.resolve("spam"), 80);
    List<Path> ham = files(corpus.resolve("easy_ham"), 80);
    List<Path> heldOut = new ArrayList<>();
    heldOut.addAll(spam.subList(50, 80));
    heldOut.addAll(ham.subList(50, 80));
    List<String> expected = new ArrayList<>();
    try (SpamModel m = SpamModel.open(ModelSettings.builder().path(file).build())) {
      for (int i = 0; i < 50; i++) {
        m.learn(Document.fromMessage(Files.readAllBytes(spam.get(i))), Label.SPAM);
        m.learn(Document.fromMessage(Files.readAllBytes(ham.get(i))), Label.HAM);
      }
      for (Path p : heldOut) {
        double probability = m.classify(Document.fromMessage(Files.readAllBytes(p))).probability();
        // Four decimals, rounded half-even as every score mailfilter prints
        // (dev.mailfilter.api.Scores).
        expected.add(
            "p="
                + java.math.BigDecimal.valueOf(probability)
                    .setScale(4, java.math.RoundingMode.HALF_EVEN)
                    .toPlainString());
      }
    }
    FilterConfig config =
        FilterConfig.parse("model:\n  path: " + file + "\n  min_ham: 50\n  min_spam: 50\n");
    try (MailFilter filter = MailFilter.builder().config(config).build()) {
      for (int i = 0; i < heldOut.size(); i++) {
        Verdict v = filter.classify(Files.readAllBytes(heldOut.get(i)), envelope());
        assertThat(bayes(v).options()).as("%s", heldOut.get(i)).containsExactly(expected.get(i));
      }
    }
  }

  @Test
  void anUntrainedModelStaysSilent() throws Exception {
    try (MailFilter filter = MailFilter.withDefaults()) {
      Verdict v = filter.classify("Subject: hi\r\n\r\nhello\r\n".getBytes(), envelope());
      assertThat(v.symbols()).noneMatch(s -> s.name().startsWith("BAYES_"));
    }
  }

  @Test
  void badModelSettingsAreRefusedWithTheirKeyPath() {
    assertThatThrownBy(() -> FilterConfig.parse("model:\n  spam_threshold: 2\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model.spam_threshold");
    assertThatThrownBy(() -> FilterConfig.parse("model:\n  autolearn:\n    enabled: yes please\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model.autolearn.enabled");
    assertThatThrownBy(() -> FilterConfig.parse("model:\n  hash_bitz: 20\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("hash_bitz");
  }

  @Test
  void aMissingModelFileFailsTheBuildNamingTheKeyAndTheFile() {
    Path typo = dir.resolve("mailfilter.modle");
    FilterConfig config = FilterConfig.parse("model:\n  path: " + typo + "\n");
    assertThatThrownBy(() -> MailFilter.builder().config(config).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("model.path: no such file " + typo)
        .hasMessageContaining("model.required: false");
  }

  @Test
  void aModelFileInAMissingDirectoryNamesTheDirectory() {
    Path file = dir.resolve("no-such-dir").resolve("mailfilter.model");
    FilterConfig config = FilterConfig.parse("model:\n  path: " + file + "\n");
    assertThatThrownBy(() -> MailFilter.builder().config(config).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("model.path: no such directory " + file.getParent());
  }

  @Test
  void aDamagedModelFileFailsTheBuild() throws Exception {
    Path corpus = AccuracyRegressionTest.corpus();
    Path file = dir.resolve("model.bin");
    train(file, files(corpus.resolve("spam"), 60), files(corpus.resolve("easy_ham"), 60));
    byte[] b = Files.readAllBytes(file);
    b[b.length / 2] ^= 0x10;
    Files.write(file, b);
    FilterConfig config = FilterConfig.parse("model:\n  path: " + file + "\n");
    assertThatThrownBy(() -> MailFilter.builder().config(config).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("model.path: model file " + file + " is damaged");
    Files.writeString(file, "not a model at all, but long enough to have a trailer\n");
    assertThatThrownBy(() -> MailFilter.builder().config(config).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void aDirectoryAsModelFileIsNamedAsSuch() {
    FilterConfig config = FilterConfig.parse("model:\n  path: " + dir + "\n");
    assertThatThrownBy(() -> MailFilter.builder().config(config).build())
        .isInstanceOf(ConfigException.class)
        .hasMessage("model.path: " + dir + " is a directory, not a model file");
  }

  @Test
  void anOptionalModelLetsTheFilterStartWithoutAFile() {
    Path missing = dir.resolve("later.model");
    FilterConfig config =
        FilterConfig.parse("model:\n  path: " + missing + "\n  required: false\n");
    assertThat(config.section(ModelSettings.SECTION).required()).isFalse();
    try (MailFilter filter = MailFilter.builder().config(config).build()) {
      Verdict v = filter.classify("Subject: hi\r\n\r\nhello\r\n".getBytes(), envelope());
      assertThat(v.symbols()).noneMatch(s -> s.name().startsWith("BAYES_"));
    }
  }

  @Test
  void aDisabledModelCheckDoesNotLookAtTheFile() {
    FilterConfig config =
        FilterConfig.parse(
            "model:\n  path: "
                + dir.resolve("absent")
                + "\nchecks:\n  model:\n    enabled: false\n");
    try (MailFilter filter = MailFilter.builder().config(config).build()) {
      assertThat(filter.checks()).noneMatch(c -> c.check().name().equals("model"));
    }
  }

  @Test
  void autolearnSettingsLoadFromTheFile() {
    ModelSettings s =
        FilterConfig.parse("model:\n  autolearn:\n    enabled: true\n    spam_score: 9\n")
            .section(ModelSettings.SECTION);
    assertThat(s.autolearn()).isEqualTo(new ModelSettings.Autolearn(true, 9, 0.1));
    assertThat(FilterConfig.defaults().section(ModelSettings.SECTION))
        .isEqualTo(ModelSettings.defaults());
  }

  private static Symbol bayes(Verdict v) {
    return v.symbols().stream()
        .filter(s -> s.name().startsWith("BAYES_"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no BAYES_ symbol in " + v.symbols()));
  }
}
