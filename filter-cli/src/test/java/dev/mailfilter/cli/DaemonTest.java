package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@link Daemon} in-process: its order of closing, its exit status, its names of keys. */
class DaemonTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final List<String> closed = new CopyOnWriteArrayList<>();

  private Daemon daemon(CountDownLatch stop) {
    return Daemon.install(
        "test", LoggerFactory.getLogger(DaemonTest.class), Optional.empty(), "", Optional.of(stop));
  }

  @Test
  void aStopClosesTheServerBeforeTheFiltersAndIsExitZero() throws Exception {
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger status = new AtomicInteger(-1);
    Thread t =
        Thread.ofVirtual()
            .start(
                () ->
                    status.set(
                        daemon(stop)
                            .run(
                                () -> closed.add("started"),
                                () -> closed.add("after start"),
                                () -> closed.add("server"),
                                () -> closed.add("filters"),
                                new PrintStream(err, true, UTF_8))));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (closed.size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(closed).containsExactly("started", "after start");
    stop.countDown();
    t.join(Duration.ofSeconds(10));
    assertThat(status.get()).isZero();
    assertThat(closed).containsExactly("started", "after start", "server", "filters");
    assertThat(err.toString(UTF_8)).isEmpty();
  }

  @Test
  void aServerThatCannotStartIsExitTwoWithOneLineAndAllIsClosed() {
    int status =
        daemon(new CountDownLatch(1))
            .run(
                () -> {
                  throw new IOException("cannot listen on 127.0.0.1:25: Permission denied");
                },
                () -> closed.add("after start"),
                () -> closed.add("server"),
                () -> {
                  throw new IllegalStateException("a filter that fails to close");
                },
                new PrintStream(err, true, UTF_8));
    assertThat(status).isEqualTo(2);
    assertThat(err.toString(UTF_8))
        .isEqualTo("mailfilter test: cannot listen on 127.0.0.1:25: Permission denied\n");
    assertThat(closed).containsExactly("server");
  }

  record Settings(int maxConnections, String hostName, Duration readTimeout) {}

  @Test
  void changedKeysAreNamedAsTheFileSpellsThem() {
    Settings a = new Settings(1, "a", Duration.ofSeconds(1));
    assertThat(Daemon.changedKeys(a, a)).isEmpty();
    assertThat(Daemon.changedKeys(a, new Settings(2, "a", Duration.ofSeconds(2))))
        .containsExactly("max_connections", "read_timeout");
  }
}
