package dev.mailfilter.benchmarks.mime;

import dev.mailfilter.benchmarks.Corpus;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.MimePart;
import dev.mailfilter.mime.ParsedMessage;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.james.mime4j.MimeException;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Our zero-copy parser against mime4j and Jakarta Mail (Angus) over real mail held in memory.
 *
 * <p>One operation handles one message; the state cycles through the corpus, so messages/s is the
 * score and MB/s is the score times the corpus' average message size (printed at setup, and in
 * docs/performance.md). Two modes:
 *
 * <ul>
 *   <li>structure: every header field and part boundary found, no body read. Ours parses to offsets
 *       and visits every part and every header field; mime4j runs its {@code MimeTokenStream} token
 *       pass (which makes a {@code Field} per header field). {@code structureDefectsOurs} also asks
 *       for the defect list, which reads the body of a single-part message for its line defects
 *       (bare CR or LF, NUL, over-long lines): the structure pass leaves that read until asked.
 *   <li>full: structure plus every leaf body transfer-decoded. Ours decodes each leaf into a reused
 *       buffer ({@link MimePart#decodeBodyInto}); mime4j reads every body through its decoding
 *       stream; Jakarta Mail builds its message and reads every part's decoded stream.
 * </ul>
 *
 * <p>Bytes allocated per message come from {@code -prof gc} ({@code gc.alloc.rate.norm}).
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -Dmailfilter.shared=../shared -jar benchmarks/target/benchmarks.jar MimeParseBenchmark \
 *     -prof gc -f 1 -wi 2 -i 3 -w 2s -r 3s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class MimeParseBenchmark {
  /**
   * {@code spamassassin}: the whole public corpus (everyday mail, about 7 KB on average); {@code
   * large}: nodemailer's mailparser stress messages over 100 KB.
   */
  @Param({"spamassassin", "large"})
  public String corpus;

  private static final MessageParser PARSER = MessageParser.create();

  private byte[][] messages;
  private int next;
  private byte[] scratch = new byte[64 * 1024];

  /** Loads the corpus into memory and prints its size (for MB/s and allocation per byte). */
  @Setup(Level.Trial)
  public void setUp() {
    List<byte[]> list = Corpus.load(corpus);
    messages = list.toArray(new byte[0][]);
    long total = Corpus.totalBytes(list);
    System.out.printf(
        Locale.ROOT,
        "%n[corpus %s: %d messages, %d bytes, %.1f bytes on average]%n",
        corpus,
        messages.length,
        total,
        (double) total / messages.length);
  }

  private byte[] nextMessage() {
    byte[] m = messages[next];
    next = next + 1 == messages.length ? 0 : next + 1;
    return m;
  }

  /** Ours: offsets of every part and header field, nothing decoded. */
  @Benchmark
  public long structureOurs() {
    return walk(PARSER.parse(nextMessage()));
  }

  /** Ours: structure plus the defect list (every line of every body read). */
  @Benchmark
  public long structureDefectsOurs() {
    ParsedMessage m = PARSER.parse(nextMessage());
    return walk(m) + m.defects().size();
  }

  /** mime4j's token pass. */
  @Benchmark
  public long structureMime4j() throws IOException, MimeException {
    return MimePeers.mime4jStructure(nextMessage());
  }

  /** Ours: structure plus every leaf body transfer-decoded into a reused buffer. */
  @Benchmark
  public long fullOurs() {
    ParsedMessage m = PARSER.parse(nextMessage());
    long n = walk(m);
    for (MimePart p : m.parts()) {
      if (p.isMultipart() || p.isMessage()) {
        continue;
      }
      int need = p.maxDecodedLength();
      if (scratch.length < need) {
        scratch = new byte[Math.max(need, scratch.length * 2)];
      }
      n += p.decodeBodyInto(scratch, 0);
    }
    return n + m.defects().size();
  }

  /** mime4j reading every body through its transfer decoder. */
  @Benchmark
  public long fullMime4j() throws IOException, MimeException {
    return MimePeers.mime4jFull(nextMessage());
  }

  /** Jakarta Mail parsing and reading every part's decoded content. */
  @Benchmark
  public long fullJakarta() throws IOException, MessagingException {
    return MimePeers.jakartaFull(nextMessage());
  }

  /** Visits what a structure pass finds: every part and the count of its header fields. */
  private static long walk(ParsedMessage m) {
    long n = 0;
    for (MimePart p : m.parts()) {
      n += p.headers().size() + 1;
    }
    return n;
  }
}
