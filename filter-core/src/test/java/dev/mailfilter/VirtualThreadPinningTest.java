package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.TestCheck;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thousand concurrent sessions on virtual threads, with the model reading its file and autolearn
 * writing it, pin no carrier thread: JFR's {@code jdk.VirtualThreadPinned} (threshold 0) records
 * every park of a pinned virtual thread, and there is none.
 *
 * <p>The control test shows the recording can see pinning: a check that blocks while its virtual
 * thread is pinned yields events. It blocks in a class initializer, which pins on every Java since
 * 21 (a {@code synchronized} block stopped pinning in Java 24, JEP 491, so it would make the
 * control pass or fail with the JDK); on Java 21 the model's former {@code synchronized} file I/O
 * pinned the same way.
 */
class VirtualThreadPinningTest {
  private static final int SESSIONS = 1000;

  @TempDir Path dir;

  private static Envelope envelope(int i) {
    return Envelope.of(
        InetAddresses.forString("192.0.2." + (1 + i % 250)),
        "mail.example.org",
        "sender" + i + "@example.org",
        List.of("rcpt@example.net"));
  }

  private static byte[] message(int i) {
    return ("From: Sender <sender"
            + i
            + "@example.org>\r\n"
            + "To: rcpt@example.net\r\n"
            + "Subject: report number "
            + i
            + "\r\n"
            + "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
            + "Message-ID: <m"
            + i
            + "@example.org>\r\n"
            + "X-Test-Points: "
            + (i % 2 == 0 ? 40 : -40)
            + "\r\n"
            + "\r\n"
            + "Figures for item "
            + i
            + " and a few words: quarterly, budget, meeting.\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** Runs {@link #SESSIONS} classify calls at once on virtual threads; returns the pin events. */
  private List<RecordedEvent> pinnedWhile(MailFilter f) throws Exception {
    Path jfr = dir.resolve("pinning.jfr");
    try (Recording rec = new Recording()) {
      rec.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
      rec.start();
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<Verdict>> verdicts = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
          int n = i;
          verdicts.add(pool.submit(() -> f.classify(message(n), envelope(n))));
        }
        for (Future<Verdict> v : verdicts) {
          assertThat(v.get(60, TimeUnit.SECONDS).symbols()).isNotNull();
        }
      }
      f.close(); // the autolearn writer commits on close: inside the recording
      rec.stop();
      rec.dump(jfr);
    }
    return RecordingFile.readAllEvents(jfr);
  }

  private MailFilter filter(Function<MailFilter.Builder, MailFilter.Builder> extra)
      throws Exception {
    Path model = dir.resolve("model.bin");
    FilterConfig config =
        FilterConfig.parse(
            "model:\n  path: "
                + model
                + "\n  required: false\n  min_ham: 1\n  min_spam: 1\n"
                + "  autolearn:\n    enabled: true\n    commit_every: 50\n"
                + "engine:\n  timeouts:\n    data: 60s\n");
    return extra.apply(MailFilter.builder().config(config).addCheck(points())).build();
  }

  @Test
  void aThousandConcurrentSessionsWithAutolearnPinNoCarrier() throws Exception {
    List<RecordedEvent> pinned;
    try (MailFilter f = filter(b -> b)) {
      pinned = pinnedWhile(f);
    }
    assertThat(pinned).as("jdk.VirtualThreadPinned events").isEmpty();
    // And autolearn did its work on the way: the model file was written.
    assertThat(Files.exists(dir.resolve("model.bin"))).isTrue();
  }

  @Test
  void theRecordingSeesACheckThatBlocksWhilePinned() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    TestCheck pinning =
        new TestCheck(
            "pinning",
            Stage.DATA,
            List.of(SymbolDef.of("PINNED", 0, "blocked while pinned")),
            ctx -> {
              runs.incrementAndGet();
              SlowInit.touch(); // every session waits, pinned, for the initializer
            });
    List<RecordedEvent> pinned;
    try (MailFilter f = filter(b -> b.addCheck(pinning))) {
      pinned = pinnedWhile(f);
    }
    assertThat(runs).hasValue(SESSIONS);
    assertThat(pinned).as("jdk.VirtualThreadPinned events").isNotEmpty();
  }

  /** A class whose initializer sleeps: threads that use it meanwhile wait for it, pinned. */
  private static final class SlowInit {
    static {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    static void touch() {}
  }

  private static final Pattern POINTS = Pattern.compile("(?m)^X-Test-Points: (-?[0-9.]+)\r?$");

  /** Adds the points a test message asks for: confident verdicts both ways, for autolearn. */
  private static TestCheck points() {
    return new TestCheck(
        "test_points",
        Stage.DATA,
        List.of(SymbolDef.of("TEST_POINTS", 1, "points the test message asks for")),
        ctx -> {
          Matcher m = POINTS.matcher(new String(ctx.raw(), StandardCharsets.US_ASCII));
          if (m.find()) {
            ctx.addWeighted("TEST_POINTS", Double.parseDouble(m.group(1)));
          }
        });
  }
}
