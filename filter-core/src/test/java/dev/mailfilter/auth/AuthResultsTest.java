package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 8601's grammar read and written: the section 7 examples, comments, quoting and folding. */
class AuthResultsTest {
  @Test
  void readsTheRfcExampleWithCommentsAndAMethodVersion() {
    // RFC 8601 appendix B.6, with a method version and a nested comment added.
    AuthResults ar =
        AuthResults.parse(
            " (from the edge) example.com;\r\n"
                + "          spf=pass smtp.mailfrom=example.net;\r\n"
                + "          dkim/1=pass (good (nested) signature) reason=\"signature ok\""
                + " header.i=@mail-router.example.net;\r\n"
                + "          dkim=fail (bad signature) header.i=@newyork.example.com");
    assertThat(ar.authservId()).isEqualTo("example.com");
    assertThat(ar.version()).isEqualTo(1);
    assertThat(ar.results())
        .containsExactly(
            MethodResult.of("spf", "pass").with("smtp", "mailfrom", "example.net"),
            MethodResult.of("dkim", "pass")
                .withComment("good (nested) signature")
                .withReason("signature ok")
                .with("header", "i", "@mail-router.example.net"),
            MethodResult.of("dkim", "fail")
                .withComment("bad signature")
                .with("header", "i", "@newyork.example.com"));
  }

  @Test
  void readsNoneAVersionAndAQuotedAuthservId() {
    assertThat(AuthResults.parse("example.org 1; none"))
        .isEqualTo(AuthResults.of("example.org", List.of()));
    assertThat(AuthResults.parse("\"mx (1); ours\" 2 ; none (nothing done)"))
        .isEqualTo(new AuthResults("mx (1); ours", 2, List.of()));
  }

  @Test
  void readsLenientPropertyValuesAsRealVerifiersWriteThem() {
    AuthResults ar =
        AuthResults.parse(
            "mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601"
                + " header.b=Ab+c/D=;\r\n       spf=pass (google.com: domain of a@example.com"
                + " designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.com;\r\n"
                + "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com");
    assertThat(ar.results()).hasSize(3);
    assertThat(ar.results().get(0).property("header", "b")).contains("Ab+c/D=");
    assertThat(ar.results().get(1).property("SMTP", "MailFrom")).contains("a@example.com");
    assertThat(ar.results().get(2).comment()).contains("p=REJECT sp=REJECT dis=NONE");
  }

  @Test
  void refusesBrokenFieldsNamingTheOffset() {
    assertThatThrownBy(() -> AuthResults.parse(""))
        .hasMessage("Authentication-Results: expected an authserv-id at offset 0, found the end");
    assertThatThrownBy(() -> AuthResults.parse("example.org spf=pass"))
        .hasMessageContaining("expected ';' after the authserv-id at offset 12");
    assertThatThrownBy(() -> AuthResults.parse("example.org; spf"))
        .hasMessageContaining("expected '=' after method spf");
    assertThatThrownBy(() -> AuthResults.parse("example.org; spf=pass smtp.mailfrom"))
        .hasMessageContaining("expected '=' after smtp.mailfrom");
    assertThatThrownBy(() -> AuthResults.parse("example.org (open; spf=pass"))
        .hasMessageContaining("expected the end of the comment begun here at offset 12");
    assertThatThrownBy(() -> AuthResults.parse("example.org; spf=pass reason=\"open"))
        .hasMessageContaining("the end of the quoted string");
    assertThatThrownBy(() -> AuthResults.parse("example.org; none; spf=pass"))
        .hasMessageContaining("expected '=' after method none");
    assertThatThrownBy(() -> AuthResults.parse("example.org; spf=pass x.y=\u0001"))
        .hasMessageContaining("control characters");
    assertThatThrownBy(() -> AuthResults.parse("example.org; " + "(".repeat(100)))
        .hasMessageContaining("nested at most 64 deep");
  }

  @Test
  void theAuthservIdIsReadAloneFromABrokenFieldAndComparedWithoutCase() {
    assertThat(AuthResults.authservId(" (c) MX.Ours.Example; spf=pass ((("))
        .contains("MX.Ours.Example");
    assertThat(AuthResults.authservId("\"mx.ours.example\"")).contains("mx.ours.example");
    assertThat(AuthResults.authservId("; spf=pass")).isEmpty();
    assertThat(AuthResults.authservId("(never closed mx.ours.example;")).isEmpty();
    assertThat(AuthResults.of("MX.Ours.Example", List.of()).claims("mx.ours.example")).isTrue();
    assertThat(AuthResults.of("mx.ours.example.evil", List.of()).claims("mx.ours.example"))
        .isFalse();
  }

  @Test
  void formatsOneMethodPerLineQuotingOnlyWhereNeeded() {
    AuthResults ar =
        AuthResults.of(
            "mx.example.net",
            List.of(
                MethodResult.of("spf", "pass")
                    .withReason("ip4:192.0.2.0/24 matched")
                    .with("smtp", "mailfrom", "a@example.org"),
                MethodResult.of("spf", "none").with("smtp", "helo", "client.example.org"),
                MethodResult.of("dkim", "fail")
                    .withComment("body hash (bh) did not verify")
                    .with("header", "d", "example.org")
                    .with("header", "s", "sel 1")
                    .with("header", "i", "@example.org")));
    assertThat(ar.format())
        .isEqualTo(
            "mx.example.net;\r\n"
                + "\tspf=pass reason=\"ip4:192.0.2.0/24 matched\"\r\n smtp.mailfrom=a@example.org;\r\n"
                + "\tspf=none smtp.helo=client.example.org;\r\n"
                + "\tdkim=fail (body hash \\(bh\\) did not verify) header.d=example.org\r\n"
                + " header.s=\"sel 1\" header.i=@example.org");
    assertThat(AuthResults.parse(ar.format())).isEqualTo(ar);
    assertThat(AuthResults.of("mx.example.net", List.of()).format())
        .isEqualTo("mx.example.net; none");
  }

  @Test
  void aLongReasonIsFoldedInsideItsQuotesAndReadsBackTheSame() {
    String reason = "the quick brown fox jumps over the lazy dog ".repeat(4).strip();
    AuthResults ar =
        AuthResults.of(
            "mx.example.net", List.of(MethodResult.of("spf", "fail").withReason(reason)));
    String text = ar.format();
    assertThat(text.split("\r\n")).hasSizeGreaterThan(2).allMatch(l -> l.length() <= 78);
    assertThat(AuthResults.parse(text).results().getFirst().reason()).contains(reason);
  }

  @Test
  void everyFormattedLineStaysWithin78ColumnsWhenItsWordsDo() {
    MethodResult r = MethodResult.of("dmarc", "pass");
    for (int i = 0; i < 12; i++) {
      r = r.with("policy", "p" + i, "value-" + i);
    }
    String field = AuthResults.FIELD + ": " + AuthResults.of("mx.example.net", List.of(r)).format();
    for (String line : field.split("\r\n")) {
      assertThat(line.length()).as(line).isLessThanOrEqualTo(78);
    }
  }

  @Test
  void refusesValuesThatCannotBeWritten() {
    assertThatThrownBy(() -> MethodResult.of("sp f", "pass"))
        .hasMessage("method is not a keyword: sp f");
    assertThatThrownBy(() -> MethodResult.of("spf", "pass").withReason("a\r\nb"))
        .hasMessageContaining("control character");
    assertThatThrownBy(() -> MethodResult.of("spf", "pass").with("smtp", "-x", "v"))
        .hasMessage("property name is not a keyword: -x");
    assertThatThrownBy(() -> AuthResults.of("", List.of())).hasMessage("invalid authserv-id: ");
    assertThat(MethodResult.of("spf", "pass").property("smtp", "mailfrom"))
        .isEqualTo(Optional.empty());
  }
}
