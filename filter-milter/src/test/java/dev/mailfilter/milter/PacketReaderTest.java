package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PacketReaderTest {
  private static final HexFormat HEX = HexFormat.of();

  /** Endless bytes that count how many were read. */
  static final class Endless extends InputStream {
    private final byte[] prefix;
    long read;

    Endless(byte[] prefix) {
      this.prefix = prefix;
    }

    @Override
    public int read() {
      return read < prefix.length ? prefix[(int) read++] & 0xff : (int) (read++ & 0x7f);
    }
  }

  @Test
  void cleanEndBetweenPacketsIsTheEnd() throws IOException {
    PacketReader reader = PacketReader.of(new ByteArrayInputStream(HEX.parseHex("0000000163")));
    assertThat(reader.next()).contains(new Packet('c', new byte[0]));
    assertThat(reader.next()).isEmpty();
    assertThat(PacketReader.of(InputStream.nullInputStream()).next()).isEmpty();
  }

  @Test
  void lengthZeroIsRefused() {
    PacketReader reader = PacketReader.of(new ByteArrayInputStream(HEX.parseHex("0000000041")));
    assertThatThrownBy(reader::next)
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("milter packet length 0: every packet has a command byte");
  }

  @Test
  void hugeLengthIsRefusedBeforeAnythingMoreIsReadOrAllocated() {
    Endless in = new Endless(HEX.parseHex("ffffffff"));
    assertThatThrownBy(() -> PacketReader.of(in).next())
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("milter packet length 4294967295 is over the limit of 1114112 bytes");
    assertThat(in.read).isEqualTo(4);
  }

  @Test
  void lengthJustOverTheConfiguredMaximumIsRefusedAndTheMaximumItselfIsRead() throws IOException {
    byte[] atMax = new Packet('B', new byte[99]).toBytes();
    assertThat(PacketReader.of(new ByteArrayInputStream(atMax), 100).next()).isPresent();
    byte[] overMax = new Packet('B', new byte[100]).toBytes();
    assertThatThrownBy(() -> PacketReader.of(new ByteArrayInputStream(overMax), 100).next())
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("milter packet length 101 is over the limit of 100 bytes");
  }

  @Test
  void defaultMaximumTakesAFullBodyChunkAndPostfixsLargestHeader() throws IOException {
    byte[] chunk = new Packet('B', new byte[Milter.MILTER_CHUNK_SIZE]).toBytes();
    assertThat(PacketReader.of(new ByteArrayInputStream(chunk)).next()).isPresent();
    byte[] header = new Command.Header("X", "v".repeat(102_400)).toPacket().toBytes();
    assertThat(PacketReader.of(new ByteArrayInputStream(header)).next()).isPresent();
  }

  @Test
  void anHttpRequestOnTheMilterPortIsRefusedWithAHint() {
    byte[] http = "GET / HTTP/1.1\r\nHost: localhost:11332\r\n\r\n".getBytes(US_ASCII);
    assertThatThrownBy(() -> PacketReader.of(new ByteArrayInputStream(http)).next())
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage(
            "milter packet length 1195725856 is over the limit of 1114112 bytes (it reads as the"
                + " text \"GET \": is a non-milter client on this port?)");
  }

  @Test
  void endOfStreamInsideTheLengthIsAnError() {
    assertThatThrownBy(() -> PacketReader.of(new ByteArrayInputStream(HEX.parseHex("0000"))).next())
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("connection closed after 2 of the 4 bytes of a milter packet length");
  }

  @Test
  void endOfStreamInsideThePacketIsAnError() {
    byte[] truncated = HEX.parseHex("0000000a4c5375626a");
    assertThatThrownBy(() -> PacketReader.of(new ByteArrayInputStream(truncated)).next())
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("connection closed after 5 of the 10 bytes of a milter packet (command 'L')");
  }

  @Test
  void unusableMaximumIsRefused() {
    assertThatThrownBy(() -> PacketReader.of(InputStream.nullInputStream(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxLength must be at least 1, got 0");
  }
}
