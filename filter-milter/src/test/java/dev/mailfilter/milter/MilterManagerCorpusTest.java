package dev.mailfilter.milter;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real milter traffic between Postfix 2.5.5 and milter-manager's test milter (hex dumps shipped
 * with milter-manager): both directions decode completely into the expected commands and replies,
 * and everything re-encodes to the very same bytes.
 */
class MilterManagerCorpusTest {
  private static final Path DIR =
      Path.of(
          System.getProperty("mailfilter.shared", "../shared"),
          "corpora/milter-smtp/milter-manager/data/packet");

  private static final Pattern BLOCK = Pattern.compile("^(\\s*)Data \\((\\d+) bytes\\)\\s*$");
  private static final Pattern HEX_LINE = Pattern.compile("^\\s*([0-9a-f]{4})  (.*)$");

  /**
   * Per dump: each block of bytes as {@code >} (MTA to milter) or {@code <} (milter to MTA) and the
   * codes of the packets decoded from it. A verdict other than continue ends the transaction
   * (abort) or the connection.
   */
  private static final Map<String, String> EXPECTED =
      Map.ofEntries(
          entry(
              "accept-on-body",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <a >AAQ"),
          entry("accept-on-connect", ">O <O >DC <a"),
          entry(
              "accept-on-eoh",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <a >AAQ"),
          entry(
              "accept-on-eom",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <c >DE <a >AAQ"),
          entry("accept-on-header", ">O <O >DC <c >DH <c >DM <c >DR <c >DL <a >AAQ"),
          entry("accept-on-helo", ">O <O >DC <c >DH <a"),
          entry("accept-on-mail", ">O <O >DC <c >DH <c >DM <a >AAQ"),
          entry("accept-on-rcpt", ">O <O >DC <c >DH <c >DM <c >DR <a >AAQ"),
          entry(
              "discard-on-body",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <d >AAQ"),
          entry(
              "discard-on-connect",
              ">O <O >DC <d >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <c >DE <c >AAQ"),
          entry(
              "discard-on-eoh",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <d >AAQ"),
          entry(
              "discard-on-eom",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <c >DE <d >AAQ"),
          entry("discard-on-header", ">O <O >DC <c >DH <c >DM <c >DR <c >DL <d >AAQ"),
          entry(
              "discard-on-helo",
              ">O <O >DC <c >DH <d >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <c >DE <c >AAQ"),
          entry("discard-on-mail", ">O <O >DC <c >DH <c >DM <d >AAQ"),
          entry("discard-on-rcpt", ">O <O >DC <c >DH <c >DM <c >DR <d >AAQ"),
          entry(
              "reject-on-body",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <r >AAQ"),
          entry("reject-on-connect", ">O <O >DC <r"),
          entry(
              "reject-on-eoh",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <r >AAQ"),
          entry(
              "reject-on-eom",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <c >DE <r >AAQ"),
          entry("reject-on-header", ">O <O >DC <c >DH <c >DM <c >DR <c >DL <r >AAQ"),
          entry("reject-on-helo", ">O <O >DC <c >DH <r"),
          entry("reject-on-mail", ">O <O >DC <c >DH <c >DM <r >AQ"),
          entry("reject-on-rcpt", ">O <O >DC <c >DH <c >DM <c >DR <r >AAQ"),
          entry(
              "reject-with-text-on-body",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <y >AAQ"),
          entry("reject-with-text-on-connect", ">O <O >DC <y"),
          entry(
              "reject-with-text-on-eoh",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <y >AAQ"),
          entry(
              "reject-with-text-on-eom",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <c >DE <y >AAQ"),
          entry("reject-with-text-on-header", ">O <O >DC <c >DH <c >DM <c >DR <c >DL <y >AAQ"),
          entry("reject-with-text-on-helo", ">O <O >DC <c >DH <y"),
          entry("reject-with-text-on-mail", ">O <O >DC <c >DH <c >DM <y >AQ"),
          entry("reject-with-text-on-rcpt", ">O <O >DC <c >DH <c >DM <c >DR <y >AAQ"),
          entry(
              "tempfail-on-body",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <t >AAQ"),
          entry("tempfail-on-connect", ">O <O >DC <t"),
          entry(
              "tempfail-on-eoh",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <t >AAQ"),
          entry(
              "tempfail-on-eom",
              ">O <O >DC <c >DH <c >DM <c >DR <c >DL <c >DL <c >DL <c >DL <c >DN <c >DB <c >DE <t >AAQ"),
          entry("tempfail-on-header", ">O <O >DC <c >DH <c >DM <c >DR <c >DL <t >AAQ"),
          entry("tempfail-on-helo", ">O <O >DC <c >DH <t"),
          entry("tempfail-on-mail", ">O <O >DC <c >DH <c >DM <t >AQ"),
          entry("tempfail-on-rcpt", ">O <O >DC <c >DH <c >DM <c >DR <t >AAQ"));

  /** One direction's bytes in a dump. */
  record Block(boolean fromMta, byte[] bytes) {}

  static Stream<String> dumps() {
    return EXPECTED.keySet().stream().sorted();
  }

  @Test
  void everyDumpHasAnExpectation() throws IOException {
    try (Stream<Path> files = Files.list(DIR)) {
      assertThat(
              files
                  .map(p -> p.getFileName().toString())
                  .filter(n -> n.endsWith(".log"))
                  .map(n -> n.substring("milter-packet-".length(), n.length() - ".log".length())))
          .containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
    }
  }

  @ParameterizedTest
  @MethodSource("dumps")
  void dumpDecodesCompletelyToTheExpectedSequenceAndReencodesByteForByte(String name)
      throws IOException {
    List<Block> blocks = blocks(DIR.resolve("milter-packet-" + name + ".log"));
    List<String> seen = new ArrayList<>();
    for (Block block : blocks) {
      StringBuilder codes = new StringBuilder(block.fromMta() ? ">" : "<");
      ByteArrayOutputStream reencoded = new ByteArrayOutputStream();
      PacketReader reader = PacketReader.of(new ByteArrayInputStream(block.bytes()));
      for (Optional<Packet> p = reader.next(); p.isPresent(); p = reader.next()) {
        if (block.fromMta()) {
          Command command = Command.decode(p.get());
          codes.append(letter(command));
          reencoded.writeBytes(command.toPacket().toBytes());
        } else {
          Response response = Response.decode(p.get());
          codes.append(letter(response));
          // The test milter sends its reply text without doubling '%' as libmilter does, so
          // that one reply is compared decoded (below) rather than byte for byte.
          reencoded.writeBytes(
              response instanceof Response.ReplyCode ? p.get().toBytes() : response.encode());
        }
      }
      assertThat(reencoded.toByteArray()).isEqualTo(block.bytes());
      seen.add(codes.toString());
    }
    assertThat(String.join(" ", seen)).isEqualTo(EXPECTED.get(name));
  }

  @Test
  void decodesTheValuesOfAWholeTransaction() throws IOException {
    List<Object> all = new ArrayList<>();
    for (Block block : blocks(DIR.resolve("milter-packet-reject-with-text-on-eom.log"))) {
      PacketReader reader = PacketReader.of(new ByteArrayInputStream(block.bytes()));
      for (Optional<Packet> p = reader.next(); p.isPresent(); p = reader.next()) {
        all.add(block.fromMta() ? Command.decode(p.get()) : Response.decode(p.get()));
      }
    }
    assertThat(all.get(0)).isEqualTo(new Command.OptNeg(2, 0x13f, 0x7f));
    assertThat(all.get(1)).isEqualTo(new Response.OptNegReply(2, 0x13f, 0, Map.of()));
    assertThat(all.get(2))
        .isEqualTo(
            new Command.Macro(
                'C',
                new TreeMap<>(
                    Map.of(
                        "j", "delian.cozmixng.org",
                        "{daemon_name}", "delian.cozmixng.org",
                        "v", "Postfix 2.5.5"))));
    assertThat(all.get(3))
        .isEqualTo(new Command.Connect("localhost", Command.Family.INET, 0xc3e3, "127.0.0.1"));
    assertThat(all).contains(new Command.Mail(List.of("<kou@cozmixng.org>")));
    assertThat(all).contains(new Command.Rcpt(List.of("<kou@localhost>")));
    assertThat(all).contains(new Command.Header("From", "<kou@cozmixng.org>"));
    assertThat(all).contains(new Command.Header("Message-Id", "<28c3.0004.0000@delian>"));
    assertThat(all)
        .contains(
            new Command.Body(
                ("La de da de da 1.\r\nLa de da de da 2.\r\nLa de da de da 3.\r\n"
                        + "La de da de da 4.\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
    assertThat(all).contains(new Command.BodyEob());
    Response.ReplyCode reply =
        all.stream()
            .filter(Response.ReplyCode.class::isInstance)
            .map(Response.ReplyCode.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(reply.code()).isEqualTo(554);
    assertThat(reply.status()).isEqualTo("5.7.1");
    // "1% 2%% 3%%%" on the wire, read as Postfix's milter8.c reads it: "%%" is one '%', a lone
    // '%' is dropped.
    assertThat(reply.lines()).containsExactly("1 2% 3%");
    assertThat(all).contains(new Command.Macro('L', Map.of("i", "3372642DF39")));
    assertThat(all.get(all.size() - 1)).isEqualTo(new Command.Quit());
  }

  static List<Block> blocks(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = BLOCK.matcher(lines.get(i));
      if (!m.matches()) {
        continue;
      }
      boolean fromMta = m.group(1).isEmpty();
      int n = Integer.parseInt(m.group(2));
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      while (bytes.size() < n) {
        i++;
        Matcher h = HEX_LINE.matcher(lines.get(i));
        if (!h.matches()) {
          continue;
        }
        int offset = Integer.parseInt(h.group(1), 16);
        assertThat(offset).as("offset in %s line %d", file, i + 1).isEqualTo(bytes.size());
        // The ASCII column follows the hex one; take only as many tokens as the line holds bytes.
        String[] tokens = h.group(2).trim().split(" +");
        for (int t = 0; t < Math.min(16, n - offset); t++) {
          bytes.write(Integer.parseInt(tokens[t], 16));
        }
      }
      blocks.add(new Block(fromMta, bytes.toByteArray()));
    }
    return blocks;
  }

  static char letter(Command command) {
    return switch (command) {
      case Command.OptNeg o -> 'O';
      case Command.Macro m -> 'D';
      case Command.Connect c -> 'C';
      case Command.Helo h -> 'H';
      case Command.Mail m -> 'M';
      case Command.Rcpt r -> 'R';
      case Command.Data d -> 'T';
      case Command.Header h -> 'L';
      case Command.Eoh e -> 'N';
      case Command.Body b -> 'B';
      case Command.BodyEob e -> 'E';
      case Command.Abort a -> 'A';
      case Command.Quit q -> 'Q';
      case Command.QuitNc q -> 'K';
      case Command.Unknown u -> 'U';
    };
  }

  static char letter(Response response) {
    return switch (response) {
      case Response.Simple s -> s.code();
      case Response.Quarantine q -> 'q';
      case Response.ReplyCode y -> 'y';
      case Response.AddHeader h -> 'h';
      case Response.InsHeader i -> 'i';
      case Response.ChgHeader m -> 'm';
      case Response.OptNegReply o -> 'O';
    };
  }
}
