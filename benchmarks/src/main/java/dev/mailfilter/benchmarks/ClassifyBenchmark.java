package dev.mailfilter.benchmarks;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.learn.Document;
import dev.mailfilter.learn.Label;
import dev.mailfilter.learn.ModelSettings;
import dev.mailfilter.learn.SpamModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole engine on one message: {@link MailFilter#classify} with the built-in configuration
 * (every local check that is on by default) plus the learning model, over the SpamAssassin public
 * corpus held in memory. Network checks (DNS blocklists, clamd) stay off, as they are by default.
 *
 * <p>At setup the model is trained once on the corpus (spam and ham folders, one pass in a seeded
 * shuffled order, as {@code mailfilter train} does) into a temporary file that the configuration's
 * {@code model.path} names, and the setup fails unless the model votes ({@code BAYES_*}) on the
 * corpus. One operation classifies one message; every thread cycles through the corpus from its own
 * starting point, so the score is messages/s (JMH sums threads: divide by the thread count for
 * messages/s per thread). The verdict log ({@code dev.mailfilter.verdict}, one INFO line per
 * message) is set to WARN: the benchmark measures the decision, not stderr.
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -Dmailfilter.shared=../shared -jar benchmarks/target/benchmarks.jar ClassifyBenchmark \
 *     -t 1 -f 1 -wi 2 -i 3 -w 2s -r 3s
 * java -Dmailfilter.shared=../shared -jar benchmarks/target/benchmarks.jar ClassifyBenchmark \
 *     -t 2 -f 1 -wi 2 -i 3 -w 2s -r 3s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.log.dev.mailfilter.verdict=warn")
public class ClassifyBenchmark {
  private static final Envelope ENVELOPE = Corpus.ENVELOPE;

  /** The trained model, the filter and the corpus, shared by every thread. */
  @State(Scope.Benchmark)
  public static class Engine {
    byte[][] messages;
    MailFilter filter;
    Path dir;
    final AtomicInteger threads = new AtomicInteger();

    /** Trains the model into a temporary file and builds the filter over it. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
      List<byte[]> spam = Corpus.load("spamassassin-spam");
      List<byte[]> ham = Corpus.load("spamassassin-ham");
      dir = Files.createTempDirectory("mailfilter-bench");
      Path modelFile = dir.resolve("bench.model");
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < spam.size() + ham.size(); i++) {
        order.add(i);
      }
      Collections.shuffle(order, new Random(1));
      long t0 = System.nanoTime();
      try (SpamModel model = SpamModel.open(ModelSettings.builder().path(modelFile).build())) {
        for (int i : order) {
          boolean isSpam = i < spam.size();
          byte[] m = isSpam ? spam.get(i) : ham.get(i - spam.size());
          model.learn(Document.fromMessage(m), isSpam ? Label.SPAM : Label.HAM);
        }
        model.commit();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      FilterConfig config =
          FilterConfig.builder()
              .set("model.path", modelFile.toString())
              .set("checks.model.enabled", true)
              .build();
      filter = MailFilter.builder().config(config).build();
      List<byte[]> all = new ArrayList<>(spam);
      all.addAll(ham);
      messages = all.toArray(new byte[0][]);
      int voted = 0;
      for (byte[] m : messages) {
        Verdict v = filter.classify(m, ENVELOPE);
        for (Symbol s : v.symbols()) {
          if (s.name().startsWith("BAYES_")) {
            voted++;
            break;
          }
        }
      }
      if (voted < messages.length / 2) {
        throw new IllegalStateException(
            "the model voted on only " + voted + " of " + messages.length + " messages");
      }
      System.out.printf(
          Locale.ROOT,
          "%n[trained on %d spam + %d ham in %.1f s; checks %s; model voted on %d of %d]%n",
          spam.size(),
          ham.size(),
          seconds,
          filter.checks().stream().map(c -> c.check().name()).toList(),
          voted,
          messages.length);
    }

    /** Closes the filter and deletes the model file. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      filter.close();
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Collections.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** One thread's place in the corpus. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    /** Spreads the threads' starting points over the corpus. */
    @Setup(Level.Trial)
    public void setUp(Engine engine) {
      next = (engine.threads.getAndIncrement() * 997) % engine.messages.length;
    }
  }

  /** Classifies the next message with its envelope. */
  @Benchmark
  public Verdict classify(Engine engine, Cursor cursor) {
    byte[] m = engine.messages[cursor.next];
    cursor.next = cursor.next + 1 == engine.messages.length ? 0 : cursor.next + 1;
    return engine.filter.classify(m, ENVELOPE);
  }
}
