package dev.mailfilter.milter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testkit.ChunkedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded random commands and replies round-trip through the wire format in random splits, and
 * random bytes never make the codec fail other than with a {@link MilterProtocolException}. A
 * failure names its seed.
 */
class CodecPropertyTest {
  private static final long SEED = 0x6d696c746572L;
  private static final int CASES = 2_000;

  @Test
  void randomCommandsRoundTrip() throws IOException {
    SplittableRandom seeds = new SplittableRandom(SEED);
    for (int i = 0; i < CASES; i++) {
      long seed = seeds.nextLong();
      SplittableRandom r = new SplittableRandom(seed);
      List<Command> commands = new ArrayList<>();
      for (int n = 1 + r.nextInt(8); n > 0; n--) {
        commands.add(randomCommand(r));
      }
      byte[] wire = Feeds.concat(commands.stream().map(Command::toPacket).toList());
      List<Command> decoded = new ArrayList<>();
      for (Packet p : Feeds.readAll(new ChunkedInputStream(wire, seed, 1 + r.nextInt(64)))) {
        decoded.add(Command.decode(p));
      }
      assertThat(decoded).as("seed %d", seed).isEqualTo(commands);
    }
  }

  @Test
  void randomRepliesRoundTrip() throws IOException {
    SplittableRandom seeds = new SplittableRandom(SEED + 1);
    for (int i = 0; i < CASES; i++) {
      long seed = seeds.nextLong();
      SplittableRandom r = new SplittableRandom(seed);
      List<Response> responses = new ArrayList<>();
      for (int n = 1 + r.nextInt(8); n > 0; n--) {
        responses.add(randomResponse(r));
      }
      byte[] wire = Feeds.concat(responses.stream().map(Response::toPacket).toList());
      List<Response> decoded = new ArrayList<>();
      for (Packet p : Feeds.readAll(new ChunkedInputStream(wire, seed, 1 + r.nextInt(64)))) {
        decoded.add(Response.decode(p));
      }
      assertThat(decoded).as("seed %d", seed).isEqualTo(responses);
    }
  }

  @Test
  void randomBytesFailOnlyWithAProtocolError() {
    SplittableRandom seeds = new SplittableRandom(SEED + 2);
    for (int i = 0; i < CASES * 5; i++) {
      long seed = seeds.nextLong();
      SplittableRandom r = new SplittableRandom(seed);
      byte[] bytes = new byte[r.nextInt(200)];
      r.nextBytes(bytes);
      // Half the cases get a plausible length and command so that decoding is reached too.
      if (bytes.length > 5 && r.nextBoolean()) {
        int length = r.nextInt(bytes.length - 3);
        bytes[0] = 0;
        bytes[1] = 0;
        bytes[2] = (byte) (length >>> 8);
        bytes[3] = (byte) length;
        bytes[4] = (byte) "ABCDEHKLMNOQRTUacdhimpqrsty".charAt(r.nextInt(27));
      }
      PacketReader reader = PacketReader.of(new ByteArrayInputStream(bytes), 4096);
      try {
        for (Optional<Packet> p = reader.next(); p.isPresent(); p = reader.next()) {
          if (Character.isUpperCase(p.get().code())) {
            Command.decode(p.get());
          } else {
            Response.decode(p.get());
          }
        }
      } catch (MilterProtocolException expected) {
        assertThat(expected.getMessage()).as("seed %d", seed).isNotBlank();
      } catch (Exception | Error e) {
        throw new AssertionError("seed " + seed + ": " + e, e);
      }
    }
  }

  private static Command randomCommand(SplittableRandom r) {
    return switch (r.nextInt(15)) {
      case 0 -> new Command.OptNeg(r.nextInt(), r.nextInt(), r.nextInt());
      case 1 -> {
        Map<String, String> macros = new LinkedHashMap<>();
        for (int n = r.nextInt(5); n > 0; n--) {
          macros.put(text(r, 12), text(r, 40));
        }
        yield new Command.Macro("CHMRTLNBEAU".charAt(r.nextInt(11)), macros);
      }
      case 2 -> {
        Command.Family family = Command.Family.values()[r.nextInt(4)];
        yield family == Command.Family.UNKNOWN
            ? new Command.Connect(text(r, 30), family, 0, "")
            : new Command.Connect(text(r, 30), family, r.nextInt(65536), text(r, 40));
      }
      case 3 -> new Command.Helo(text(r, 30));
      case 4 -> new Command.Mail(args(r));
      case 5 -> new Command.Rcpt(args(r));
      case 6 -> new Command.Data();
      case 7 -> new Command.Header(text(r, 20), text(r, 200));
      case 8 -> new Command.Eoh();
      case 9 -> {
        byte[] chunk = new byte[r.nextInt(2000)];
        r.nextBytes(chunk);
        yield new Command.Body(chunk);
      }
      case 10 -> new Command.BodyEob();
      case 11 -> new Command.Abort();
      case 12 -> new Command.Quit();
      case 13 -> new Command.QuitNc();
      default -> new Command.Unknown(text(r, 50));
    };
  }

  private static Response randomResponse(SplittableRandom r) {
    String name = "X-" + ascii(r, 1 + r.nextInt(20), 'A', 'z');
    String value = ascii(r, r.nextInt(100), ' ', '~');
    return switch (r.nextInt(7)) {
      case 0 ->
          List.of(
                  Response.CONTINUE,
                  Response.ACCEPT,
                  Response.REJECT,
                  Response.TEMPFAIL,
                  Response.DISCARD,
                  Response.PROGRESS,
                  Response.SKIP)
              .get(r.nextInt(7));
      case 1 -> new Response.Quarantine("q" + value);
      case 2 -> {
        int code = r.nextBoolean() ? 450 + r.nextInt(5) : 550 + r.nextInt(5);
        List<String> lines = new ArrayList<>();
        for (int n = 1 + r.nextInt(4); n > 0; n--) {
          lines.add(ascii(r, r.nextInt(60), ' ', '~'));
        }
        yield new Response.ReplyCode(code, code / 100 + ".7." + r.nextInt(30), lines);
      }
      case 3 -> new Response.AddHeader(name, value);
      case 4 -> new Response.InsHeader(r.nextInt(100), name, value);
      case 5 -> new Response.ChgHeader(1 + r.nextInt(100), name, value);
      default -> {
        Map<Integer, String> macros = new LinkedHashMap<>();
        for (int n = r.nextInt(4); n > 0; n--) {
          macros.put(r.nextInt(7), ascii(r, r.nextInt(30), ' ', '~'));
        }
        yield new Response.OptNegReply(r.nextInt(), r.nextInt(), r.nextInt(), macros);
      }
    };
  }

  private static List<String> args(SplittableRandom r) {
    List<String> args = new ArrayList<>();
    for (int n = 1 + r.nextInt(4); n > 0; n--) {
      args.add(text(r, 40));
    }
    return args;
  }

  /** Any bytes but NUL, as ISO-8859-1 chars: what an MTA may send. */
  private static String text(SplittableRandom r, int max) {
    return ascii(r, r.nextInt(max + 1), '\u0001', '\u00ff');
  }

  private static String ascii(SplittableRandom r, int length, char from, char to) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append((char) r.nextInt(from, to + 1));
    }
    return s.toString();
  }
}
