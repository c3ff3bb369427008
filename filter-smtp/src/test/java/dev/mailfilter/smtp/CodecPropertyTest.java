package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testkit.ChunkedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded properties: random messages, with dots at line starts, survive the client's stuffing and
 * our unstuffing in any split; random paths survive printing and parsing. A failure names its seed.
 */
class CodecPropertyTest {
  private static final int RUNS = 300;

  /** A message of CRLF lines, many starting with dots, some holding bare CR or LF if asked. */
  static byte[] message(SplittableRandom random, boolean bareLineEnds) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int lines = random.nextInt(0, 40);
    for (int l = 0; l < lines; l++) {
      switch (random.nextInt(6)) {
        case 0 -> out.writeBytes(Feeds.bytes("."));
        case 1 -> out.writeBytes(Feeds.bytes(".."));
        case 2 -> out.writeBytes(Feeds.bytes("." + "x".repeat(random.nextInt(5))));
        default -> {}
      }
      int length = random.nextInt(0, random.nextInt(10) == 0 ? 3000 : 80);
      for (int i = 0; i < length; i++) {
        int b = random.nextInt(256);
        if (b == '\r' || b == '\n') {
          if (!bareLineEnds) {
            b = '.';
          } else if (b == '\r' && random.nextBoolean()) {
            // A bare CR must not be followed by LF, or it is a line end.
            out.write('\r');
            b = 'c';
          }
        }
        out.write(b);
      }
      out.writeBytes(Feeds.bytes("\r\n"));
    }
    return out.toByteArray();
  }

  static byte[] wire(byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(Feeds.stuff(content));
    out.writeBytes(Feeds.bytes(".\r\nQUIT\r\n"));
    return out.toByteArray();
  }

  /** The content as NORMALIZE delivers it: every bare CR or LF as CRLF. */
  static byte[] normalized(byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < content.length; i++) {
      byte b = content[i];
      boolean crlf = b == '\r' && i + 1 < content.length && content[i + 1] == '\n';
      if (crlf) {
        out.writeBytes(Feeds.bytes("\r\n"));
        i++;
      } else if (b == '\r' || b == '\n') {
        out.writeBytes(Feeds.bytes("\r\n"));
      } else {
        out.write(b);
      }
    }
    return out.toByteArray();
  }

  @Test
  void stuffedMessagesSurviveUnstuffingInAnySplit() throws IOException {
    for (int run = 0; run < RUNS; run++) {
      long seed = 1000 + run;
      SplittableRandom random = new SplittableRandom(seed);
      boolean bare = random.nextBoolean();
      byte[] content = message(random, bare);
      byte[] wire = wire(content);
      for (BareLineEnd policy : BareLineEnd.values()) {
        SmtpReader reader =
            SmtpReader.of(
                new ChunkedInputStream(wire, seed, 1 + random.nextInt(100)),
                SmtpLimits.defaults().withBareLineEnd(policy));
        Feeds.Collect sink = new Feeds.Collect();
        DataResult result = reader.readData(sink);
        byte[] expected = policy == BareLineEnd.NORMALIZE ? normalized(content) : content;
        assertThat(sink.bytes.toByteArray()).as("seed %d, %s", seed, policy).isEqualTo(expected);
        assertThat(result.ended()).as("seed %d", seed).isTrue();
        assertThat(result.size()).as("seed %d", seed).isEqualTo(expected.length);
        assertThat(result.refusal().isPresent())
            .as("seed %d, %s", seed, policy)
            .isEqualTo(policy == BareLineEnd.REJECT && result.hasBareLineEnds());
        assertThat(reader.readCommand(Capabilities.none(), false))
            .as("seed %d", seed)
            .contains(new Command.Quit());
      }
    }
  }

  private static final String ATEXT = "abcxyzABCXYZ0189!#$%&'*+-/=?^_`{|}~";

  static String atom(SplittableRandom random) {
    StringBuilder sb = new StringBuilder();
    for (int i = random.nextInt(1, 8); i > 0; i--) {
      sb.append(ATEXT.charAt(random.nextInt(ATEXT.length())));
    }
    return sb.toString();
  }

  static String label(SplittableRandom random) {
    String chars = "abcdefghijklmnopqrstuvwxyzABC0123456789-";
    StringBuilder sb = new StringBuilder().append((char) ('a' + random.nextInt(26)));
    for (int i = random.nextInt(0, 10); i > 0; i--) {
      sb.append(chars.charAt(random.nextInt(chars.length())));
    }
    return sb.append((char) ('0' + random.nextInt(10))).toString();
  }

  @Test
  void randomPathsSurvivePrintingAndParsing() {
    for (int run = 0; run < RUNS; run++) {
      long seed = 5000 + run;
      SplittableRandom random = new SplittableRandom(seed);
      StringBuilder local = new StringBuilder(atom(random));
      for (int i = random.nextInt(3); i > 0; i--) {
        local.append('.').append(atom(random));
      }
      String localPart =
          random.nextInt(4) == 0
              ? "\"" + local.toString().replace("\"", "\\\"") + " @x\""
              : local.toString();
      StringBuilder domain = new StringBuilder(label(random));
      for (int i = random.nextInt(1, 4); i > 0; i--) {
        domain.append('.').append(label(random));
      }
      String path = "<" + localPart + "@" + domain + ">";
      Command c = Command.parse("RCPT TO:" + path, Capabilities.all(0), false);
      assertThat(c).as("seed %d: %s", seed, path).isInstanceOf(Command.Rcpt.class);
      Path parsed = ((Command.Rcpt) c).to();
      assertThat(parsed.toString()).as("seed %d", seed).isEqualTo(path);
      assertThat(parsed.normalizedDomain())
          .as("seed %d", seed)
          .isEqualTo(domain.toString().toLowerCase(java.util.Locale.ROOT));
      Command again = Command.parse("RCPT TO:" + parsed, Capabilities.all(0), false);
      assertThat(again).as("seed %d", seed).isEqualTo(c);
    }
  }
}
