package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.SymbolDef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Autolearn end to end: a {@link MailFilter} with a real model file learns from its own confident
 * verdicts, and what it learned is read back from the file after the filter closes.
 */
class ModelAutolearnTest {
  @TempDir Path dir;

  /**
   * Adds the points a test message asks for in its {@code X-Test-Points} header, so a test sets the
   * verdict score exactly (the other built-in checks add only a little to these clean messages).
   */
  static final class Points implements Check {
    private static final Pattern HEADER = Pattern.compile("(?m)^X-Test-Points: (-?[0-9.]+)\r?$");

    @Override
    public String name() {
      return "test_points";
    }

    @Override
    public Stage stage() {
      return Stage.DATA;
    }

    @Override
    public List<SymbolDef> symbols() {
      return List.of(SymbolDef.of("TEST_POINTS", 1, "points the test message asks for"));
    }

    @Override
    public void run(CheckContext ctx) {
      Matcher m = HEADER.matcher(new String(ctx.raw(), StandardCharsets.US_ASCII));
      if (m.find()) {
        ctx.addWeighted("TEST_POINTS", Double.parseDouble(m.group(1)));
      }
    }
  }

  private static Envelope envelope() {
    return Envelope.of(
        InetAddresses.forString("192.0.2.1"),
        "mail.example.org",
        "alice@example.org",
        List.of("bob@example.net"));
  }

  static byte[] message(int n, double points) {
    return ("From: Alice <alice@example.org>\r\n"
            + "To: bob@example.net\r\n"
            + "Subject: quarterly note "
            + n
            + "\r\n"
            + "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
            + "Message-ID: <note-"
            + n
            + "@example.org>\r\n"
            + "X-Test-Points: "
            + points
            + "\r\n"
            + "\r\n"
            + "Hello Bob, here are the figures for item "
            + n
            + " as discussed.\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private MailFilter filter(String modelYaml) {
    Path file = dir.resolve("model.bin");
    // Autolearn starts from no file: the model is optional until its first commit.
    FilterConfig config =
        FilterConfig.parse("model:\n  path: " + file + "\n  required: false\n" + modelYaml);
    return MailFilter.builder().config(config).addCheck(new Points()).build();
  }

  private Optional<Label> learnedAs(byte[] raw) throws IOException {
    try (SpamModel m =
        SpamModel.open(ModelSettings.builder().path(dir.resolve("model.bin")).build())) {
      return m.learnedAs(Document.fromMessage(raw));
    }
  }

  /** Polls the model file until it holds {@code expected}, for at most ten seconds. */
  private void awaitCounts(TrainingCounts expected) throws IOException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!(Files.exists(dir.resolve("model.bin")) && counts().equals(expected))) {
      assertThat(System.nanoTime()).as("model file holding %s", expected).isLessThan(deadline);
      LockSupport.parkNanos(5_000_000);
    }
  }

  private TrainingCounts counts() throws IOException {
    try (SpamModel m =
        SpamModel.open(ModelSettings.builder().path(dir.resolve("model.bin")).build())) {
      return m.counts();
    }
  }

  @Test
  void testMessagesScoreWhatTheyAskForWithinAPoint() {
    try (MailFilter f = filter("")) {
      for (double points : new double[] {-20, 0, 6, 20}) {
        Verdict v = f.classify(message(1, points), envelope());
        assertThat(v.score())
            .as("score of %s: %s", points, v.symbols())
            .isCloseTo(points, within());
      }
    }
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1.0);
  }

  @Test
  void autolearnIsOffByDefault() throws IOException {
    try (MailFilter f = filter("")) {
      f.classify(message(1, 40), envelope());
      f.classify(message(2, -40), envelope());
    }
    assertThat(Files.exists(dir.resolve("model.bin"))).isFalse();
  }

  @Test
  void confidentVerdictsAreLearnedAndPersistedOnClose() throws IOException {
    try (MailFilter f = filter("  autolearn:\n    enabled: true\n")) {
      f.classify(message(1, 40), envelope());
      f.classify(message(2, -40), envelope());
      f.classify(message(3, 6), envelope()); // between ham_score 0.1 and spam_score 12
    }
    assertThat(learnedAs(message(1, 40))).contains(Label.SPAM);
    assertThat(learnedAs(message(2, -40))).contains(Label.HAM);
    assertThat(learnedAs(message(3, 6))).isEmpty();
    assertThat(counts()).isEqualTo(new TrainingCounts(1, 1));
  }

  @Test
  void thresholdsComeFromTheConfiguration() throws IOException {
    String yaml = "  autolearn:\n    enabled: true\n    spam_score: 5\n    ham_score: -5\n";
    try (MailFilter f = filter(yaml)) {
      f.classify(message(1, 8), envelope()); // spam at >= 5, not at the default 12
      f.classify(message(2, 3), envelope()); // neither
      f.classify(message(3, -8), envelope()); // ham at <= -5
    }
    assertThat(learnedAs(message(1, 8))).contains(Label.SPAM);
    assertThat(learnedAs(message(2, 3))).isEmpty();
    assertThat(learnedAs(message(3, -8))).contains(Label.HAM);
  }

  @Test
  void learningTheSameMessageAgainCountsOnce() throws IOException {
    try (MailFilter f = filter("  autolearn:\n    enabled: true\n")) {
      for (int i = 0; i < 3; i++) {
        f.classify(message(1, 40), envelope());
      }
    }
    assertThat(counts()).isEqualTo(new TrainingCounts(0, 1));
  }

  @Test
  void commitsEveryNLearnsWhileRunning() throws IOException {
    try (MailFilter f = filter("  autolearn:\n    enabled: true\n    commit_every: 2\n")) {
      f.classify(message(1, 40), envelope());
      assertThat(Files.exists(dir.resolve("model.bin"))).isFalse();
      f.classify(message(2, 40), envelope());
      // Before close, by the background writer: the reply did not wait for it.
      awaitCounts(new TrainingCounts(0, 2));
      f.classify(message(3, 40), envelope());
      assertThat(counts()).isEqualTo(new TrainingCounts(0, 2));
    }
    assertThat(counts()).isEqualTo(new TrainingCounts(0, 3));
  }

  @Test
  void theModelsOwnSymbolDoesNotCountTowardsAutolearn() throws IOException {
    // An untrained model that votes at once (min 0) puts every message at p = 0.5: BAYES_50,
    // scored 20 here. With it the verdict would pass spam_score 12; without it, it does not.
    String yaml =
        "  min_ham: 0\n  min_spam: 0\n  autolearn:\n    enabled: true\n    ham_score: -30\n"
            + "checks:\n  model:\n    scores:\n      BAYES_50: 20\n";
    try (MailFilter f = filter(yaml)) {
      Verdict v = f.classify(message(1, 3), envelope());
      assertThat(v.symbols()).anyMatch(s -> s.name().equals("BAYES_50") && s.score() == 20);
      assertThat(v.score()).isGreaterThan(12);
      // Control: points alone over the threshold are learned.
      f.classify(message(2, 20), envelope());
    }
    assertThat(learnedAs(message(1, 3))).isEmpty();
    assertThat(learnedAs(message(2, 20))).contains(Label.SPAM);
  }

  /** A check that always fails, so the verdict is incomplete. */
  static final class Broken implements Check {
    @Override
    public String name() {
      return "broken";
    }

    @Override
    public Stage stage() {
      return Stage.DATA;
    }

    @Override
    public List<SymbolDef> symbols() {
      return List.of();
    }

    @Override
    public void run(CheckContext ctx) throws IOException {
      throw new IOException("scanner unreachable");
    }
  }

  @Test
  void messagesAcceptedByTheAllowListAreNotSeen() throws IOException {
    String yaml =
        "  autolearn:\n    enabled: true\n"
            + "lists:\n  allow:\n    senders: [alice@example.org]\n";
    try (MailFilter f = filter(yaml)) {
      Verdict v = f.classify(message(1, -40), envelope()); // score 0 would be ham otherwise
      assertThat(v.symbols()).anyMatch(s -> s.name().equals("ALLOWLIST_SENDER"));
    }
    assertThat(Files.exists(dir.resolve("model.bin"))).isFalse();
  }

  @Test
  void verdictsWithAFailedCheckAreNotLearned() throws IOException {
    Path file = dir.resolve("model.bin");
    FilterConfig config =
        FilterConfig.parse(
            "model:\n  path: " + file + "\n  required: false\n  autolearn:\n    enabled: true\n");
    try (MailFilter f =
        MailFilter.builder().config(config).addCheck(new Points()).addCheck(new Broken()).build()) {
      Verdict v = f.classify(message(1, 40), envelope());
      assertThat(v.symbols()).anyMatch(s -> s.name().equals("CHECK_FAILED_BROKEN"));
    }
    assertThat(Files.exists(file)).isFalse();
  }

  @Test
  void aFileRetrainedMeanwhileWinsOverPendingAutolearnedMessages() throws IOException {
    Path file = dir.resolve("model.bin");
    byte[] probe = message(7, 0);
    try (MailFilter f = filter("  autolearn:\n    enabled: true\n")) {
      f.classify(message(1, 40), envelope()); // learned, not yet committed
      train(file, Label.SPAM, probe, OTHER); // mailfilter train replaces the file
    } // close would commit the autolearned message over the new file; it must not
    assertThat(learnedAs(probe)).contains(Label.SPAM);
    assertThat(learnedAs(message(1, 40))).isEmpty();
  }

  /** An in-memory store whose commits wait for the test: the autolearn writer stands still. */
  private static final class StalledCommits implements ModelStore {
    final ModelStore inner;
    final CountDownLatch commitStarted = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    StalledCommits(ModelStore inner) {
      this.inner = inner;
    }

    @Override
    public int hashBits() {
      return inner.hashBits();
    }

    @Override
    public void weights(int[] indices, float[] out) {
      inner.weights(indices, out);
    }

    @Override
    public double weightSum(int[] indices, int count) {
      return inner.weightSum(indices, count);
    }

    @Override
    public float bias() {
      return inner.bias();
    }

    @Override
    public Optional<LearnedMessage> learned(long digest) {
      return inner.learned(digest);
    }

    @Override
    public TrainingCounts counts() {
      return inner.counts();
    }

    @Override
    public void apply(
        int[] indices, float delta, float biasDelta, long digest, Optional<LearnedMessage> rec) {
      inner.apply(indices, delta, biasDelta, digest, rec);
    }

    @Override
    public void commit() throws IOException {
      commitStarted.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new java.io.InterruptedIOException();
      }
      inner.commit();
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }

  @Test
  void aFullAutolearnQueueDropsAndCountsWhileRepliesGoOn() throws Exception {
    ModelSettings settings =
        ModelSettings.builder().autolearn(new ModelSettings.Autolearn(true, 12, 0.1, 1)).build();
    StalledCommits store = new StalledCommits(FileModelStore.inMemory(settings.hashBits()));
    ModelCheck check = ModelCheck.over(SpamModel.over(store, settings), 2);
    FilterConfig config = FilterConfig.parse("checks:\n  model:\n    enabled: false\n");
    try (MailFilter f =
        MailFilter.builder().config(config).addCheck(new Points()).addCheck(check).build()) {
      f.classify(message(1, 40), envelope());
      assertThat(store.commitStarted.await(10, TimeUnit.SECONDS)).isTrue(); // the writer is stuck
      for (int i = 2; i <= 5; i++) {
        f.classify(message(i, 40), envelope()); // returns: nothing on the reply's path waits
      }
      assertThat(check.autolearnDropped()).isEqualTo(2); // two queued, two dropped
      store.release.countDown();
    } // close: the writer learns what was queued, then commits
    assertThat(store.counts()).isEqualTo(new TrainingCounts(0, 3));
  }

  private static final byte[] OTHER =
      ("From: Zed <zed@example.com>\r\nSubject: zebra xylophone\r\n\r\n"
              + "Quartz vortex jigsaw, wizard sphinx of black quartz.\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  /**
   * Writes a fresh model that learned {@code probe} as {@code label} and {@code other} opposite.
   */
  private static void train(Path file, Label label, byte[] probe, byte[] other) throws IOException {
    Path tmp = file.resolveSibling("training.bin");
    try (SpamModel m = SpamModel.open(ModelSettings.builder().path(tmp).build())) {
      for (int i = 0; i < 5; i++) {
        m.reinforce(Document.fromMessage(probe), label);
        m.reinforce(Document.fromMessage(other), label == Label.SPAM ? Label.HAM : Label.SPAM);
      }
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static Optional<String> bayes(Verdict v) {
    return v.symbols().stream().map(s -> s.name()).filter(n -> n.startsWith("BAYES_")).findFirst();
  }
}
