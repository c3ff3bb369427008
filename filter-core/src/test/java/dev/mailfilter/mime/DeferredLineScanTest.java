package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The line defects of a body that needs no boundary search are scanned on the first request for the
 * defects, not during the parse. The defect list must be the one an eager scan gives, in the same
 * order, for every input and every limit; the scan must happen once even when threads race.
 */
class DeferredLineScanTest {
  private static final List<MimeLimits> LIMITS =
      List.of(
          MimeLimits.DEFAULT,
          MimeLimits.STRICT,
          MimeLimits.builder().maxLineLength(76).maxParts(3).maxDepth(1).build(),
          MimeLimits.builder().maxLineLength(40).maxHeaderSize(1 << 20).build(),
          MimeLimits.builder().maxMessageSize(2000).maxHeaderCount(5).build());

  @Test
  void corpusDefectsEqualEagerScan() throws IOException {
    int deferred = 0;
    int files = 0;
    for (Path file : Corpus.messages()) {
      byte[] bytes = Files.readAllBytes(file);
      for (MimeLimits limits : LIMITS) {
        deferred += compare(bytes, limits, Corpus.name(file) + " with " + limits) ? 1 : 0;
      }
      files++;
    }
    assertThat(files).as("corpus files").isGreaterThan(3000);
    // Most corpus messages are single-part: if none were deferred, this test compared nothing new.
    assertThat(deferred).as("parses with a deferred line scan").isGreaterThan(files);
  }

  @Test
  void generatedTreeDefectsEqualEagerScan() {
    int deferred = 0;
    for (long seed = 0; seed < 1000; seed++) {
      byte[] bytes = GeneratedTreePropertyTest.generatedMessage(seed);
      for (MimeLimits limits : LIMITS) {
        deferred += compare(bytes, limits, "tree seed " + seed + " with " + limits) ? 1 : 0;
      }
    }
    assertThat(deferred).isPositive();
  }

  @Test
  void lineScanMessageDefectsEqualEagerScan() {
    for (long seed = 1; seed <= 3000; seed++) {
      byte[] bytes = LineScanPropertyTest.message(new SplittableRandom(seed), new ArrayList<>());
      for (MimeLimits limits : LIMITS) {
        ParsedMessage m = MessageParser.create(limits).parse(bytes);
        boolean bodyParsed = m.root().bodyStart() < m.bytes().size();
        assertThat(compare(bytes, limits, "line seed " + seed + " with " + limits))
            .as("single-part message of line seed %d deferred iff its body is not empty", seed)
            .isEqualTo(bodyParsed);
      }
    }
  }

  @Test
  void randomBytesDefectsEqualEagerScan() {
    byte[] alphabet = "ab\r\n\n-\0:xyz =\u00e9".getBytes(StandardCharsets.ISO_8859_1);
    MimeLimits shortLines = MimeLimits.builder().maxLineLength(5).build();
    for (long seed = 0; seed < 3000; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      byte[] b = new byte[r.nextInt(300)];
      for (int i = 0; i < b.length; i++) {
        b[i] = alphabet[r.nextInt(alphabet.length)];
      }
      compare(b, shortLines, "random seed " + seed);
      compare(b, MimeLimits.DEFAULT, "random seed " + seed);
    }
  }

  @Test
  void singlePartBodyIsNotReadUntilDefectsAreAsked() {
    byte[] msg = singlePart(200_000, "\n");
    ParsedMessage m = MessageParser.create().parse(msg);
    assertThat(m.lineScanPending()).isTrue();
    assertThat(m.root().bodyEnd()).isEqualTo(msg.length);
    assertThat(m.hasDefect(DefectType.BARE_LF)).isTrue();
    assertThat(m.lineScanPending()).isFalse();
    assertThat(m.defects())
        .containsExactly(
            Defect.at(DefectType.BARE_LF, 19, "line ended by LF without CR (200002 lines)"));
  }

  @Test
  void multipartBodiesAreScannedWithTheBoundarySearch() {
    String msg = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\0y\r\n--b--\r\n";
    ParsedMessage m = MessageParser.create().parse(msg.getBytes(StandardCharsets.ISO_8859_1));
    assertThat(m.lineScanPending()).isFalse();
    assertThat(m.defects()).extracting(Defect::type).containsExactly(DefectType.NUL_BYTE);
  }

  @Test
  void epilogueOfTopLevelMultipartIsDeferred() {
    String msg =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\nend\rx\r\n";
    ParsedMessage m = MessageParser.create().parse(msg.getBytes(StandardCharsets.ISO_8859_1));
    assertThat(m.lineScanPending()).isTrue();
    assertThat(m.root().epilogue().toByteArray())
        .isEqualTo("end\rx\r\n".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(m.defects()).extracting(Defect::type).containsExactly(DefectType.BARE_CR);
  }

  @Test
  void racingThreadsScanOnceAndSeeOneList() throws Exception {
    byte[] msg = singlePart(100_000, "\r\n\0");
    List<Defect> expected = eager(msg, MimeLimits.DEFAULT);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 50; round++) {
        ParsedMessage m = MessageParser.create().parse(msg);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<Defect>>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          results.add(
              pool.submit(
                  () -> {
                    go.await();
                    return m.defects();
                  }));
        }
        go.countDown();
        for (Future<List<Defect>> f : results) {
          List<Defect> got = f.get();
          assertThat(got).as("round %d", round).isEqualTo(expected).isSameAs(m.defects());
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Compares lazy with eager; returns whether the lazy parse deferred its line scan. */
  private static boolean compare(byte[] bytes, MimeLimits limits, String context) {
    ParsedMessage lazy = MessageParser.create(limits).parse(bytes);
    boolean pending = lazy.lineScanPending();
    assertThat(lazy.defects()).as(context).isEqualTo(eager(bytes, limits));
    assertThat(lazy.lineScanPending()).as(context).isFalse();
    return pending;
  }

  private static List<Defect> eager(byte[] bytes, MimeLimits limits) {
    ParsedMessage m = ParsedMessage.parse(bytes, 0, bytes.length, bytes.length, limits, true);
    assertThat(m.lineScanPending()).isFalse();
    return m.defects();
  }

  /** A header of one field and a body of short lines, each ended by {@code eol}. */
  private static byte[] singlePart(int lines, String eol) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("Subject: large body\n\n".getBytes(StandardCharsets.ISO_8859_1));
    for (int i = 0; i < lines; i++) {
      out.writeBytes(("line " + i + eol).getBytes(StandardCharsets.ISO_8859_1));
    }
    return out.toByteArray();
  }
}
