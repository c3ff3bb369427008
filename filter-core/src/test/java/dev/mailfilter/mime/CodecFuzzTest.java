package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Jazzer targets for every decoder. The regression run (the normal test command) replays the inputs
 * under {@code CodecFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes. Invariants: nothing throws,
 * outputs stay within their documented bounds, decode(encode(x)) == x where an encoder exists.
 */
class CodecFuzzTest {
  @FuzzTest
  void base64NeverThrowsAndStaysInBounds(FuzzedDataProvider data) {
    int slack = data.consumeInt(0, 8);
    byte[] src = data.consumeRemainingAsBytes();
    byte[] dst = new byte[Base64.maxDecodedLength(src.length) + slack];
    int n = Base64.decode(src, 0, src.length, dst, slack, new Defects());
    assertThat(n).isBetween(0, Base64.maxDecodedLength(src.length));
  }

  @FuzzTest
  void base64DecodesWhatTheJdkEncodes(byte[] input) {
    byte[] original = input == null ? new byte[0] : input;
    byte[] enc = java.util.Base64.getMimeEncoder().encode(original);
    Defects d = new Defects();
    assertThat(CodecPropertyTest.base64Decode(enc, d)).isEqualTo(original);
    assertThat(d.all).isEmpty();
  }

  @FuzzTest
  void quotedPrintableNeverThrowsAndStaysInBounds(FuzzedDataProvider data) {
    boolean q = data.consumeBoolean();
    byte[] src = data.consumeRemainingAsBytes();
    byte[] dst = new byte[src.length];
    int n =
        q
            ? QuotedPrintable.decodeQ(src, 0, src.length, dst, 0, new Defects())
            : QuotedPrintable.decode(src, 0, src.length, dst, 0, new Defects());
    assertThat(n).isBetween(0, src.length);
  }

  @FuzzTest
  void quotedPrintableDecodesWhatMime4jEncodes(byte[] input) {
    byte[] original = input == null ? new byte[0] : input;
    Defects d = new Defects();
    assertThat(CodecPropertyTest.qpDecode(CodecPropertyTest.mime4jQpEncode(original, true), d))
        .isEqualTo(original);
    assertThat(d.all).isEmpty();
  }

  @FuzzTest
  void charsetDecodeNeverThrows(FuzzedDataProvider data) {
    String label = data.consumeBoolean() ? null : data.consumeString(30);
    byte[] src = data.consumeRemainingAsBytes();
    String s = Charsets.decode(src, 0, src.length, label, new Defects());
    // Every byte yields at most one char, except a 4-byte sequence that yields a surrogate pair,
    // and UTF-16/UTF-7 that need more bytes per char: never more chars than bytes.
    assertThat(s.length()).isLessThanOrEqualTo(src.length);
  }

  @FuzzTest
  void encodedWordsNeverThrowAndNeverGrow(byte[] input) {
    String value = text(input);
    String s = EncodedWords.decode(value, new Defects());
    assertThat(s.length()).isLessThanOrEqualTo(value.length());
  }

  @FuzzTest
  void mimeParametersNeverThrow(byte[] input) {
    String value = text(input);
    MimeParameters.Parsed p = MimeParameters.parse(value, new Defects());
    assertThat(p.value().length()).isLessThanOrEqualTo(value.length());
    for (Map.Entry<String, String> e : p.parameters().entrySet()) {
      assertThat(e.getKey()).isNotEmpty();
      assertThat(e.getValue().length()).isLessThanOrEqualTo(value.length());
    }
  }

  @FuzzTest
  void addressListsNeverThrow(byte[] input) {
    String value = text(input);
    List<Address> list = AddressParser.parseList(value, new Defects());
    assertThat(list.size()).isLessThanOrEqualTo(value.length());
    for (Address a : list) {
      switch (a) {
        case Mailbox m -> checkMailbox(m, value);
        case Group g -> g.members().forEach(m -> checkMailbox(m, value));
      }
    }
  }

  /** Seeds are UTF-8 files; malformed bytes become U+FFFD, as a header reader would make them. */
  private static String text(byte[] input) {
    return input == null ? "" : new String(input, StandardCharsets.UTF_8);
  }

  private static void checkMailbox(Mailbox m, String value) {
    assertThat(m.localPart().length() + m.domain().length()).isLessThanOrEqualTo(value.length());
    assertThat(m.address()).isNotNull();
  }
}
