package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.mime.DefectType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class MimeDefectsCheckTest {
  private static final Envelope ENV =
      Envelope.of(InetAddresses.forString("192.0.2.9"), "", "", List.of());
  private static final MailFilter FILTER =
      MailFilter.builder()
          .config(
              FilterConfig.builder()
                  .yaml(
                      "checks:\n  helo: {enabled: false}\n  gtube: {enabled: false}\n"
                          + LocalChecks.OFF_YAML
                          + "  mime_defects:\n    scores:\n      MIME_DUPLICATE_HEADER: 2.5\n")
                  .build())
          .build();

  @AfterAll
  static void close() {
    FILTER.close();
  }

  private static Verdict classify(String message) {
    return FILTER.classify(message.getBytes(StandardCharsets.ISO_8859_1), ENV);
  }

  @Test
  void wellFormedCrlfMessageHasNoDefectSymbols() {
    Verdict v =
        classify(
            "From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\nMessage-ID: <1@example.org>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nhello\r\n");
    assertThat(v.symbols()).isEmpty();
  }

  @Test
  void multipartWithoutItsBoundaryIsFlagged() {
    Verdict v =
        classify(
            "From: a@example.org\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
                + "no parts here at all\r\n");
    assertThat(v.symbols()).extracting(Symbol::name).contains("MIME_START_BOUNDARY_NOT_FOUND");
    Symbol s =
        v.symbols().stream()
            .filter(x -> x.name().equals("MIME_START_BOUNDARY_NOT_FOUND"))
            .findFirst()
            .orElseThrow();
    assertThat(s.score()).isEqualTo(1.5);
    assertThat(s.options()).isNotEmpty();
  }

  @Test
  void configuredScoreOverridesTheDefault() {
    Verdict v =
        classify(
            "From: a@example.org\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\n"
                + "\r\nbody\r\n");
    assertThat(v.symbols())
        .filteredOn(s -> s.name().equals("MIME_DUPLICATE_HEADER"))
        .extracting(Symbol::score)
        .containsExactly(2.5);
  }

  @Test
  void unixLineEndsAloneScoreNothing() {
    Verdict v = classify("From: a@example.org\nSubject: hi\n\nhello\n");
    assertThat(v.symbols()).extracting(Symbol::name).containsExactly("MIME_BARE_LF");
    assertThat(v.score()).isZero();
  }

  @Test
  void everyDefectTypeHasASymbol() {
    for (DefectType t : DefectType.values()) {
      assertThat(MimeDefectsCheck.create(null).symbols())
          .extracting(d -> d.name())
          .contains(MimeDefectsCheck.symbolName(t));
    }
  }
}
