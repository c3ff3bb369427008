package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MessageParserTest {
  private static final String ALTERNATIVE =
      """
      From: Alice <alice@example.com>\r
      To: bob@example.com\r
      Subject: Hello\r
       world\r
      MIME-Version: 1.0\r
      Content-Type: multipart/alternative; boundary="b1"\r
      \r
      This is the preamble.\r
      --b1\r
      Content-Type: text/plain; charset=utf-8\r
      \r
      Hi Bob\r
      --b1\r
      Content-Type: text/html; charset=utf-8\r
      \r
      <p>Hi Bob</p>\r
      --b1--\r
      epilogue\r
      """;

  @Test
  void fromIsParsedOnceAndSharedReadOnly() {
    ParsedMessage m =
        MessageParser.create().parse(ALTERNATIVE.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(m.from()).singleElement().isEqualTo(new Mailbox("Alice", "alice", "example.com"));
    // Several checks ask for it: the same list, which none of them can change for the others.
    assertThat(m.from()).isSameAs(m.from());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.from().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void parsesMultipartAlternativeIntoTwoTextParts() {
    ParsedMessage m = Parsing.parse(ALTERNATIVE);
    MimePart root = m.root();
    assertThat(root.mediaType()).isEqualTo("multipart/alternative");
    assertThat(root.isMultipart()).isTrue();
    assertThat(root.boundary()).contains("b1");
    assertThat(root.children()).extracting(MimePart::path).containsExactly("1", "2");
    assertThat(root.children())
        .extracting(MimePart::mediaType)
        .containsExactly("text/plain", "text/html");
    assertThat(root.children().get(0).rawBody().utf8()).isEqualTo("Hi Bob");
    assertThat(root.children().get(1).rawBody().utf8()).isEqualTo("<p>Hi Bob</p>");
    assertThat(root.preamble().utf8()).isEqualTo("This is the preamble.");
    assertThat(root.epilogue().utf8()).isEqualTo("epilogue\r\n");
    assertThat(m.defects()).isEmpty();
    assertThat(m.parts()).hasSize(3);
  }

  @Test
  void unfoldsHeaderValuesOnDemand() {
    ParsedMessage m = Parsing.parse(ALTERNATIVE);
    HeaderField subject = m.headers().first("subject").orElseThrow();
    assertThat(subject.name()).isEqualTo("Subject");
    assertThat(subject.rawValue().latin1()).isEqualTo("Hello\r\n world");
    assertThat(subject.value()).isEqualTo("Hello world");
    assertThat(m.headers().all("SUBJECT")).hasSize(1);
    assertThat(m.headers())
        .extracting(HeaderField::name)
        .containsExactly("From", "To", "Subject", "MIME-Version", "Content-Type");
  }

  @Test
  void parsesNestedMessageRfc822AsMessage() {
    String msg =
        """
        Content-Type: multipart/mixed; boundary=outer\r
        \r
        --outer\r
        Content-Type: text/plain\r
        \r
        see attached\r
        --outer\r
        Content-Type: message/rfc822\r
        \r
        Subject: inner\r
        Content-Type: multipart/alternative; boundary=inner\r
        \r
        --inner\r
        \r
        inner text\r
        --inner\r
        Content-Type: text/html\r
        \r
        <b>x</b>\r
        --inner--\r
        --outer--\r
        """;
    ParsedMessage m = Parsing.parse(msg);
    MimePart container = m.part("2").orElseThrow();
    assertThat(container.isMessage()).isTrue();
    MimePart inner = container.embeddedMessage().orElseThrow();
    assertThat(inner.path()).isEqualTo("2.0");
    assertThat(inner.headers().firstValue("Subject")).contains("inner");
    assertThat(inner.children()).extracting(MimePart::path).containsExactly("2.1", "2.2");
    assertThat(inner.children().get(0).mediaType()).isEqualTo("text/plain");
    assertThat(inner.children().get(0).rawBody().utf8()).isEqualTo("inner text");
    assertThat(m.parts())
        .extracting(MimePart::path)
        .containsExactly("", "1", "2", "2.0", "2.1", "2.2");
    assertThat(m.defects()).isEmpty();
  }

  @Test
  void missingCloseDelimiterYieldsPartsAndDefect() {
    String msg = "Content-Type: multipart/mixed; boundary=x\n\n--x\n\none\n--x\n\ntwo\n";
    ParsedMessage m = Parsing.parse(msg);
    assertThat(m.root().children()).hasSize(2);
    assertThat(m.root().children().get(1).rawBody().latin1()).isEqualTo("two\n");
    assertThat(m.hasDefect(DefectType.CLOSE_BOUNDARY_MISSING)).isTrue();
    assertThat(m.hasDefect(DefectType.BARE_LF)).isTrue();
  }

  @Test
  void wrongBoundaryYieldsMultipartWithoutParts() {
    String msg = "Content-Type: multipart/mixed; boundary=x\r\n\r\n--y\r\n\r\nbody\r\n--y--\r\n";
    ParsedMessage m = Parsing.parse(msg);
    assertThat(m.root().children()).isEmpty();
    assertThat(m.root().preamble().latin1()).isEqualTo(msg.substring(msg.indexOf("--y")));
    assertThat(m.hasDefect(DefectType.START_BOUNDARY_NOT_FOUND)).isTrue();
    assertThat(m.hasDefect(DefectType.MULTIPART_WITHOUT_PARTS)).isTrue();
  }

  @Test
  void multipartWithoutBoundaryIsALeaf() {
    ParsedMessage m = Parsing.parse("Content-Type: multipart/mixed\r\n\r\nbody\r\n");
    assertThat(m.root().isMultipart()).isFalse();
    assertThat(m.root().mediaType()).isEqualTo("multipart/mixed");
    assertThat(m.hasDefect(DefectType.MISSING_BOUNDARY_PARAMETER)).isTrue();
  }

  @Test
  void outerBoundaryClosesUnterminatedInnerMultipart() {
    String msg =
        "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n"
            + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\ninner\r\n"
            + "--a\r\n\r\nsecond\r\n--a--\r\n";
    ParsedMessage m = Parsing.parse(msg);
    assertThat(m.parts()).extracting(MimePart::path).containsExactly("", "1", "1.1", "2");
    assertThat(m.part("1.1").orElseThrow().rawBody().latin1()).isEqualTo("inner");
    assertThat(m.part("2").orElseThrow().rawBody().latin1()).isEqualTo("second");
    assertThat(m.hasDefect(DefectType.CLOSE_BOUNDARY_MISSING)).isTrue();
  }

  @Test
  void boundaryPrefixOfAnotherIsNotConfused() {
    String msg =
        "Content-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\n"
            + "Content-Type: multipart/mixed; boundary=abc\r\n\r\n--abc\r\n\r\nx\r\n--abc--\r\n"
            + "--ab--\r\n";
    ParsedMessage m = Parsing.parse(msg);
    assertThat(m.parts()).extracting(MimePart::path).containsExactly("", "1", "1.1");
    assertThat(m.defects()).isEmpty();
  }

  @Test
  void lineWithoutColonEndsHeaderWithDefect() {
    ParsedMessage m = Parsing.parse("Subject: x\r\nthis is body\r\nmore\r\n");
    assertThat(m.headers()).hasSize(1);
    assertThat(m.root().rawBody().latin1()).isEqualTo("this is body\r\nmore\r\n");
    assertThat(m.hasDefect(DefectType.MISSING_HEADER_BODY_SEPARATOR)).isTrue();
  }

  @Test
  void headerOnlyMessageHasEmptyBody() {
    ParsedMessage m = Parsing.parse("Subject: x\r\n");
    assertThat(m.headers()).hasSize(1);
    assertThat(m.root().rawBody().isEmpty()).isTrue();
  }

  @Test
  void emptyInputParses() {
    ParsedMessage m = Parsing.parse(new byte[0]);
    assertThat(m.parts()).hasSize(1);
    assertThat(m.root().mediaType()).isEqualTo("text/plain");
  }

  @Test
  void nulAndBareCrAndEightBitHeadersAreReported() {
    byte[] msg =
        "Subject: caf\u00e9\r\nX: a\rb\r\n\r\nbody\u0000\r\n"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    ParsedMessage m = Parsing.parse(msg);
    assertThat(m.defects())
        .extracting(Defect::type)
        .contains(DefectType.NUL_BYTE, DefectType.BARE_CR, DefectType.EIGHT_BIT_HEADER);
    assertThat(m.headers().firstValue("Subject")).contains("caf\u00e9");
  }

  @Test
  void mboxFromLineIsSkipped() {
    ParsedMessage m =
        Parsing.parse("From alice@example.com Mon Jan 1 00:00:00 2024\nSubject: x\n\nb\n");
    assertThat(m.headers()).extracting(HeaderField::name).containsExactly("Subject");
  }

  @Test
  void digestPartsDefaultToMessageRfc822() {
    String msg =
        "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: one\r\n\r\nbody\r\n--d--\r\n";
    ParsedMessage m = Parsing.parse(msg);
    MimePart part = m.part("1").orElseThrow();
    assertThat(part.mediaType()).isEqualTo("message/rfc822");
    assertThat(part.embeddedMessage().orElseThrow().headers().firstValue("subject"))
        .contains("one");
  }

  @Test
  void quotedBoundaryWithEscapesAndComments() {
    String msg =
        "Content-Type: (c) Multipart/Mixed (x); charset=a;\r\n boundary=\"q\\\"b\"\r\n\r\n--q\"b\r\n\r\nx\r\n--q\"b--\r\n";
    ParsedMessage m = Parsing.parse(msg);
    assertThat(m.root().boundary()).contains("q\"b");
    assertThat(m.root().children()).hasSize(1);
  }

  @Test
  void offsetsAreRelativeToTheSlice() {
    byte[] msg = "Subject: x\r\n\r\nbody".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] padded = new byte[msg.length + 10];
    System.arraycopy(msg, 0, padded, 10, msg.length);
    ParsedMessage m = MessageParser.create().parse(padded, 10, msg.length);
    assertThat(m.root().bodyStart()).isEqualTo(14);
    assertThat(m.headers().get(0).offset()).isZero();
    assertThat(m.bytes().latin1()).isEqualTo("Subject: x\r\n\r\nbody");
  }

  @Test
  void lineBreakBeforeAnOuterDelimiterIsNotPartOfAnInnerMultipartWithoutEpilogue() {
    // RFC 2046: delimiter := CRLF dash-boundary. The line break after "--in--" is the one that
    // starts the outer "--out--", so the inner multipart ends right after its close delimiter.
    String message =
        """
        Content-Type: multipart/mixed; boundary="out"\r
        \r
        --out\r
        Content-Type: multipart/mixed; boundary="in"\r
        \r
        --in\r
        \r
        inner text\r
        --in--\r
        --out--\r
        """;
    ParsedMessage m = Parsing.parse(message);
    MimePart inner = m.part("1").orElseThrow();
    assertThat(inner.isMultipart()).isTrue();
    assertThat(inner.rawBody().utf8()).endsWith("--in--");
    assertThat(inner.epilogue().size()).isZero();
    assertThat(inner.children().get(0).rawBody().utf8()).isEqualTo("inner text");
    assertThat(m.defects()).isEmpty();
  }
}
