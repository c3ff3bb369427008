package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.CheckSettings;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.TestCheck;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The built-in checks that read only header fields run at the HEADERS stage: at {@code
 * endOfHeaders()} when the adapter calls it (and may refuse there, before the body), at the end of
 * data otherwise, with the same findings.
 */
class HeaderStageTest {
  private static final Connection CLIENT =
      Connection.of(InetAddresses.forString("203.0.113.25"), 40000, "mx.example.org");
  private static final String HEADER =
      "Received: from mx.example.org (mx.example.org [203.0.113.25]) by mail.example.net;"
          + " Mon, 7 Dec 2026 10:00:00 +0000\r\n"
          + "From: Alice <alice@example.org>\r\n"
          + "From: Bob <bob@example.org>\r\n"
          + "To: b@example.net\r\n"
          + "Subject: =?utf-8?q?hello?=\r\n"
          + "\r\n";
  private static final String BODY = "Hello, see http://example.com/ for more.\r\n";

  private final List<String> dataSeen = new CopyOnWriteArrayList<>();

  /** The defaults, MULTIPLE_FROM scored to reach reject, and a DATA check recording its runs. */
  private MailFilter filter(double multipleFromScore) {
    return MailFilter.builder()
        .config(
            FilterConfig.builder()
                .set("checks.headers.scores.MULTIPLE_FROM", multipleFromScore)
                .build())
        .addCheck(
            new TestCheck(
                "recorder",
                Stage.DATA,
                List.of(SymbolDef.of("RECORDED", 0, "recorded")),
                ctx -> dataSeen.add(ctx.rawBytes().latin1())))
        .build();
  }

  private static FilterSession transaction(MailFilter f) {
    FilterSession s = f.open(CLIENT);
    s.helo("mx.example.org");
    s.mailFrom("<alice@example.org>");
    s.rcptTo("<b@example.net>");
    return s;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void headerOnlyBuiltInChecksRunAtHeadersAndBodyChecksAtData() {
    Map<String, Stage> stages =
        FilterConfig.defaults().checks().stream()
            .map(CheckSettings::check)
            .collect(Collectors.toMap(c -> c.name(), c -> c.stage()));
    for (String name : List.of("headers", "subject", "encoded_words", "received", "sender")) {
      assertThat(stages).containsEntry(name, Stage.HEADERS);
    }
    for (String name : List.of("gtube", "html", "obfuscation", "urls", "attachments", "model")) {
      assertThat(stages).containsEntry(name, Stage.DATA);
    }
  }

  @Test
  void aHeaderRuleWithARejectScoreRefusesAtEndOfHeadersBeforeTheBody() {
    try (MailFilter f = filter(15);
        FilterSession s = transaction(f)) {
      s.append(ascii(HEADER));
      Decision d = s.endOfHeaders();
      assertThat(d).isInstanceOf(Decision.Refuse.class);
      Decision.Refuse r = (Decision.Refuse) d;
      assertThat(r.action()).isEqualTo(Action.REJECT);
      assertThat(r.reply().code()).isEqualTo(554);
      assertThat(r.symbols()).extracting(Symbol::name).contains("MULTIPLE_FROM");
      // The milter still sends the body; the refusal is the verdict, no DATA check runs.
      s.append(ascii(BODY));
      Verdict v = s.endOfData();
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.symbols()).isEqualTo(r.symbols());
      assertThat(dataSeen).isEmpty();
    }
  }

  @Test
  void withoutEndOfHeadersTheSameHeaderFindingsComeAtEndOfData() {
    Verdict atHeaders;
    Verdict atData;
    try (MailFilter f = filter(3);
        FilterSession s = transaction(f)) {
      s.append(ascii(HEADER));
      assertThat(s.endOfHeaders().refused()).isFalse();
      s.append(ascii(BODY));
      atHeaders = s.endOfData();
    }
    try (MailFilter f = filter(3);
        FilterSession s = transaction(f)) {
      atData = s.endOfData(ascii(HEADER + BODY));
    }
    assertThat(atData).isEqualTo(atHeaders);
    assertThat(atData.symbols())
        .extracting(Symbol::name)
        .contains("MULTIPLE_FROM", "MISSING_MID", "MISSING_DATE", "ENCODED_WORD_ABUSE");
    assertThat(dataSeen).hasSize(2); // the body checks ran both times
  }

  @Test
  void theSameMessageWithoutEndOfHeadersIsRejectedAtEndOfData() {
    try (MailFilter f = filter(15);
        FilterSession s = transaction(f)) {
      Verdict v = s.endOfData(ascii(HEADER + BODY));
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.has("MULTIPLE_FROM")).isTrue();
      assertThat(dataSeen).hasSize(1);
    }
  }
}
