package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the parser with tight limits so that every limit is reached often. In the normal test run
 * this replays the seeds in {@code MessageParserFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class MessageParserFuzzTest {
  private static final MimeLimits LIMITS =
      MimeLimits.builder()
          .maxDepth(6)
          .maxParts(40)
          .maxHeaderCount(30)
          .maxHeaderSize(400)
          .maxLineLength(200)
          .maxMessageSize(20_000)
          .build();

  @FuzzTest(maxDuration = "20s")
  void anyInputParsesWithinLimitsAndDecodes(byte[] input) {
    MessageParser parser = MessageParser.create(LIMITS);
    ParsedMessage m = parser.parse(input);
    Invariants.check(m, LIMITS);
    Invariants.decodeEverything(m);

    // The accumulator, fed in pieces sized by the input itself, gives the same parse.
    MessageAccumulator acc = parser.accumulator();
    int p = 0;
    int step = 1;
    while (p < input.length) {
      int n = Math.min(step, input.length - p);
      acc.append(input, p, n);
      p += n;
      step = 1 + (input[p - 1] & 0x3f);
    }
    assertThat(Parsing.describe(acc.finish())).isEqualTo(Parsing.describe(m));
  }
}
