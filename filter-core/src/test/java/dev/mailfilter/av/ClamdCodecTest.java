package dev.mailfilter.av;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.av.ScanResult.FailureKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** INSTREAM framing and reply parsing, fed and read as bytes without any socket. */
class ClamdCodecTest {

  /** A sink that records every write as one byte array, in order. */
  private static final class Recorder implements ClamdCodec.Sink {
    final ByteArrayOutputStream all = new ByteArrayOutputStream();
    int writes;

    @Override
    public void write(ByteBuffer... buffers) {
      writes++;
      for (ByteBuffer b : buffers) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        all.writeBytes(bytes);
      }
    }
  }

  /** Decodes a framed INSTREAM request back into its chunks, checking every byte of framing. */
  private static List<byte[]> unframe(byte[] wire) {
    assertThat(Arrays.copyOf(wire, 10))
        .isEqualTo("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII));
    ByteBuffer in = ByteBuffer.wrap(wire, 10, wire.length - 10);
    List<byte[]> chunks = new ArrayList<>();
    while (true) {
      assertThat(in.remaining()).as("a length header is due").isGreaterThanOrEqualTo(4);
      int n = in.getInt();
      if (n == 0) {
        assertThat(in.remaining()).as("nothing after the terminator").isZero();
        return chunks;
      }
      byte[] chunk = new byte[n];
      in.get(chunk);
      chunks.add(chunk);
    }
  }

  @ParameterizedTest(name = "{0} bytes in chunks of {1}")
  @CsvSource({"0,5", "1,5", "5,5", "6,5", "17,5", "65536,65536", "65537,65536", "200000,65536"})
  void framesStreamInChunksWithBigEndianLengthsAndZeroTerminator(int size, int chunkSize)
      throws IOException {
    byte[] message = new byte[size];
    new SplittableRandom(size).nextBytes(message);
    Recorder sink = new Recorder();
    ClamdCodec.writeInstream(sink, ByteBuffer.wrap(message), chunkSize);
    List<byte[]> chunks = unframe(sink.all.toByteArray());
    assertThat(chunks).hasSize((size + chunkSize - 1) / chunkSize);
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    for (int i = 0; i < chunks.size(); i++) {
      assertThat(chunks.get(i).length)
          .isEqualTo(i < chunks.size() - 1 ? chunkSize : size - chunkSize * (chunks.size() - 1));
      joined.writeBytes(chunks.get(i));
    }
    assertThat(joined.toByteArray()).isEqualTo(message);
  }

  @Test
  void lengthHeaderIsBigEndian() throws IOException {
    Recorder sink = new Recorder();
    ClamdCodec.writeInstream(sink, ByteBuffer.wrap(new byte[0x0102]), 1 << 20);
    byte[] wire = sink.all.toByteArray();
    assertThat(Arrays.copyOfRange(wire, 10, 14)).containsExactly(0, 0, 1, 2);
    assertThat(Arrays.copyOfRange(wire, wire.length - 4, wire.length)).containsExactly(0, 0, 0, 0);
  }

  @Test
  void sendsOnlyTheBuffersRemainingBytesAndLeavesItUntouched() throws IOException {
    byte[] backing = "xxHELLOyy".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer view = ByteBuffer.wrap(backing, 2, 5);
    Recorder sink = new Recorder();
    ClamdCodec.writeInstream(sink, view, 2);
    assertThat(unframe(sink.all.toByteArray()))
        .extracting(b -> new String(b, StandardCharsets.US_ASCII))
        .containsExactly("HE", "LL", "O");
    assertThat(view.position()).isEqualTo(2);
    assertThat(view.limit()).isEqualTo(7);
  }

  @Test
  void commandTravelsWithTheFirstChunk() throws IOException {
    Recorder sink = new Recorder();
    ClamdCodec.writeInstream(sink, ByteBuffer.wrap(new byte[10]), 100);
    assertThat(sink.writes).as("command+first chunk, then terminator").isEqualTo(2);
  }

  @Test
  void refusesNonPositiveChunkSize() {
    assertThatThrownBy(() -> ClamdCodec.writeInstream(new Recorder(), ByteBuffer.allocate(1), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
  }

  @Test
  void parsesCleanInfectedAndErrors() {
    assertThat(ClamdCodec.parseScanReply("stream: OK")).isEqualTo(ScanResult.clean());
    assertThat(ClamdCodec.parseScanReply("stream: Win.Test.EICAR_HDB-1 FOUND"))
        .isEqualTo(ScanResult.infected("Win.Test.EICAR_HDB-1"));
    assertThat(ClamdCodec.parseScanReply("INSTREAM size limit exceeded. ERROR"))
        .isInstanceOfSatisfying(
            ScanResult.Failed.class, f -> assertThat(f.kind()).isEqualTo(FailureKind.SIZE_LIMIT));
    assertThat(ClamdCodec.parseScanReply("stream: Can't allocate memory ERROR"))
        .isInstanceOfSatisfying(
            ScanResult.Failed.class,
            f -> {
              assertThat(f.kind()).isEqualTo(FailureKind.SERVER_ERROR);
              assertThat(f.reason()).contains("Can't allocate memory");
            });
  }

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(
      delimiter = '|',
      value = {
        "''",
        "OK",
        "stream: ok",
        "stream:  FOUND",
        "stream: FOUND",
        "stream: two words FOUND",
        "PONG",
        "UNKNOWN COMMAND",
        "stream: OK trailing",
        "HTTP/1.1 200 OK"
      })
  void garbageRepliesAreProtocolFailures(String reply) {
    assertThat(ClamdCodec.parseScanReply(reply))
        .isInstanceOfSatisfying(
            ScanResult.Failed.class, f -> assertThat(f.kind()).isEqualTo(FailureKind.PROTOCOL));
  }

  @Test
  void controlBytesInRepliesAreEscapedForLogs() {
    ScanResult r = ClamdCodec.parseScanReply("stream: \u0001\u00ff\n FOUND");
    assertThat(r).isInstanceOf(ScanResult.Failed.class);
    assertThat(((ScanResult.Failed) r).reason()).contains("\\x01\\xff\\x0a").doesNotContain("\n");
    assertThat(ClamdCodec.printable("a".repeat(500))).hasSize(203).endsWith("...");
    assertThat(ClamdCodec.printable("a".repeat(200))).isEqualTo("a".repeat(200));
  }

  @Test
  void stripsOnlyTheExpectedSessionId() {
    assertThat(ClamdCodec.stripSessionId("3: stream: OK", 3)).hasValue("stream: OK");
    assertThat(ClamdCodec.stripSessionId("4: stream: OK", 3)).isEmpty();
    assertThat(ClamdCodec.stripSessionId("stream: OK", 3)).isEmpty();
    assertThat(ClamdCodec.stripSessionId("13: stream: OK", 3)).isEmpty();
  }

  @Test
  void replyReaderAssemblesRandomSplitsAndLeavesTheRest() {
    byte[] wire =
        "stream: Test.EICAR.Body.UNOFFICIAL FOUND\0next".getBytes(StandardCharsets.ISO_8859_1);
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    for (int round = 0; round < 500; round++) {
      ClamdCodec.ReplyReader reader = new ClamdCodec.ReplyReader();
      int pos = 0;
      boolean done = false;
      ByteBuffer piece = null;
      while (!done) {
        int n = 1 + random.nextInt(Math.max(1, Math.min(8, wire.length - pos)));
        piece = ByteBuffer.wrap(wire, pos, n);
        done = reader.feed(piece);
        pos += n - piece.remaining();
        assertThat(done || !piece.hasRemaining()).as("seed %s", seed).isTrue();
      }
      assertThat(reader.complete()).as("seed %s", seed).isTrue();
      assertThat(reader.text())
          .as("seed %s", seed)
          .isEqualTo("stream: Test.EICAR.Body.UNOFFICIAL FOUND");
      assertThat(pos).as("seed %s: stops right after the NUL", seed).isEqualTo(wire.length - 4);
    }
  }

  @Test
  void replyReaderRefusesMoreThanItsLimit() {
    ClamdCodec.ReplyReader reader = new ClamdCodec.ReplyReader();
    byte[] junk = new byte[ClamdCodec.MAX_REPLY_LENGTH + 10];
    Arrays.fill(junk, (byte) 'A');
    assertThat(reader.empty()).isTrue();
    assertThat(reader.feed(ByteBuffer.wrap(junk))).isTrue();
    assertThat(reader.overflow()).isTrue();
    assertThat(reader.complete()).isFalse();
    assertThat(reader.text()).hasSize(ClamdCodec.MAX_REPLY_LENGTH);
  }

  @Test
  void replyReaderAtExactlyTheLimitIsComplete() {
    ClamdCodec.ReplyReader reader = new ClamdCodec.ReplyReader();
    byte[] wire = new byte[ClamdCodec.MAX_REPLY_LENGTH + 1];
    Arrays.fill(wire, (byte) 'A');
    wire[wire.length - 1] = 0;
    assertThat(reader.feed(ByteBuffer.wrap(wire))).isTrue();
    assertThat(reader.complete()).isTrue();
    assertThat(reader.overflow()).isFalse();
  }

  @Test
  void randomBytesNeverThrowAndNeverParseAsInfectedUnlessWellFormed() {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < 10_000; i++) {
      byte[] b = new byte[random.nextInt(64)];
      for (int j = 0; j < b.length; j++) {
        b[j] =
            (byte)
                (random.nextInt(3) == 0
                    ? " :stream OKFOUNDERROR".charAt(random.nextInt(21))
                    : random.nextInt(256));
      }
      String reply = new String(b, StandardCharsets.ISO_8859_1);
      ScanResult r = ClamdCodec.parseScanReply(reply);
      if (r instanceof ScanResult.Infected infected) {
        assertThat(reply)
            .as("seed %s", seed)
            .isEqualTo("stream: " + infected.signature() + " FOUND");
        assertThat(infected.signature()).as("seed %s", seed).doesNotContain(" ");
      }
      if (r instanceof ScanResult.Clean) {
        assertThat(reply).as("seed %s", seed).isEqualTo("stream: OK");
      }
    }
  }
}
