package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Runs every parse over the whole input, a heap and a direct {@link ByteBuffer}, the accumulator
 * fed one byte at a time, and the accumulator fed random splits, and checks that all give the same
 * tree (as Okio's tests run each case over several sources).
 */
final class Parsing {
  private Parsing() {}

  static ParsedMessage parse(String message) {
    return parse(message.getBytes(StandardCharsets.ISO_8859_1), MimeLimits.DEFAULT);
  }

  static ParsedMessage parse(byte[] message) {
    return parse(message, MimeLimits.DEFAULT);
  }

  static ParsedMessage parse(byte[] message, MimeLimits limits) {
    MessageParser parser = MessageParser.create(limits);
    ParsedMessage whole = parser.parse(message);
    String expected = describe(whole);

    byte[] padded = new byte[message.length + 7];
    System.arraycopy(message, 0, padded, 3, message.length);
    assertThat(describe(parser.parse(padded, 3, message.length)))
        .as("offset slice")
        .isEqualTo(expected);

    assertThat(describe(parser.parse(ByteBuffer.wrap(message))))
        .as("heap buffer")
        .isEqualTo(expected);
    ByteBuffer direct = ByteBuffer.allocateDirect(message.length).put(message).flip();
    assertThat(describe(parser.parse(direct))).as("direct buffer").isEqualTo(expected);

    if (message.length <= 20_000) {
      MessageAccumulator oneByte = parser.accumulator();
      for (int i = 0; i < message.length; i++) {
        oneByte.append(message, i, 1);
      }
      assertThat(describe(oneByte.finish())).as("one byte at a time").isEqualTo(expected);
    }

    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    MessageAccumulator splits = parser.accumulator();
    int p = 0;
    while (p < message.length) {
      int n = Math.min(message.length - p, 1 + random.nextInt(Math.max(1, message.length / 4 + 1)));
      if (random.nextBoolean()) {
        splits.append(message, p, n);
      } else {
        splits.append(ByteBuffer.wrap(message, p, n));
      }
      p += n;
    }
    assertThat(describe(splits.finish())).as("random splits, seed %d", seed).isEqualTo(expected);
    return whole;
  }

  /** Everything the structure pass records, as text, for comparing parses. */
  static String describe(ParsedMessage m) {
    StringBuilder sb = new StringBuilder();
    sb.append("size=").append(m.size()).append('\n');
    for (MimePart p : m.parts()) {
      sb.append(p.path().isEmpty() ? "root" : p.path())
          .append(' ')
          .append(p.mediaType())
          .append(" [")
          .append(p.start())
          .append(',')
          .append(p.headerEnd())
          .append(',')
          .append(p.bodyStart())
          .append(',')
          .append(p.bodyEnd())
          .append("] pre=")
          .append(p.preamble().size())
          .append(" epi=")
          .append(p.epilogue().size())
          .append(" children=")
          .append(p.children().size())
          .append('\n');
      for (HeaderField f : p.headers()) {
        sb.append("  ").append(f.name()).append(": ").append(f.value()).append('\n');
      }
    }
    for (Defect d : m.defects()) {
      sb.append("defect ").append(d).append('\n');
    }
    return sb.toString();
  }
}
