package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Limits cut the parse with a defect; huge inputs parse in linear time. The timeouts are hang
 * guards only (a quadratic path over 100,000 items takes minutes), never performance goals.
 */
class LimitsAndLinearityTest {
  private static byte[] ascii(CharSequence s) {
    return s.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void parsesHundredThousandHeaderFieldsLinearly() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 100_000; i++) {
      sb.append("X-H").append(i).append(": v\r\n");
    }
    sb.append("Subject: last\r\n\r\nbody");
    ParsedMessage m = Parsing.parse(ascii(sb), MimeLimits.PERMISSIVE);
    assertThat(m.headers()).hasSize(100_001);
    assertThat(m.headers().firstValue("subject")).contains("last");
    assertThat(m.headers().all("X-H99999")).hasSize(1);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void parsesHundredThousandPartsLinearly() {
    StringBuilder sb = new StringBuilder("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
    for (int i = 0; i < 100_000; i++) {
      sb.append("--b\r\nContent-Type: text/plain\r\n\r\npart ").append(i).append("\r\n");
    }
    sb.append("--b--\r\n");
    ParsedMessage m = Parsing.parse(ascii(sb), MimeLimits.PERMISSIVE);
    assertThat(m.root().children()).hasSize(100_000);
    assertThat(m.part("100000").orElseThrow().rawBody().latin1()).isEqualTo("part 99999");
    assertThat(m.defects()).isEmpty();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void parsesHundredThousandBoundaryLinesOfDeepNestingLinearly() {
    // Nesting as deep as the limit allows, then 100,000 lines that each must be matched against
    // every open boundary.
    int depth = MimeLimits.PERMISSIVE.maxDepth();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      sb.append("Content-Type: multipart/mixed; boundary=level").append(i).append("\r\n\r\n");
      sb.append("--level").append(i).append("\r\n");
    }
    sb.append("\r\n");
    for (int i = 0; i < 100_000; i++) {
      sb.append("--level0x\r\n");
    }
    ParsedMessage m = Parsing.parse(ascii(sb), MimeLimits.PERMISSIVE);
    assertThat(m.parts().size()).isEqualTo(depth + 1);
    assertThat(m.hasDefect(DefectType.CLOSE_BOUNDARY_MISSING)).isTrue();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void floodOfBareLineFeedsGivesOneDefect() {
    ParsedMessage m = Parsing.parse(ascii("Subject: x\n\n" + "\n".repeat(100_000)));
    assertThat(m.defects()).extracting(Defect::type).containsExactly(DefectType.BARE_LF);
    assertThat(m.defects().get(0).detail()).contains("100002 lines");
  }

  @Test
  void depthLimitKeepsDeeperMultipartsAsLeaves() {
    MimeLimits limits = MimeLimits.builder().maxDepth(2).build();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      sb.append("Content-Type: multipart/mixed; boundary=l")
          .append(i)
          .append("\r\n\r\n--l")
          .append(i)
          .append("\r\n");
    }
    ParsedMessage m = Parsing.parse(ascii(sb), limits);
    assertThat(m.parts()).extracting(MimePart::depth).containsExactly(0, 1, 2);
    assertThat(m.hasDefect(DefectType.LIMIT_DEPTH)).isTrue();
    assertThat(m.parts().get(2).isMultipart()).isFalse();
  }

  @Test
  void partLimitStopsRecordingParts() {
    MimeLimits limits = MimeLimits.builder().maxParts(3).build();
    String msg =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            + "--b\r\n\r\n1\r\n--b\r\n\r\n2\r\n--b\r\n\r\n3\r\n--b--\r\n";
    ParsedMessage m = Parsing.parse(ascii(msg), limits);
    assertThat(m.parts()).hasSize(3);
    assertThat(m.hasDefect(DefectType.LIMIT_PARTS)).isTrue();
    assertThat(m.root().epilogue().size()).isZero();
  }

  @Test
  void headerCountAndSizeLimitsSkipFields() {
    MimeLimits limits = MimeLimits.builder().maxHeaderCount(2).maxHeaderSize(20).build();
    String msg = "A: 1\r\nB: 0123456789012345678901234\r\nC: 3\r\n folded\r\nD: 4\r\n\r\nbody";
    ParsedMessage m = Parsing.parse(ascii(msg), limits);
    assertThat(m.headers()).extracting(HeaderField::name).containsExactly("A", "C");
    assertThat(m.hasDefect(DefectType.LIMIT_HEADER_SIZE)).isTrue();
    assertThat(m.hasDefect(DefectType.LIMIT_HEADER_COUNT)).isTrue();
    assertThat(m.root().rawBody().latin1()).isEqualTo("body");
  }

  @Test
  void messageSizeLimitParsesOnlyThePrefix() {
    MimeLimits limits = MimeLimits.builder().maxMessageSize(16).build();
    String msg = "Subject: x\r\n\r\n0123456789";
    ParsedMessage m = Parsing.parse(ascii(msg), limits);
    assertThat(m.size()).isEqualTo(msg.length());
    assertThat(m.bytes().size()).isEqualTo(16);
    assertThat(m.root().rawBody().latin1()).isEqualTo("01");
    assertThat(m.hasDefect(DefectType.LIMIT_MESSAGE_SIZE)).isTrue();
  }

  @Test
  void longLinesAreReported() {
    MimeLimits limits = MimeLimits.builder().maxLineLength(10).build();
    ParsedMessage m = Parsing.parse(ascii("Subject: a very long subject\r\n\r\nok\r\n"), limits);
    assertThat(m.hasDefect(DefectType.LINE_TOO_LONG)).isTrue();
  }

  @Test
  void invalidLimitsAreRefusedWithTheValue() {
    assertThatThrownBy(() -> MimeLimits.builder().maxParts(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxParts")
        .hasMessageContaining("0");
  }

  @Test
  void accumulatorKeepsOnlyTheLimitAndCountsTheRest() {
    MessageAccumulator acc =
        MessageParser.create(MimeLimits.builder().maxMessageSize(100).build()).accumulator();
    byte[] chunk = new byte[64];
    for (int i = 0; i < 1000; i++) {
      acc.append(chunk);
    }
    ParsedMessage m = acc.finish();
    assertThat(m.size()).isEqualTo(64_000);
    assertThat(m.bytes().size()).isEqualTo(100);
    assertThatThrownBy(acc::finish).isInstanceOf(IllegalStateException.class);
  }
}
