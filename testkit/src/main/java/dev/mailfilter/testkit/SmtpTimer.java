package dev.mailfilter.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The timing client of {@code benchmarks/peers/smtp.sh}: {@code smtp-source} reports only totals,
 * and the benchmark needs each transaction's latency. Sends {@code --messages} messages over {@code
 * --sessions} concurrent sessions, one message per connection as most MX traffic comes (connect,
 * banner, EHLO, MAIL, RCPT, DATA, the message, QUIT), the given files in turn, and prints one line:
 *
 * <pre>{@code
 * messages=2000 seconds=4.210 rate=475.1 p50_ms=61.20 p99_ms=140.75
 * }</pre>
 *
 * A message's latency runs from {@code connect()} to the reply to its final dot. Any reply but 250
 * stops the run with exit status 1 and the reply, so that a benchmark never times refusals. JDK
 * only, so that the script can compile it with {@code javac} beside {@link SmtpClient}:
 *
 * <pre>{@code
 * java -cp CLASSES dev.mailfilter.testkit.SmtpTimer --port P --sessions 32 --messages 2000 \
 *     --from a@client.test --to user@sink.test FILE...
 * }</pre>
 */
public final class SmtpTimer {
  private static final String USAGE =
      "usage: SmtpTimer --port P --sessions S --messages N --from ADDR --to ADDR FILE...";

  private SmtpTimer() {}

  /** Runs the benchmark client; exit status 0 done, 1 a refusal or an I/O error, 2 usage. */
  public static void main(String[] args) throws Exception {
    int port = 0;
    int sessions = 0;
    int messages = 0;
    String from = null;
    String to = null;
    List<byte[]> files = new ArrayList<>();
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--port" -> port = Integer.parseInt(args[++i]);
          case "--sessions" -> sessions = Integer.parseInt(args[++i]);
          case "--messages" -> messages = Integer.parseInt(args[++i]);
          case "--from" -> from = args[++i];
          case "--to" -> to = args[++i];
          default -> files.add(Files.readAllBytes(Path.of(args[i])));
        }
      }
    } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
      System.err.println("SmtpTimer: " + e.getMessage() + "\n" + USAGE);
      System.exit(2);
    }
    if (port < 1 || sessions < 1 || messages < 1 || from == null || to == null || files.isEmpty()) {
      System.err.println("SmtpTimer: every option and at least one FILE are needed\n" + USAGE);
      System.exit(2);
    }
    long[] nanos = new long[messages];
    AtomicInteger next = new AtomicInteger();
    AtomicReference<String> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int s = 0; s < sessions; s++) {
      int p = port;
      String f = from;
      String t = to;
      threads.add(
          Thread.ofPlatform()
              .name("session-" + s)
              .start(
                  () -> {
                    int n;
                    while (failure.get() == null && (n = next.getAndIncrement()) < nanos.length) {
                      try {
                        nanos[n] = send(p, f, t, files.get(n % files.size()));
                      } catch (IOException | RuntimeException e) {
                        failure.compareAndSet(null, "message " + n + ": " + e.getMessage());
                      }
                    }
                  }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (failure.get() != null) {
      System.err.println("SmtpTimer: " + failure.get());
      System.exit(1);
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(
        Locale.ROOT,
        "messages=%d seconds=%.3f rate=%.1f p50_ms=%.2f p99_ms=%.2f%n",
        messages,
        seconds,
        messages / seconds,
        percentile(sorted, 50) / 1e6,
        percentile(sorted, 99) / 1e6);
  }

  /** One message on its own connection; returns the nanoseconds to the reply to its final dot. */
  private static long send(int port, String from, String to, byte[] message) throws IOException {
    long t0 = System.nanoTime();
    try (SmtpClient c = SmtpClient.connect(port, Duration.ofSeconds(120))) {
      expect(c.greeting(), 220, "the banner");
      expect(c.send("EHLO timer.client.test"), 250, "EHLO");
      expect(c.send("MAIL FROM:<" + from + ">"), 250, "MAIL");
      expect(c.send("RCPT TO:<" + to + ">"), 250, "RCPT");
      expect(c.data(message), 250, "the message");
      return System.nanoTime() - t0;
    }
  }

  private static void expect(SmtpClient.Reply reply, int code, String what) {
    if (reply.code() != code) {
      throw new IllegalStateException(what + " answered " + reply);
    }
  }

  /** The nearest-rank percentile of sorted values. */
  private static long percentile(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
