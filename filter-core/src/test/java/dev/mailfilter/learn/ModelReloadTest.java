package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterReloader;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replaced model file is picked up by the filter's one reload mechanism, {@link FilterReloader}:
 * the model check reports the change, the reloader builds a new filter over the new file.
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

  /** A configuration file using {@code model}, not watched (the test calls reloadIfChanged). */
  private Path config(Path model, String extra) throws IOException {
    Path yaml = dir.resolve("mailfilter.yaml");
    Files.writeString(
        yaml,
        "reload:\n  watch_interval: 0\nmodel:\n  path: "
            + model
            + "\n  min_ham: 1\n  min_spam: 1\n"
            + extra);
    return yaml;
  }

  @Test
  void aReplacedFileIsPickedUpAndARemovedOneKeepsTheModel() throws Exception {
    Path file = dir.resolve("model.bin");
    Files.move(trained(file, Label.SPAM, "a.bin"), file);
    try (FilterReloader r = FilterReloader.start(config(file, ""))) {
      assertThat(bayes(r.classify(PROBE, envelope())))
          .hasValueSatisfying(b -> b.startsWith("BAYES_9"));
      assertThat(r.reloadIfChanged()).isFalse();
      Files.move(trained(file, Label.HAM, "b.bin"), file, StandardCopyOption.REPLACE_EXISTING);
      MailFilter before = r.current();
      assertThat(r.reloadIfChanged()).isTrue();
      assertThat(r.current()).isNotSameAs(before);
      assertThat(bayes(r.classify(PROBE, envelope()))).contains("BAYES_00");
      Files.delete(file);
      assertThat(r.reloadIfChanged()).isFalse();
      assertThat(bayes(r.classify(PROBE, envelope()))).contains("BAYES_00");
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
    try (FilterReloader r = FilterReloader.start(config(file, ""))) {
      assertThat(bayes(r.classify(PROBE, envelope())))
          .hasValueSatisfying(b -> b.startsWith("BAYES_9"));
      Files.write(file, ham); // same inode
      Files.setLastModifiedTime(file, modified);
      assertThat(r.reloadIfChanged()).isTrue();
      assertThat(bayes(r.classify(PROBE, envelope()))).contains("BAYES_00");
    }
  }

  @Test
  void aDamagedFileKeepsTheRunningFilterAndIsTriedOnce() throws Exception {
    Path file = dir.resolve("model.bin");
    Files.move(trained(file, Label.SPAM, "a.bin"), file);
    try (FilterReloader r = FilterReloader.start(config(file, ""))) {
      MailFilter running = r.current();
      Files.write(file, "not a model".getBytes(StandardCharsets.US_ASCII));
      assertThatThrownBy(r::reloadIfChanged)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("model.path")
          .hasMessageContaining("too short");
      assertThat(r.current()).isSameAs(running);
      assertThat(r.reloadIfChanged()).isFalse(); // the same bad file: not tried again
      Verdict kept = r.classify(PROBE, envelope());
      assertThat(bayes(kept)).hasValueSatisfying(b -> b.startsWith("BAYES_9"));
      assertThat(kept.symbols()).noneMatch(s -> s.name().startsWith("CHECK_FAILED"));
      Files.delete(file);
      Files.move(trained(file, Label.HAM, "b.bin"), file);
      assertThat(r.reloadIfChanged()).isTrue();
      assertThat(bayes(r.classify(PROBE, envelope()))).contains("BAYES_00");
    }
  }

  @Test
  void aDamagedFileFailsTheStart() throws Exception {
    Path file = dir.resolve("model.bin");
    Files.write(file, "not a model".getBytes(StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> FilterReloader.start(config(file, "")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model.path")
        .hasMessageContaining("too short");
  }

  @Test
  void autolearnCommitsAreNotTakenForAReplacedFile() throws Exception {
    Path file = dir.resolve("model.bin");
    Files.move(trained(file, Label.SPAM, "a.bin"), file);
    String autolearn = "  autolearn:\n    enabled: true\n    commit_every: 1\n";
    try (FilterReloader r =
        FilterReloader.builder(config(file, autolearn))
            .filter(
                c ->
                    MailFilter.builder()
                        .config(c)
                        .addCheck(new ModelAutolearnTest.Points())
                        .build())
            .start()) {
      Object inode = inode(file);
      r.classify(ModelAutolearnTest.message(99, 40), envelope()); // learned, committed
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (inode(file).equals(inode)) { // a commit writes a new file and renames it over
        assertThat(System.nanoTime()).as("autolearn commit").isLessThan(deadline);
        LockSupport.parkNanos(5_000_000);
      }
      MailFilter running = r.current();
      assertThat(r.reloadIfChanged()).isFalse();
      assertThat(r.current()).isSameAs(running);
    }
  }

  private static Object inode(Path file) throws IOException {
    return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
  }

  @Test
  void theWatcherPicksUpAReplacedFileByItself() throws Exception {
    Path file = dir.resolve("model.bin");
    Files.move(trained(file, Label.SPAM, "a.bin"), file);
    Path yaml = config(file, "");
    Files.writeString(
        yaml, Files.readString(yaml).replace("watch_interval: 0", "watch_interval: 100ms"));
    try (FilterReloader r = FilterReloader.start(yaml)) {
      MailFilter first = r.current();
      Files.move(trained(file, Label.HAM, "b.bin"), file, StandardCopyOption.REPLACE_EXISTING);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (r.current() == first) {
        assertThat(System.nanoTime()).as("reload by the watcher").isLessThan(deadline);
        LockSupport.parkNanos(10_000_000);
      }
      assertThat(bayes(r.classify(PROBE, envelope()))).contains("BAYES_00");
    }
  }

  @Test
  void sessionsInFlightAlwaysSeeAWholeModelWhileTheFileIsReplaced() throws Exception {
    Path file = dir.resolve("model.bin");
    Files.move(trained(file, Label.SPAM, "a.bin"), file);
    try (FilterReloader r = FilterReloader.start(config(file, ""));
        ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<List<String>>> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        runs.add(
            pool.submit(
                () -> {
                  List<String> seen = new ArrayList<>();
                  for (int i = 0; i < 40; i++) {
                    Verdict v = r.classify(PROBE, envelope());
                    seen.add(bayes(v).orElse(v.symbols().toString()));
                  }
                  return seen;
                }));
      }
      for (int k = 0; k < 6; k++) {
        Path next = trained(file, k % 2 == 0 ? Label.HAM : Label.SPAM, "next.bin");
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING);
        r.reloadIfChanged();
      }
      for (Future<List<String>> run : runs) {
        assertThat(run.get()).allMatch(n -> n.equals("BAYES_00") || n.startsWith("BAYES_9"));
      }
      Files.move(trained(file, Label.HAM, "last.bin"), file, StandardCopyOption.REPLACE_EXISTING);
      r.reloadIfChanged();
      assertThat(bayes(r.classify(PROBE, envelope()))).contains("BAYES_00");
    }
  }
}
