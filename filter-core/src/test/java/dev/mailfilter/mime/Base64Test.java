package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Base64Test {
  private static byte[] decode(String s, Defects d) {
    byte[] src = s.getBytes(StandardCharsets.ISO_8859_1);
    byte[] dst = new byte[Base64.maxDecodedLength(src.length)];
    int n = Base64.decode(src, 0, src.length, dst, 0, d);
    return Arrays.copyOf(dst, n);
  }

  private static String text(String s, Defects d) {
    return new String(decode(s, d), StandardCharsets.ISO_8859_1);
  }

  @Test
  void decodesRfc4648TestVectorsWithoutDefects() {
    String[][] vectors = {
      {"", ""},
      {"Zg==", "f"},
      {"Zm8=", "fo"},
      {"Zm9v", "foo"},
      {"Zm9vYg==", "foob"},
      {"Zm9vYmE=", "fooba"},
      {"Zm9vYmFy", "foobar"}
    };
    for (String[] v : vectors) {
      Defects d = new Defects();
      assertThat(text(v[0], d)).as(v[0]).isEqualTo(v[1]);
      assertThat(d.all).as(v[0]).isEmpty();
    }
  }

  @Test
  void skipsLineBreaksAndWhitespace() {
    Defects d = new Defects();
    assertThat(text("Zm9v\r\nYmFy\r\n", d)).isEqualTo("foobar");
    assertThat(text(" Zm 9v\tYm\nFy ", d)).isEqualTo("foobar");
    assertThat(d.all).isEmpty();
  }

  @Test
  void ignoresInvalidCharactersWithOneDefectPerCall() {
    Defects d = new Defects();
    assertThat(text("Zm9v!!!Ym*Fy", d)).isEqualTo("foobar");
    assertThat(d.types()).containsExactly(DefectType.INVALID_BASE64);
  }

  @Test
  void toleratesMissingPadding() {
    Defects d = new Defects();
    assertThat(text("Zm9vYg", d)).isEqualTo("foob");
    assertThat(d.types()).containsExactly(DefectType.BASE64_PADDING);
  }

  @Test
  void toleratesExcessPadding() {
    Defects d = new Defects();
    assertThat(text("Zm8===", d)).isEqualTo("fo");
    assertThat(d.types()).containsExactly(DefectType.BASE64_PADDING);
  }

  @Test
  void decodesABlockAfterPaddingThatStartsOnANewLine() {
    Defects d = new Defects();
    assertThat(text("Zg==\r\nZm8=", d)).isEqualTo("ffo");
    assertThat(d.types()).containsExactly(DefectType.BASE64_PADDING);
  }

  @Test
  void stopsAtPaddingFollowedByTextOnTheSameLine() {
    // RFC 2045 6.8: "=" is the end of the data; "Zg== ignored" is not a second block.
    Defects d = new Defects();
    assertThat(text("Zg== ignored\r\n", d)).isEqualTo("f");
    assertThat(d.types()).containsExactly(DefectType.BASE64_PADDING);
    assertThat(text("Zg==Zm8=", new Defects())).isEqualTo("f");
  }

  @Test
  void dropsALoneTrailingSextet() {
    Defects d = new Defects();
    assertThat(text("Zm9vY", d)).isEqualTo("foo");
    assertThat(d.types()).contains(DefectType.INVALID_BASE64);
  }

  @Test
  void decodesIntoAnOffsetOfTheDestination() {
    byte[] src = "xxZm9vYmFyxx".getBytes(StandardCharsets.US_ASCII);
    byte[] dst = new byte[10];
    int n = Base64.decode(src, 2, 8, dst, 3, new Defects());
    assertThat(n).isEqualTo(6);
    assertThat(new String(dst, 3, 6, StandardCharsets.US_ASCII)).isEqualTo("foobar");
  }

  @Test
  void rejectsRangesOutsideTheArrays() {
    byte[] src = new byte[4];
    assertThatThrownBy(() -> Base64.decode(src, 2, 4, new byte[3], 0, new Defects()))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Base64.decode(src, 0, 4, new byte[2], 0, new Defects()))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Base64.maxDecodedLength(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }
}
