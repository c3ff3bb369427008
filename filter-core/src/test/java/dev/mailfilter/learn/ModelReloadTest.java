package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloading a replaced model file once the check has settled on one {@code stat} per message: a
 * file seen unchanged after its times lie a clock tick in the past is then checked by its
 * attributes alone.
 */
class ModelReloadTest {
  @TempDir Path dir;

  private static final byte[] PROBE = ModelAutolearnTest.message(7, 0);
  private static final byte[] OTHER =
      ("From: Zed <zed@example.com>\r\nSubject: zebra xylophone\r\n\r\n"
              + "Quartz vortex jigsaw, wizard sphinx of black quartz.\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  private static Envelope envelope() {
    return Envelope.of(
        InetAddresses.forString("192.0.2.1"), "mail.example.org", "a@example.org", List.of());
  }

  /** A model file that calls the probe {@code label}, written beside {@code file}. */
  private static Path trained(Path file, Label label, String name) throws IOException {
    Path out = file.resolveSibling(name);
    try (SpamModel m = SpamModel.open(ModelSettings.builder().path(out).build())) {
      for (int i = 0; i < 5; i++) {
        m.reinforce(Document.fromMessage(PROBE), label);
        m.reinforce(Document.fromMessage(OTHER), label == Label.SPAM ? Label.HAM : Label.SPAM);
      }
    }
    return out;
  }

  private static Optional<String> bayes(Verdict v) {
    return v.symbols().stream().map(s -> s.name()).filter(n -> n.startsWith("BAYES_")).findFirst();
  }

  /** Classifies the probe until the check has had the chance to settle on the current file. */
  private static Optional<String> settle(MailFilter f) throws InterruptedException {
    Thread.sleep(ModelCheck.FINE_TICK.multipliedBy(2).toMillis() + 50);
    bayes(f.classify(PROBE, envelope())); // a full check past the tick: settles
    return bayes(f.classify(PROBE, envelope())); // the stat-only check
  }

  @Test
  void aFileReplacedAfterTheCheckSettledIsPickedUp() throws Exception {
    Path file = dir.resolve("model.bin");
    Files.move(trained(file, Label.SPAM, "a.bin"), file);
    FilterConfig config =
        FilterConfig.parse("model:\n  path: " + file + "\n  min_ham: 1\n  min_spam: 1\n");
    try (MailFilter f = MailFilter.builder().config(config).build()) {
      assertThat(settle(f)).hasValueSatisfying(b -> assertThat(b).startsWith("BAYES_9"));
      Files.move(trained(file, Label.HAM, "b.bin"), file, StandardCopyOption.REPLACE_EXISTING);
      assertThat(bayes(f.classify(PROBE, envelope()))).contains("BAYES_00");
      // Settled again on the new file; removing it keeps the model.
      assertThat(settle(f)).contains("BAYES_00");
      Files.delete(file);
      assertThat(bayes(f.classify(PROBE, envelope()))).contains("BAYES_00");
    }
  }

  @Test
  void aFileRewrittenInPlaceWithItsSizeAndModificationTimeKeptIsPickedUp() throws Exception {
    // The two models have the same features, so the same size: only the status-change time
    // (which no tool can set back) and the checksum tell them apart.
    Path file = dir.resolve("model.bin");
    byte[] spam = Files.readAllBytes(trained(file, Label.SPAM, "a.bin"));
    byte[] ham = Files.readAllBytes(trained(file, Label.HAM, "b.bin"));
    assertThat(ham).hasSameSizeAs(spam);
    Files.write(file, spam);
    FileTime modified = FileTime.from(Instant.parse("2026-01-02T03:04:05.123456Z"));
    Files.setLastModifiedTime(file, modified);
    FilterConfig config =
        FilterConfig.parse("model:\n  path: " + file + "\n  min_ham: 1\n  min_spam: 1\n");
    try (MailFilter f = MailFilter.builder().config(config).build()) {
      assertThat(settle(f)).hasValueSatisfying(b -> assertThat(b).startsWith("BAYES_9"));
      Files.write(file, ham); // same inode
      Files.setLastModifiedTime(file, modified);
      assertThat(bayes(f.classify(PROBE, envelope()))).contains("BAYES_00");
    }
  }

  @Test
  void aStampSettlesOneClockTickAfterTheFilesLatestTime() throws IOException {
    Path file = Files.writeString(dir.resolve("f"), "model bytes");
    ModelCheck.Stamp s = ModelCheck.Stamp.of(file).orElseThrow();
    ModelCheck.Attributes a = ModelCheck.Attributes.of(file);
    assertThat(s.sameAttributes(a)).isTrue();
    Instant latest = a.modified().toInstant();
    if (a.changed() != null && a.changed().toInstant().isAfter(latest)) {
      latest = a.changed().toInstant();
    }
    Duration tick = ModelCheck.Stamp.tick(a.modified(), a.changed());
    if (a.changed() == null) {
      // Without a status-change time a stamp never settles: every check reads the checksum.
      assertThat(s.settledAt(latest.plus(Duration.ofDays(1)))).isFalse();
      return;
    }
    assertThat(s.settledAt(latest)).isFalse();
    assertThat(s.settledAt(latest.plus(tick))).isFalse();
    assertThat(s.settledAt(latest.plus(tick).plusMillis(1))).isTrue();
  }

  @Test
  void wholeSecondTimesMeanACoarseClock() {
    FileTime whole = FileTime.from(Instant.parse("2026-01-02T03:04:05Z"));
    FileTime fine = FileTime.from(Instant.parse("2026-01-02T03:04:05.004Z"));
    assertThat(ModelCheck.Stamp.tick(whole, whole)).isEqualTo(ModelCheck.COARSE_TICK);
    assertThat(ModelCheck.Stamp.tick(whole, null)).isEqualTo(ModelCheck.COARSE_TICK);
    assertThat(ModelCheck.Stamp.tick(fine, whole)).isEqualTo(ModelCheck.FINE_TICK);
    assertThat(ModelCheck.Stamp.tick(whole, fine)).isEqualTo(ModelCheck.FINE_TICK);
  }
}
