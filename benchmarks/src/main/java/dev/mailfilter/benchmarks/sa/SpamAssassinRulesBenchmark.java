package dev.mailfilter.benchmarks.sa;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.benchmarks.Corpus;
import dev.mailfilter.sa.SpamAssassinCheck;
import dev.mailfilter.sa.SpamAssassinSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link MailFilter#classify} with Debian's SpamAssassin rule set loaded ({@code rules=debian}:
 * {@code /usr/share/spamassassin} and {@code /etc/spamassassin}, as the default configuration reads
 * them on a host with the {@code spamassassin} package) and with the rules off ({@code rules=off}),
 * over the whole SpamAssassin public corpus held in memory (or the messages a file lists: {@code -p
 * messages=FILE}). Every other local check runs with its default; the learning model and the
 * network checks are off, as for {@code spamd -L} with Bayes off, which {@code
 * benchmarks/peers/spamd.sh} times beside this benchmark on the same messages.
 *
 * <p>One operation classifies one message; every thread cycles through the corpus from its own
 * starting point, so the score is messages/s (JMH sums the threads). The setup fails unless the
 * {@code spamassassin} check is configured as asked and, with the rules on, reports a rule symbol
 * on some messages.
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -Dmailfilter.shared=../shared -jar benchmarks/target/benchmarks.jar \
 *     SpamAssassinRulesBenchmark -t 2 -f 1 -wi 3 -i 5 -w 3s -r 5s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.log.dev.mailfilter.verdict=warn")
public class SpamAssassinRulesBenchmark {
  private static final Envelope ENVELOPE = Corpus.ENVELOPE;

  /** The filter and the corpus, shared by every thread. */
  @State(Scope.Benchmark)
  public static class Engine {
    /** {@code debian}: the installed Debian rule set; {@code off}: no SpamAssassin rules. */
    @Param({"debian", "off"})
    public String rules;

    /**
     * {@code all}: the whole SpamAssassin public corpus; otherwise a file listing message files,
     * one path a line (the peer script passes the messages it gives spamd).
     */
    @Param({"all"})
    public String messages;

    byte[][] corpus;
    MailFilter filter;
    final AtomicInteger threads = new AtomicInteger();

    /** Builds the filter and checks that the rules run (or not) as asked. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
      List<String> paths =
          switch (rules) {
            case "debian" ->
                List.of(
                    SpamAssassinSettings.SHIPPED_RULES.toString(),
                    SpamAssassinSettings.SITE_RULES.toString());
            case "off" -> List.of();
            default -> throw new IllegalArgumentException("rules must be debian or off: " + rules);
          };
      filter =
          MailFilter.builder()
              .config(FilterConfig.builder().set("spamassassin.paths", paths).build())
              .build();
      if (messages.equals("all")) {
        corpus = Corpus.load("spamassassin").toArray(new byte[0][]);
      } else {
        List<byte[]> list = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(messages))) {
          if (!line.isBlank()) {
            list.add(Files.readAllBytes(Path.of(line.strip())));
          }
        }
        if (list.isEmpty()) {
          throw new IllegalArgumentException("no message files listed in " + messages);
        }
        corpus = list.toArray(new byte[0][]);
      }
      SpamAssassinCheck check =
          filter.checks().stream()
              .map(c -> c.check())
              .filter(c -> c instanceof SpamAssassinCheck)
              .map(c -> (SpamAssassinCheck) c)
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no spamassassin check configured"));
      int loaded = check.rules().loaded();
      if (rules.equals("debian") && loaded < 500) {
        throw new IllegalStateException(
            "only "
                + loaded
                + " SpamAssassin rules loaded: is the spamassassin package installed?");
      }
      if (rules.equals("off") && loaded != 0) {
        throw new IllegalStateException(loaded + " SpamAssassin rules loaded with the rules off");
      }
      Set<String> ruleSymbols = new HashSet<>();
      check.symbols().forEach(d -> ruleSymbols.add(d.name()));
      int withRule = 0;
      for (byte[] m : corpus) {
        Verdict v = filter.classify(m, ENVELOPE);
        if (v.symbols().stream().map(Symbol::name).anyMatch(ruleSymbols::contains)) {
          withRule++;
        }
      }
      if (loaded > 0 && withRule == 0) {
        throw new IllegalStateException("no SpamAssassin rule hit any message");
      }
      System.out.printf(
          Locale.ROOT,
          "%n[%d messages; %d SpamAssassin rules loaded; a rule symbol on %d messages]%n",
          corpus.length,
          loaded,
          withRule);
    }

    /** Closes the filter. */
    @TearDown(Level.Trial)
    public void tearDown() {
      filter.close();
    }
  }

  /** One thread's place in the corpus. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    /** Spreads the threads' starting points over the corpus. */
    @Setup(Level.Trial)
    public void setUp(Engine engine) {
      next = (engine.threads.getAndIncrement() * 997) % engine.corpus.length;
    }
  }

  /** Classifies the next message with its envelope. */
  @Benchmark
  public Verdict classify(Engine engine, Cursor cursor) {
    byte[] m = engine.corpus[cursor.next];
    cursor.next = cursor.next + 1 == engine.corpus.length ? 0 : cursor.next + 1;
    return engine.filter.classify(m, ENVELOPE);
  }
}
