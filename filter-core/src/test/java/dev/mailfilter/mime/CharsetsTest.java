package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CharsetsTest {
  private static String lookupName(String label) {
    return Charsets.lookup(label).map(Charset::name).orElse(null);
  }

  private static String decode(byte[] b, String label, Defects d) {
    return Charsets.decode(b, 0, b.length, label, d);
  }

  @Test
  void mapsLabelsAsTheWhatwgEncodingStandardDoes() {
    assertThat(lookupName("utf8")).isEqualTo("UTF-8");
    assertThat(lookupName("UTF-8")).isEqualTo("UTF-8");
    assertThat(lookupName("latin1")).isEqualTo("windows-1252");
    assertThat(lookupName("ISO-8859-1")).isEqualTo("windows-1252");
    assertThat(lookupName("us-ascii")).isEqualTo("windows-1252");
    assertThat(lookupName("cp1252")).isEqualTo("windows-1252");
    assertThat(lookupName("ks_c_5601-1987")).isEqualTo("x-windows-949");
    assertThat(lookupName("gb2312")).isEqualTo("GB18030");
    assertThat(lookupName("x-sjis")).isEqualTo("windows-31j");
    assertThat(lookupName("shift-jis")).isEqualTo("windows-31j");
    assertThat(lookupName("iso-8859-9")).isEqualTo("windows-1254");
    assertThat(lookupName("koi8-r")).isEqualTo("KOI8-R");
    assertThat(Charsets.lookup("unicode-1-1-utf-7")).isPresent();
  }

  @Test
  void lookupIsCaseInsensitiveAndTrimsQuotesAndWhitespace() {
    assertThat(lookupName(" \"Utf-8\" ")).isEqualTo("UTF-8");
    assertThat(lookupName("'ISO-8859-2'")).isEqualTo("ISO-8859-2");
  }

  @Test
  void fallsBackToJavaNamesAndRejectsUnknownOrIllegalLabels() {
    assertThat(lookupName("IBM437")).isEqualTo("IBM437");
    assertThat(Charsets.lookup("no-such-charset")).isEmpty();
    assertThat(Charsets.lookup("bad label!")).isEmpty();
    assertThat(Charsets.lookup("")).isEmpty();
    assertThat(Charsets.lookup(null)).isEmpty();
  }

  @Test
  void aByteOrderMarkChoosesTheUnicodeEncodingAndIsDropped() {
    // WHATWG "decode": a BOM wins over the label. Java's UTF-16 encoder writes FE FF, and the
    // label utf-16 means UTF-16LE without one (as in browsers).
    String text = "Free offer, \u0395\u03bb\u03bb\u03ac\u03b4\u03b1";
    for (String label : new String[] {"utf-16", "UTF-16BE", "utf-16le", null}) {
      Defects d = new Defects();
      assertThat(decode(text.getBytes(StandardCharsets.UTF_16), label, d)).isEqualTo(text);
      assertThat(decode(withBom(0xFF, 0xFE, text, StandardCharsets.UTF_16LE), label, d))
          .isEqualTo(text);
      assertThat(d.all).isEmpty();
    }
    Defects d = new Defects();
    assertThat(decode(withBom(0xEF, 0xBB, 0xBF, text, StandardCharsets.UTF_8), "utf-8", d))
        .isEqualTo(text);
    assertThat(decode(withBom(0xEF, 0xBB, 0xBF, text, StandardCharsets.UTF_8), null, d))
        .isEqualTo(text);
    assertThat(d.all).isEmpty();
    // ASCII text in UTF-16 is all bytes below 0x80 and still UTF-16, not a Latin-1 copy.
    assertThat(decode("hi".getBytes(StandardCharsets.UTF_16), null, d)).isEqualTo("hi");
    assertThat(decode(withBom(0xFF, 0xFE, "hi", StandardCharsets.UTF_16LE), "utf-8", d))
        .isEqualTo("hi");
    // Without a BOM the label decides; a legacy 8-bit label keeps bytes that only look like one.
    assertThat(decode("hi".getBytes(StandardCharsets.UTF_16LE), "utf-16", d)).isEqualTo("hi");
    assertThat(decode(new byte[] {(byte) 0xFE, (byte) 0xFF, 'a'}, "iso-8859-1", d))
        .isEqualTo("\u00fe\u00ffa");
  }

  private static byte[] withBom(int b0, int b1, String text, Charset cs) {
    return concat(new byte[] {(byte) b0, (byte) b1}, text.getBytes(cs));
  }

  private static byte[] withBom(int b0, int b1, int b2, String text, Charset cs) {
    return concat(new byte[] {(byte) b0, (byte) b1, (byte) b2}, text.getBytes(cs));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void decodesWindows1252PunctuationForLatin1Labels() {
    Defects d = new Defects();
    byte[] b = {(byte) 0x93, 'h', 'i', (byte) 0x94, (byte) 0xE9};
    assertThat(decode(b, "iso-8859-1", d)).isEqualTo("\u201chi\u201d\u00e9");
    assertThat(d.all).isEmpty();
  }

  @Test
  void windows1252DecodesAsTheJdkDecoderDoesWithOrWithoutC1Bytes() {
    // The Latin-1 copy for text without 0x80-0x9F against the JDK's windows-1252 decoder, on
    // seeded random bytes of every value (with and without C1 bytes, and the five bytes
    // windows-1252 leaves unmapped, which the decoder replaces with U+FFFD and a defect).
    java.util.SplittableRandom r = new java.util.SplittableRandom(20261204);
    java.nio.charset.Charset cp1252 = java.nio.charset.Charset.forName("windows-1252");
    for (int n = 0; n < 20_000; n++) {
      byte[] b = new byte[r.nextInt(1, 40)];
      boolean c1 = r.nextInt(3) == 0;
      for (int k = 0; k < b.length; k++) {
        int v = r.nextInt(256);
        b[k] = (byte) (!c1 && v >= 0x80 && v <= 0x9F ? v + 0x20 : v);
      }
      Defects d = new Defects();
      String got = decode(b, "iso-8859-1", d);
      if (d.all.isEmpty()) {
        assertThat(got).isEqualTo(new String(b, cp1252));
      } else {
        assertThat(got).contains("\ufffd");
      }
      if (!c1) {
        assertThat(d.all).isEmpty();
        assertThat(got).isEqualTo(new String(b, StandardCharsets.ISO_8859_1));
      }
    }
  }

  @Test
  void unknownLabelFallsBackToUtf8WhenValidWithADefect() {
    Defects d = new Defects();
    assertThat(decode("\u20ac uro".getBytes(StandardCharsets.UTF_8), "x-unknown", d))
        .isEqualTo("\u20ac uro");
    assertThat(d.types()).containsExactly(DefectType.UNKNOWN_CHARSET);
  }

  @Test
  void unknownLabelFallsBackToWindows1252WhenNotUtf8() {
    Defects d = new Defects();
    assertThat(decode(new byte[] {'c', 'a', 'f', (byte) 0xE9}, "x-unknown", d))
        .isEqualTo("caf\u00e9");
    assertThat(d.types()).containsExactly(DefectType.UNKNOWN_CHARSET);
  }

  @Test
  void missingLabelFallsBackWithoutADefect() {
    Defects d = new Defects();
    assertThat(decode("\u00e9".getBytes(StandardCharsets.UTF_8), null, d)).isEqualTo("\u00e9");
    assertThat(decode(new byte[] {(byte) 0xE9}, "", d)).isEqualTo("\u00e9");
    assertThat(d.all).isEmpty();
  }

  @Test
  void malformedBytesBecomeReplacementCharactersWithOneDefect() {
    Defects d = new Defects();
    byte[] b = {'a', (byte) 0xFF, 'b', (byte) 0xC3};
    assertThat(decode(b, "utf-8", d)).isEqualTo("a\uFFFDb\uFFFD");
    assertThat(d.types()).containsExactly(DefectType.MALFORMED_TEXT);
  }

  @Test
  void decodesMultiByteCharsets() {
    Defects d = new Defects();
    assertThat(decode("\u4f60\u597d".getBytes(Charset.forName("GBK")), "gb2312", d))
        .isEqualTo("\u4f60\u597d");
    assertThat(decode("\ud55c\uad6d".getBytes(Charset.forName("EUC-KR")), "ks_c_5601-1987", d))
        .isEqualTo("\ud55c\uad6d");
    assertThat(decode("\u65e5\u672c".getBytes(Charset.forName("ISO-2022-JP")), "iso-2022-jp", d))
        .isEqualTo("\u65e5\u672c");
    assertThat(d.all).isEmpty();
  }

  @Test
  void asciiFastPathDoesNotApplyToCharsetsThatAreNotAsciiCompatible() {
    Defects d = new Defects();
    // RFC 2152 examples: "Hi Mom -+Jjo--!" is "Hi Mom -\u263a-!"; "+-" is a plus sign.
    assertThat(decode("Hi Mom -+Jjo--!".getBytes(StandardCharsets.US_ASCII), "utf-7", d))
        .isEqualTo("Hi Mom -\u263a-!");
    assertThat(decode("1 +- 1".getBytes(StandardCharsets.US_ASCII), "UTF-7", d)).isEqualTo("1 + 1");
    assertThat(decode("+ZeVnLIqe-".getBytes(StandardCharsets.US_ASCII), "utf-7", d))
        .isEqualTo("\u65e5\u672c\u8a9e");
    assertThat(decode("a\u0000".getBytes(StandardCharsets.UTF_16BE), "utf-16be", d))
        .isEqualTo("a\u0000");
    assertThat(d.all).isEmpty();
  }

  @Test
  void malformedUtf7TailIsReported() {
    Defects d = new Defects();
    assertThat(decode("a+Jj-b".getBytes(StandardCharsets.US_ASCII), "utf-7", d))
        .isEqualTo("a\uFFFDb");
    assertThat(d.types()).containsExactly(DefectType.MALFORMED_TEXT);
  }

  @Test
  void decodesAnEmptyRange() {
    Defects d = new Defects();
    assertThat(Charsets.decode(new byte[3], 1, 0, "iso-2022-jp", d)).isEmpty();
    assertThat(Charsets.decode(new byte[3], 1, 0, "utf-7", d)).isEmpty();
    assertThat(d.all).isEmpty();
  }
}
