package dev.mailfilter.smtp;

import static dev.mailfilter.smtp.Feeds.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** BDAT chunks: exact lengths, binary content, nothing of DATA's framing. */
class BdatReaderTest {
  static java.util.List<Feeds.Feed> feeds() {
    return Feeds.all();
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void chunksAreExactAndUntouchedAndCommandsFollowInStep(Feeds.Feed feed) throws IOException {
    // What DATA would unstuff, end or normalise is plain content in a chunk.
    String first = "a\n.\r\n..\r";
    String wire = "BDAT " + first.length() + "\r\n" + first + "BDAT 3 LAST\r\n.\r\nQUIT\r\n";
    SmtpReader reader = SmtpReader.of(feed.of(bytes(wire)), SmtpLimits.defaults());
    Capabilities caps = Capabilities.all(0);
    Feeds.Collect sink = new Feeds.Collect();

    assertThat(reader.readCommand(caps, false)).contains(new Command.Bdat(first.length(), false));
    assertThat(reader.readChunk(first.length(), sink))
        .isEqualTo(new ChunkResult(first.length(), true));
    assertThat(reader.readCommand(caps, false)).contains(new Command.Bdat(3, true));
    assertThat(reader.readChunk(3, sink)).isEqualTo(new ChunkResult(3, true));
    assertThat(sink.text()).isEqualTo(first + ".\r\n");
    assertThat(reader.readCommand(caps, false)).contains(new Command.Quit());
  }

  @Test
  void zeroLengthLastChunk() throws IOException {
    SmtpReader reader =
        SmtpReader.of(
            new ByteArrayInputStream(bytes("BDAT 0 LAST\r\nQUIT\r\n")), SmtpLimits.defaults());
    assertThat(reader.readCommand(Capabilities.all(0), false)).contains(new Command.Bdat(0, true));
    assertThat(reader.readChunk(0, DataSink.DISCARD)).isEqualTo(new ChunkResult(0, true));
    assertThat(reader.readCommand(Capabilities.all(0), false)).contains(new Command.Quit());
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void binaryChunkLargerThanTheBufferArrivesByteForByteWithoutACopy(Feeds.Feed feed)
      throws IOException {
    byte[] chunk = new byte[300_000];
    new SplittableRandom(12).nextBytes(chunk);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    wire.writeBytes(chunk);
    wire.writeBytes(bytes("QUIT\r\n"));
    SmtpReader reader = SmtpReader.of(feed.of(wire.toByteArray()), SmtpLimits.defaults());
    Feeds.Collect sink = new Feeds.Collect();
    assertThat(reader.readChunk(chunk.length, sink)).isEqualTo(new ChunkResult(chunk.length, true));
    assertThat(sink.bytes.toByteArray()).isEqualTo(chunk);
    assertThat(reader.readCommand(Capabilities.none(), false)).contains(new Command.Quit());
  }

  @Test
  void connectionLostInsideAChunkSaysHowMuchArrived() throws IOException {
    SmtpReader reader =
        SmtpReader.of(new ByteArrayInputStream(bytes("12345")), SmtpLimits.defaults());
    assertThat(reader.readChunk(10, DataSink.DISCARD)).isEqualTo(new ChunkResult(5, false));
  }

  @Test
  void negativeChunkSizeIsMisuse() {
    SmtpReader reader = SmtpReader.of(new ByteArrayInputStream(new byte[0]), SmtpLimits.defaults());
    assertThatThrownBy(() -> reader.readChunk(-1, DataSink.DISCARD))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("chunk size must not be negative, got -1");
  }
}
