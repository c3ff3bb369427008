package dev.mailfilter.benchmarks.av;

import dev.mailfilter.av.ClamdAddress;
import dev.mailfilter.av.ClamdClient;
import dev.mailfilter.av.ClamdSettings;
import dev.mailfilter.av.ScanResult;
import dev.mailfilter.benchmarks.Corpus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
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
 * Whole message against each part, and pooled sessions against a connection per scan, on a real
 * clamd started by the benchmark (loopback TCP and a Unix socket).
 *
 * <p>One operation scans one message of the corpus (cycling through it): {@code wholeMessage}
 * streams the raw bytes once and lets clamd decode MIME itself; {@code perPart} splits the message
 * with mime4j, transfer-decodes every leaf part (text and attachments: a virus can hide in either)
 * and streams each part separately, so its time includes the parse. The signature database has two
 * signatures that match nothing, so the figures measure the protocol and clamd's decoding, not
 * signature matching.
 *
 * <pre>
 * ./mvnw -q -B -DskipTests package
 * java -jar benchmarks/target/benchmarks.jar ClamdScanBenchmark -Dmailfilter.shared=../shared
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ClamdScanBenchmark {
  /**
   * {@code large}: nodemailer's stress messages over 100 KB; {@code spamassassin}: everyday mail.
   */
  @Param({"large", "spamassassin"})
  public String corpus;

  /** Where clamd listens. */
  @Param({"tcp", "unix"})
  public String transport;

  /** Idle IDSESSION connections kept; 0 is one connection per scan. */
  @Param({"0", "4"})
  public int poolSize;

  private ClamdProcess clamd;
  private ClamdClient client;
  private List<byte[]> messages;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    messages = Corpus.load(corpus);
    clamd = ClamdProcess.start();
    ClamdAddress address = transport.equals("tcp") ? clamd.tcp : clamd.unix;
    client =
        ClamdClient.create(ClamdSettings.builder().address(address).poolSize(poolSize).build());
    // Both ways must get an answer for every message, or the figures would compare failures.
    for (byte[] m : messages) {
      if (client.scan(m) instanceof ScanResult.Failed f) {
        throw new IllegalStateException("clamd failed on a corpus message: " + f);
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    client.close();
    clamd.close();
  }

  private byte[] nextMessage() {
    byte[] m = messages.get(next);
    next = (next + 1) % messages.size();
    return m;
  }

  /** The raw message in one INSTREAM. */
  @Benchmark
  public ScanResult wholeMessage() {
    return client.scan(nextMessage());
  }

  /** Every leaf part, transfer-decoded, in its own INSTREAM. */
  @Benchmark
  public ScanResult perPart() throws IOException, MimeException {
    MimeTokenStream stream = new MimeTokenStream(MimeConfig.PERMISSIVE);
    stream.parse(new ByteArrayInputStream(nextMessage()));
    ScanResult last = null;
    for (EntityState s = stream.getState(); s != EntityState.T_END_OF_STREAM; s = stream.next()) {
      if (s == EntityState.T_BODY) {
        byte[] decoded;
        try (InputStream in = stream.getDecodedInputStream()) {
          decoded = in.readAllBytes();
        }
        last = client.scan(ByteBuffer.wrap(decoded));
        if (!(last instanceof ScanResult.Clean)) {
          return last;
        }
      }
    }
    return last;
  }
}
