package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuotedPrintableTest {
  private static String qp(String s, Defects d) {
    byte[] src = s.getBytes(StandardCharsets.ISO_8859_1);
    byte[] dst = new byte[src.length];
    int n = QuotedPrintable.decode(src, 0, src.length, dst, 0, d);
    return new String(dst, 0, n, StandardCharsets.ISO_8859_1);
  }

  private static String q(String s, Defects d) {
    byte[] src = s.getBytes(StandardCharsets.ISO_8859_1);
    byte[] dst = new byte[src.length];
    int n = QuotedPrintable.decodeQ(src, 0, src.length, dst, 0, d);
    return new String(dst, 0, n, StandardCharsets.ISO_8859_1);
  }

  @Test
  void decodesHexEscapesInBothCases() {
    Defects d = new Defects();
    assertThat(qp("caf=E9 =3d =c3=a9", d)).isEqualTo("caf\u00e9 = \u00c3\u00a9");
    assertThat(d.all).isEmpty();
  }

  @Test
  void removesSoftLineBreaksWithCrlfLfAndTrailingWhitespace() {
    Defects d = new Defects();
    assertThat(qp("Now's the time =\r\nfor all folk=\nto come=  \t\r\n here", d))
        .isEqualTo("Now's the time for all folkto come here");
    assertThat(d.all).isEmpty();
  }

  @Test
  void stripsTrailingWhitespaceOnEachLineButKeepsLineBreaks() {
    // RFC 2045 6.7 rule (3): trailing whitespace was added in transport.
    Defects d = new Defects();
    assertThat(qp("a  \r\nb\t\nc =20\r\nd  ", d)).isEqualTo("a\r\nb\nc  \r\nd");
    assertThat(d.all).isEmpty();
  }

  @Test
  void keepsInvalidEscapesLiterallyWithOneDefect() {
    Defects d = new Defects();
    assertThat(qp("100=% =G1 =A", d)).isEqualTo("100=% =G1 =A");
    assertThat(d.types()).containsExactly(DefectType.INVALID_QUOTED_PRINTABLE);
  }

  @Test
  void dropsASoftBreakCutOffAtTheEnd() {
    Defects d = new Defects();
    assertThat(qp("end=", d)).isEqualTo("end");
    assertThat(qp("end= ", d)).isEqualTo("end");
    assertThat(d.all).isEmpty();
  }

  @Test
  void decodesRfc2047QEncodingWithUnderscoreAsSpace() {
    Defects d = new Defects();
    assertThat(q("Keld_J=F8rn_Simonsen", d)).isEqualTo("Keld J\u00f8rn Simonsen");
    assertThat(q("a=5Fb", d)).isEqualTo("a_b");
    assertThat(d.all).isEmpty();
  }

  @Test
  void qEncodingKeepsTrailingSpacesAndEqualsLiterally() {
    Defects d = new Defects();
    assertThat(q("a_ =\r\n", d)).isEqualTo("a  =\r\n");
    assertThat(d.types()).containsExactly(DefectType.INVALID_QUOTED_PRINTABLE);
  }
}
