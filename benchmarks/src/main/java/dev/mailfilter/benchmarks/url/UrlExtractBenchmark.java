package dev.mailfilter.benchmarks.url;

import dev.mailfilter.benchmarks.Corpus;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.url.MessageUrls;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link MessageUrls#extract} over the SpamAssassin public corpus, parsed at setup and its text
 * parts decoded there too (a part decodes its text once and keeps it), so what is measured is what
 * a transaction pays for its URLs: the HTML scan of each HTML part (redone per call, as {@code
 * MessageBodies} does per transaction), the plain-text URL search over every body, and parsing each
 * URL to its host and registrable domain. One operation is one message: the score is messages/s.
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -Dmailfilter.shared=../shared -jar benchmarks/target/benchmarks.jar UrlExtractBenchmark \
 *     -f 1 -wi 2 -i 3 -w 2s -r 3s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class UrlExtractBenchmark {
  private ParsedMessage[] messages;
  private int next;

  /** Parses the corpus and decodes every text part once; prints the URL count. */
  @Setup(Level.Trial)
  public void setUp() {
    List<byte[]> raw = Corpus.load("spamassassin");
    MessageParser parser = MessageParser.create();
    messages = new ParsedMessage[raw.size()];
    long urls = 0;
    for (int i = 0; i < messages.length; i++) {
      messages[i] = parser.parse(raw.get(i));
      urls += MessageUrls.extract(messages[i]).urls().size();
    }
    System.out.printf(
        Locale.ROOT, "%n[corpus: %d messages, %d distinct URLs]%n", messages.length, urls);
  }

  /** The URLs of the next message. */
  @Benchmark
  public MessageUrls extract() {
    ParsedMessage m = messages[next];
    next = next + 1 == messages.length ? 0 : next + 1;
    return MessageUrls.extract(m);
  }
}
