package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CommandCodecTest {
  private static final HexFormat HEX = HexFormat.of();

  /** One of every command, with the family and argument variants. */
  static List<Command> everyCommand() {
    Map<String, String> macros = new LinkedHashMap<>();
    macros.put("j", "mx.example.org");
    macros.put("{daemon_name}", "smtpd");
    macros.put("_", "client.example [192.0.2.1]");
    return List.of(
        new Command.OptNeg(6, 0x1ff, 0x1fffff),
        new Command.Macro(Milter.SMFIC_CONNECT, macros),
        new Command.Macro(Milter.SMFIC_BODYEOB, Map.of()),
        new Command.Connect("client.example", Command.Family.INET, 25, "192.0.2.1"),
        new Command.Connect("[2001:db8::1]", Command.Family.INET6, 65535, "2001:db8::1"),
        new Command.Connect("localhost", Command.Family.UNIX, 0, "/var/run/smtp.sock"),
        new Command.Connect("unknown", Command.Family.UNKNOWN, 0, ""),
        new Command.Helo("client.example"),
        new Command.Mail(List.of("<a@example.org>")),
        new Command.Mail(List.of("<>", "SIZE=1000", "BODY=8BITMIME")),
        new Command.Rcpt(List.of("<b@example.net>", "NOTIFY=NEVER")),
        new Command.Data(),
        new Command.Header("Subject", " leading space kept\n\tfolded, 8-bit \u00e9"),
        new Command.Header("X-Empty", ""),
        new Command.Eoh(),
        new Command.Body("line 1\r\nline 2\r\n".getBytes(ISO_8859_1)),
        new Command.Body(new byte[0]),
        new Command.Body(new byte[Milter.MILTER_CHUNK_SIZE]),
        new Command.BodyEob(),
        new Command.Abort(),
        new Command.Unknown("XCLIENT NAME=foo"),
        new Command.QuitNc(),
        new Command.Quit());
  }

  @Test
  void everyCommandRoundTripsFedWholeByteByByteAndInRandomSplits() throws IOException {
    List<Command> commands = everyCommand();
    List<Packet> packets = commands.stream().map(Command::toPacket).toList();
    byte[] wire = Feeds.concat(packets);
    for (Function<byte[], InputStream> feed : Feeds.all()) {
      List<Command> decoded = new ArrayList<>();
      for (Packet p : Feeds.readAll(feed.apply(wire))) {
        decoded.add(Command.decode(p));
      }
      assertThat(decoded).isEqualTo(commands);
    }
  }

  @Test
  void encodesAsLibmilterDoes() {
    assertThat(HEX.formatHex(new Command.OptNeg(6, 0x1ff, 0x1fffff).toPacket().toBytes()))
        .isEqualTo("0000000d4f00000006000001ff001fffff");
    assertThat(
            HEX.formatHex(
                new Command.Connect("h", Command.Family.INET, 0x1234, "1.2.3.4")
                    .toPacket()
                    .toBytes()))
        .isEqualTo("0000000e" + "43" + "6800" + "34" + "1234" + "312e322e332e3400");
    assertThat(HEX.formatHex(new Command.Header("To", "x").toPacket().toBytes()))
        .isEqualTo("00000006" + "4c" + "546f00" + "7800");
    assertThat(HEX.formatHex(new Command.BodyEob().toPacket().toBytes())).isEqualTo("0000000145");
  }

  @Test
  void bytesAboveAsciiRoundTripUnchanged() throws IOException {
    byte[] raw = {'S', 0, (byte) 0xc3, (byte) 0xa9, (byte) 0xff, 0};
    Command header = Command.decode(new Packet(Milter.SMFIC_HEADER, raw));
    assertThat(header.toPacket().data()).isEqualTo(raw);
  }

  @Test
  void shortOptNegIsRefusedWithTheCommandName() {
    assertThatThrownBy(() -> Command.decode(new Packet('O', new byte[] {0, 0, 0, 6, 0, 0})))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessageContaining("SMFIC_OPTNEG")
        .hasMessageContaining("actions needs 4 bytes, only 2 left");
  }

  @Test
  void optNegIgnoresDataPastTheThreeMasksAsLibmilterDoes() throws IOException {
    byte[] data = HEX.parseHex("00000006000001ff001fffff00000000");
    assertThat(Command.decode(new Packet('O', data)))
        .isEqualTo(new Command.OptNeg(6, 0x1ff, 0x1fffff));
  }

  @Test
  void missingNulTerminatorIsRefusedWithTheCommandName() {
    assertThatThrownBy(() -> Command.decode(new Packet('H', "client".getBytes(ISO_8859_1))))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_HELO: HELO name has no NUL terminator (6 bytes left)");
    assertThatThrownBy(() -> Command.decode(new Packet('L', "Subject\0hi".getBytes(ISO_8859_1))))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessageContaining("SMFIC_HEADER: value of header Subject has no NUL terminator");
    assertThatThrownBy(() -> Command.decode(new Packet('M', new byte[0])))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_MAIL: sender is missing");
  }

  @Test
  void badAddressFamilyIsRefused() {
    assertThatThrownBy(
            () -> Command.decode(new Packet('C', "host\0X\0\0001.2.3.4\0".getBytes(ISO_8859_1))))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_CONNECT: unknown address family 'X' (0x58)");
  }

  @Test
  void connectWithoutPortOrAddressIsRefused() {
    assertThatThrownBy(() -> Command.decode(new Packet('C', "host\0004\001".getBytes(ISO_8859_1))))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_CONNECT: port needs 2 bytes, only 1 left");
    assertThatThrownBy(
            () -> Command.decode(new Packet('C', "host\0004\0\031".getBytes(ISO_8859_1))))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_CONNECT: address is missing");
  }

  @Test
  void macroNameWithoutValueIsRefused() {
    assertThatThrownBy(() -> Command.decode(new Packet('D', "Cj\0".getBytes(ISO_8859_1))))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_MACRO: value of macro j is missing");
    assertThatThrownBy(() -> Command.decode(new Packet('D', new byte[0])))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_MACRO: stage needs 1 bytes, only 0 left");
  }

  @Test
  void trailingBytesAfterTheLastFieldAreRefused() {
    assertThatThrownBy(() -> Command.decode(new Packet('H', "a\0b".getBytes(ISO_8859_1))))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_HELO: 1 unexpected bytes after the last field");
    assertThatThrownBy(() -> Command.decode(new Packet('A', new byte[] {1})))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_ABORT: 1 unexpected bytes after the last field");
  }

  @Test
  void unknownCommandByteIsRefused() {
    assertThatThrownBy(() -> Command.decode(new Packet('z', new byte[0])))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("unknown milter command 'z' (0x7a)");
  }

  @Test
  void valuesThatCannotBeEncodedAreRefusedWhenBuilt() {
    assertThatThrownBy(() -> new Command.Helo("a\0b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
    assertThatThrownBy(() -> new Command.Mail(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("MAIL needs at least one argument");
    assertThatThrownBy(() -> new Command.Connect("h", Command.Family.INET, 70000, "1.2.3.4"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port must be 0..65535, got 70000");
  }
}
