package dev.mailfilter.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.common.net.InetAddresses;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.Key;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.TestCheck;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The per-transaction cache behind {@code CheckContext.computeIfAbsent}. */
class TransactionCacheTest {
  private static final Duration NO_DEADLOCK = Duration.ofSeconds(5);

  @Test
  void sameKeyFromInsideItsOwnComputationThrowsNamingTheKey() {
    TransactionCache t = new TransactionCache();
    Key<String> urls = Key.of("urls");
    assertTimeoutPreemptively(
        NO_DEADLOCK,
        () ->
            assertThatThrownBy(
                    () -> t.computeIfAbsent(urls, () -> t.computeIfAbsent(urls, () -> "x")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("urls")
                .hasMessageContaining("its own computation"));
    // The failed computation is not cached: a later, sane call computes the value.
    assertThat(t.computeIfAbsent(urls, () -> "fine")).isEqualTo("fine");
  }

  @Test
  void cycleThroughAnotherKeyOnOneThreadThrows() {
    TransactionCache t = new TransactionCache();
    Key<String> a = Key.of("a");
    Key<String> b = Key.of("b");
    assertTimeoutPreemptively(
        NO_DEADLOCK,
        () ->
            assertThatThrownBy(
                    () ->
                        t.computeIfAbsent(
                            a, () -> t.computeIfAbsent(b, () -> t.computeIfAbsent(a, () -> "x"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Key[a]"));
  }

  @Test
  void cycleAcrossTwoThreadsThrowsInsteadOfDeadlocking() throws Exception {
    TransactionCache t = new TransactionCache();
    Key<String> a = Key.of("a");
    Key<String> b = Key.of("b");
    CountDownLatch bothComputing = new CountDownLatch(2);
    AtomicReference<Throwable> first = new AtomicReference<>();
    AtomicReference<Throwable> second = new AtomicReference<>();
    Thread one =
        Thread.ofVirtual()
            .start(
                () ->
                    capture(
                        first,
                        () ->
                            t.computeIfAbsent(
                                a,
                                () ->
                                    waitThen(
                                        bothComputing, () -> t.computeIfAbsent(b, () -> "b1")))));
    Thread two =
        Thread.ofVirtual()
            .start(
                () ->
                    capture(
                        second,
                        () ->
                            t.computeIfAbsent(
                                b,
                                () ->
                                    waitThen(
                                        bothComputing, () -> t.computeIfAbsent(a, () -> "a2")))));
    assertThat(one.join(NO_DEADLOCK)).isTrue();
    assertThat(two.join(NO_DEADLOCK)).isTrue();
    // Whichever thread closed the cycle gets the error; the other then fails with it too.
    assertThat(List.of(first.get(), second.get()))
        .allSatisfy(
            e ->
                assertThat(e)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cycle"));
  }

  @Test
  void concurrentCallersOfOneKeyStillShareOneComputation() throws Exception {
    TransactionCache t = new TransactionCache();
    Key<String> k = Key.of("shared");
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread owner =
        Thread.ofVirtual()
            .start(
                () ->
                    t.computeIfAbsent(
                        k,
                        () -> {
                          started.countDown();
                          await(release);
                          return "v";
                        }));
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    AtomicReference<String> seen = new AtomicReference<>();
    Thread waiter = Thread.ofVirtual().start(() -> seen.set(t.computeIfAbsent(k, () -> "other")));
    release.countDown();
    assertThat(owner.join(NO_DEADLOCK)).isTrue();
    assertThat(waiter.join(NO_DEADLOCK)).isTrue();
    assertThat(seen.get()).isEqualTo("v");
  }

  @Test
  void checkThatRecursesIntoItsOwnKeyFailsAtOnceNotAtTheDeadline() {
    Key<Integer> depth = Key.of("depth");
    TestCheck recursive =
        new TestCheck(
            "recursive",
            Stage.DATA,
            List.of(SymbolDef.of("NEVER", 1, "never")),
            ctx -> ctx.computeIfAbsent(depth, c -> c.computeIfAbsent(depth, c2 -> 1) + 1));
    byte[] mail = "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
    try (MailFilter f = MailFilter.builder().addCheck(recursive).build()) {
      long start = System.nanoTime();
      Verdict v =
          f.classify(
              mail,
              Envelope.of(
                  InetAddresses.forString("198.51.100.7"),
                  "mail.example.org",
                  "a@example.org",
                  List.of("b@example.net")));
      // The data stage allows 20 s; the cycle is caught long before.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(NO_DEADLOCK);
      assertThat(v.symbols())
          .filteredOn(s -> s.name().equals("CHECK_FAILED_RECURSIVE"))
          .singleElement()
          .satisfies(s -> assertThat(s.options()).containsExactly("IllegalStateException"));
    }
  }

  private interface Body {
    void run() throws Exception;
  }

  private static void capture(AtomicReference<Throwable> into, Body body) {
    try {
      body.run();
    } catch (Throwable e) {
      into.set(e);
    }
  }

  private static <T> T waitThen(CountDownLatch latch, java.util.function.Supplier<T> then) {
    latch.countDown();
    await(latch);
    return then.get();
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(5, TimeUnit.SECONDS)) {
        throw new IllegalStateException("latch not released in 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
