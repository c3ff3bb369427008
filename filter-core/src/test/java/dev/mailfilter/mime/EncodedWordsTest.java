package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EncodedWordsTest {
  private static String decode(String s, Defects d) {
    return EncodedWords.decode(s, d);
  }

  @Test
  void decodesTheRfc2047Section8Examples() {
    Defects d = new Defects();
    assertThat(decode("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=", d))
        .isEqualTo("Keld J\u00f8rn Simonsen");
    assertThat(decode("=?ISO-8859-1?Q?Andr=E9?= Pirard", d)).isEqualTo("Andr\u00e9 Pirard");
    assertThat(
            decode(
                "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?="
                    + " =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
                d))
        .isEqualTo("If you can read this you understand the example.");
    assertThat(decode("(=?ISO-8859-1?Q?a?=)", d)).isEqualTo("(a)");
    assertThat(decode("(=?ISO-8859-1?Q?a?= b)", d)).isEqualTo("(a b)");
    assertThat(decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", d)).isEqualTo("(ab)");
    assertThat(decode("(=?ISO-8859-1?Q?a?=  \t  =?ISO-8859-1?Q?b?=)", d)).isEqualTo("(ab)");
    assertThat(decode("(=?ISO-8859-1?Q?a_b?=)", d)).isEqualTo("(a b)");
    assertThat(decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", d)).isEqualTo("(a b)");
    assertThat(d.all).isEmpty();
  }

  @Test
  void acceptsTheRfc2231LanguageSuffix() {
    Defects d = new Defects();
    assertThat(decode("=?US-ASCII*EN?Q?Keith_Moore?=", d)).isEqualTo("Keith Moore");
    assertThat(d.all).isEmpty();
  }

  @Test
  void joinsMultiByteCharactersSplitAcrossAdjacentWords() {
    Defects d = new Defects();
    // "\u20ac" is E2 82 AC in UTF-8, split over two words (and two encodings).
    assertThat(decode("=?utf-8?Q?=E2=82?= =?UTF-8?B?rA==?= 5", d)).isEqualTo("\u20ac 5");
    assertThat(d.all).isEmpty();
  }

  @Test
  void acceptsEncodedWordsGluedToText() {
    Defects d = new Defects();
    assertThat(decode("Free=?utf-8?B?w6k=?=money=?utf-8?Q?!?=", d)).isEqualTo("Free\u00e9money!");
    assertThat(d.all).isEmpty();
  }

  @Test
  void keepsWhitespaceBetweenAWordAndText() {
    Defects d = new Defects();
    assertThat(decode("Re: =?utf-8?q?caf=C3=A9?= ok", d)).isEqualTo("Re: caf\u00e9 ok");
    assertThat(d.all).isEmpty();
  }

  @Test
  void leavesUnterminatedWordsLiterally() {
    Defects d = new Defects();
    assertThat(decode("Hi =?utf-8?q?broken", d)).isEqualTo("Hi =?utf-8?q?broken");
    assertThat(d.types()).containsExactly(DefectType.UNTERMINATED_ENCODED_WORD);
  }

  @Test
  void leavesWordsWithAnUnknownEncodingLiterally() {
    Defects d = new Defects();
    assertThat(decode("=?utf-8?X?abc?=", d)).isEqualTo("=?utf-8?X?abc?=");
    assertThat(d.types()).containsExactly(DefectType.INVALID_ENCODED_WORD);
  }

  @Test
  void leavesTextThatOnlyLooksLikeAWordAlone() {
    Defects d = new Defects();
    assertThat(decode("what =? is this", d)).isEqualTo("what =? is this");
    assertThat(decode("=?", d)).isEqualTo("=?");
    assertThat(d.all).isEmpty();
  }

  @Test
  void decodesUnknownCharsetsWithTheFallbackAndADefect() {
    Defects d = new Defects();
    assertThat(decode("=?x-bogus?Q?caf=C3=A9?=", d)).isEqualTo("caf\u00e9");
    assertThat(d.types()).containsExactly(DefectType.UNKNOWN_CHARSET);
  }

  @Test
  void reportsBrokenBase64InsideAWord() {
    Defects d = new Defects();
    assertThat(decode("=?utf-8?B?Zm9v*YmFy?=", d)).isEqualTo("foobar");
    assertThat(d.types()).containsExactly(DefectType.INVALID_BASE64);
  }

  @Test
  void staysLinearOnAdversarialInput() {
    // Many starts and no terminator: a backtracking regex takes quadratic time here.
    String evil = "=?a?q?x".repeat(200_000) + "=?abc".repeat(200_000);
    Defects d = new Defects();
    assertThat(decode(evil, d).equals(evil)).isTrue();
    assertThat(d.types()).containsExactly(DefectType.UNTERMINATED_ENCODED_WORD);
    String many = "=?utf-8?q?a?=".repeat(100_000);
    assertThat(decode(many, new Defects())).hasSize(100_000);
  }
}
