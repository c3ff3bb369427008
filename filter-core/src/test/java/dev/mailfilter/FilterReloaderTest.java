package dev.mailfilter;

import static dev.mailfilter.testing.TestCheck.fixed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one reload mechanism: a new filter per configuration, the old one drained, never none. */
class FilterReloaderTest {
  @TempDir Path dir;

  /** A thread per task: the common pool may have one thread on a small machine. */
  private static final Executor THREADS = Executors.newVirtualThreadPerTaskExecutor();

  private static final byte[] MESSAGE =
      "From: a@example.org\r\nSubject: hello\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

  private static Connection conn() {
    return Connection.of(InetAddresses.forString("192.0.2.9"), 40000, "mx.example.org");
  }

  private static Envelope envelope() {
    return Envelope.of(
        InetAddresses.forString("192.0.2.9"),
        "mx.example.org",
        "a@example.org",
        List.of("b@example.net"));
  }

  /** A configuration whose add_header threshold is {@code addHeader}; every message scores 8. */
  private Path writeConfig(double addHeader, String extra) throws IOException {
    Path yaml = dir.resolve("mailfilter.yaml");
    Files.writeString(
        yaml,
        "actions:\n  add_header: "
            + addHeader
            + "\n  reject: 1000\nchecks:\n  headers:\n    enabled: false\n  sender:\n    enabled: false\n"
            + "  subject:\n    enabled: false\n"
            + extra);
    return yaml;
  }

  private Path writeConfig(double addHeader) throws IOException {
    return writeConfig(addHeader, "reload:\n  watch_interval: 0\n");
  }

  private static FilterReloader start(Path yaml) throws IOException {
    return FilterReloader.builder(yaml)
        .filter(
            c ->
                MailFilter.builder()
                    .config(c)
                    .addCheck(fixed("eight", Stage.DATA, "EIGHT", 8))
                    .build())
        .start();
  }

  private static Verdict send(FilterSession s) {
    s.mailFrom("a@example.org");
    s.rcptTo("b@example.net");
    return s.endOfData(MESSAGE);
  }

  @Test
  void sessionsInFlightFinishWithTheOldConfigurationWhileNewOnesGetTheNew() throws Exception {
    Path yaml = writeConfig(6);
    try (FilterReloader r = start(yaml)) {
      MailFilter old = r.current();
      FilterSession inFlight = r.open(conn());
      inFlight.mailFrom("a@example.org");
      writeConfig(100); // add_header out of reach: accept
      MailFilter fresh = r.reload();
      assertThat(r.current()).isSameAs(fresh).isNotSameAs(old);
      try (FilterSession s = r.open(conn())) {
        assertThat(send(s).action()).isEqualTo(Action.ACCEPT);
      }
      // The old filter is closing: it refuses new sessions and waits for the one in flight.
      assertThatThrownBy(() -> old.open(conn())).isInstanceOf(IllegalStateException.class);
      assertThat(old.sessionsInFlight()).isEqualTo(1);
      inFlight.rcptTo("b@example.net");
      Verdict v = inFlight.endOfData(MESSAGE);
      assertThat(v.action()).isEqualTo(Action.ADD_HEADER); // the old threshold, 6
      assertThat(v.symbols()).noneMatch(s -> s.name().startsWith("CHECK_"));
      inFlight.close();
      assertThat(old.sessionsInFlight()).isZero();
    }
  }

  @Test
  void aBrokenConfigurationKeepsTheRunningFilterAndSaysWhy() throws Exception {
    Path yaml = writeConfig(6);
    try (FilterReloader r = start(yaml)) {
      MailFilter running = r.current();
      Files.writeString(yaml, "actions:\n  add_headr: 5\nreload:\n  watch_interval: 0\n");
      assertThatThrownBy(r::reload)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("actions.add_headr")
          .hasMessageContaining("add_header");
      assertThat(r.current()).isSameAs(running);
      assertThat(r.classify(MESSAGE, envelope()).action()).isEqualTo(Action.ADD_HEADER);
      // The change detection tries the bad version once, then waits for the next change.
      assertThatThrownBy(r::reloadIfChanged).isInstanceOf(ConfigException.class);
      assertThat(r.reloadIfChanged()).isFalse();
      Files.delete(yaml);
      assertThatThrownBy(r::reloadIfChanged).isInstanceOf(NoSuchFileException.class);
      assertThat(r.reloadIfChanged()).isFalse(); // reported once, not at every poll
      assertThat(r.current()).isSameAs(running);
      writeConfig(100);
      assertThat(r.reloadIfChanged()).isTrue();
      assertThat(r.classify(MESSAGE, envelope()).action()).isEqualTo(Action.ACCEPT);
    }
  }

  @Test
  void statusCountsReloadsAndFailuresAndDigestsTheRunningFile() throws Exception {
    Path yaml = writeConfig(6);
    String first =
        java.util.HexFormat.of()
            .formatHex(
                java.security.MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(yaml)));
    try (FilterReloader r = start(yaml)) {
      FilterReloader.Status s0 = r.status();
      assertThat(s0.reloads()).isZero();
      assertThat(s0.failures()).isZero();
      assertThat(s0.configSha256()).isEqualTo(first);
      Files.writeString(yaml, "actions:\n  add_headr: 5\n");
      assertThatThrownBy(r::reload).isInstanceOf(ConfigException.class);
      assertThatThrownBy(r::reloadIfChanged).isInstanceOf(ConfigException.class);
      assertThat(r.reloadIfChanged()).isFalse(); // the same bad version: not counted again
      assertThat(r.status().failures()).isEqualTo(2);
      assertThat(r.status().configSha256()).isEqualTo(first); // the running one's
      writeConfig(100);
      r.reload();
      FilterReloader.Status s1 = r.status();
      assertThat(s1.reloads()).isEqualTo(1);
      assertThat(s1.failures()).isEqualTo(2);
      assertThat(s1.configSha256()).isNotEqualTo(first).hasSize(64);
      assertThat(s1.loadedAt()).isAfterOrEqualTo(s0.loadedAt());
    }
  }

  @Test
  void anUnchangedConfigurationIsNotReloaded() throws Exception {
    Path yaml = writeConfig(6);
    try (FilterReloader r = start(yaml)) {
      MailFilter running = r.current();
      Files.writeString(yaml, Files.readString(yaml)); // touched, same content
      assertThat(r.reloadIfChanged()).isFalse();
      assertThat(r.current()).isSameAs(running);
    }
  }

  @Test
  void closeWaitsForTheSessionsOfTheRunningAndTheReplacedFilters() throws Exception {
    Path yaml = writeConfig(6);
    FilterReloader r = start(yaml);
    FilterSession onOld = r.open(conn());
    writeConfig(100);
    r.reload();
    FilterSession onNew = r.open(conn());
    CompletableFuture<Void> closing = CompletableFuture.runAsync(r::close, THREADS);
    assertThatThrownBy(() -> closing.get(200, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);
    assertThat(send(onNew).action()).isEqualTo(Action.ACCEPT);
    onNew.close();
    assertThatThrownBy(() -> closing.get(200, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);
    assertThat(send(onOld).action()).isEqualTo(Action.ADD_HEADER);
    onOld.close();
    closing.get(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> r.open(conn())).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(r::reload).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theWatcherReloadsAChangedConfigurationByItself() throws Exception {
    Path yaml = writeConfig(6, "reload:\n  watch_interval: 100ms\n");
    try (FilterReloader r = start(yaml)) {
      MailFilter first = r.current();
      writeConfig(100, "reload:\n  watch_interval: 100ms\n");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (r.current() == first) {
        assertThat(System.nanoTime()).as("reload by the watcher").isLessThan(deadline);
        LockSupport.parkNanos(10_000_000);
      }
      assertThat(r.classify(MESSAGE, envelope()).action()).isEqualTo(Action.ACCEPT);
    }
  }

  @Test
  void aStartWithoutAGoodFileFails() throws Exception {
    assertThatThrownBy(() -> start(dir.resolve("missing.yaml")))
        .isInstanceOf(NoSuchFileException.class);
    Path yaml = dir.resolve("bad.yaml");
    Files.writeString(yaml, "reload:\n  watch_interval: 10ms\n");
    assertThatThrownBy(() -> start(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("reload.watch_interval");
  }
}
