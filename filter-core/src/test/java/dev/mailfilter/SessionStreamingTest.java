package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.TestCheck;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The streaming half of the session: append, appendHeader, endOfHeaders, endOfData. */
class SessionStreamingTest {
  private static final Connection CLIENT =
      Connection.of(InetAddresses.forString("203.0.113.25"), 40000, "mx.example.org");
  private static final String MESSAGE =
      "From: a@example.org\r\nSubject: cheap offer\r\n\r\nbody line\r\n";

  // What the HEADERS and DATA checks saw: their raw bytes, and the parse's body size at HEADERS.
  private final List<String> seenAtHeaders = new CopyOnWriteArrayList<>();
  private final List<String> seenAtData = new CopyOnWriteArrayList<>();
  private final List<Integer> bodySizesAtHeaders = new CopyOnWriteArrayList<>();

  private static FilterConfig quiet() {
    return FilterConfig.builder()
        .set("checks.headers.enabled", false)
        .set("checks.sender.enabled", false)
        .set("checks.subject.enabled", false)
        .build();
  }

  /** A HEADERS check refusing an "offer" subject, and a DATA check recording what it saw. */
  private MailFilter filter() {
    return MailFilter.builder()
        .config(quiet())
        .addCheck(
            new TestCheck(
                "offers",
                Stage.HEADERS,
                List.of(SymbolDef.of("OFFER_SUBJECT", 2, "offer in Subject")),
                ctx -> {
                  seenAtHeaders.add(ctx.rawBytes().latin1());
                  bodySizesAtHeaders.add(ctx.message().root().rawBody().size());
                  if (ctx.message().subject().orElse("").contains("offer")) {
                    ctx.addSymbol("OFFER_SUBJECT");
                    ctx.forceAction(
                        Action.REJECT,
                        "offer",
                        Reply.of(550, "5.7.1", "No offers at end of headers"));
                  }
                }))
        .addCheck(
            new TestCheck(
                "recorder",
                Stage.DATA,
                List.of(SymbolDef.of("RECORDED", 0, "recorded")),
                ctx -> seenAtData.add(new String(ctx.raw(), StandardCharsets.ISO_8859_1))))
        .build();
  }

  private static FilterSession transaction(MailFilter f) {
    FilterSession s = f.open(CLIENT);
    s.helo("mx.example.org");
    s.mailFrom("<a@example.org>");
    s.rcptTo("<b@example.net>");
    return s;
  }

  @Test
  void endOfHeadersRunsTheHeaderChecksOnTheHeaderAloneAndMayRefuse() {
    try (MailFilter f = filter();
        FilterSession s = transaction(f)) {
      s.append(MESSAGE.substring(0, 20).getBytes(StandardCharsets.US_ASCII));
      s.append(MESSAGE.substring(20, MESSAGE.indexOf("body")).getBytes(StandardCharsets.US_ASCII));
      Decision d = s.endOfHeaders();
      assertThat(seenAtHeaders)
          .containsExactly("From: a@example.org\r\nSubject: cheap offer\r\n\r\n");
      assertThat(bodySizesAtHeaders).containsExactly(0);
      assertThat(d).isInstanceOf(Decision.Refuse.class);
      assertThat(((Decision.Refuse) d).reply().toWire())
          .isEqualTo("550 5.7.1 No offers at end of headers\r\n");
      // The milter may still send the body; the refusal is the verdict and DATA checks never run.
      s.append("body line\r\n".getBytes(StandardCharsets.US_ASCII));
      Verdict v = s.endOfData();
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.reply().code()).isEqualTo(550);
      assertThat(seenAtData).isEmpty();
    }
  }

  @Test
  void headerChecksRunOnceAtEndOfDataWhenTheAdapterHasNoEndOfHeaders() {
    try (MailFilter f = filter();
        FilterSession s = transaction(f)) {
      Verdict v = s.endOfData(MESSAGE.getBytes(StandardCharsets.US_ASCII));
      assertThat(seenAtHeaders)
          .containsExactly("From: a@example.org\r\nSubject: cheap offer\r\n\r\n");
      assertThat(bodySizesAtHeaders).containsExactly(0);
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.has("OFFER_SUBJECT")).isTrue();
    }
  }

  @Test
  void milterStyleFieldsAndBodyChunksMakeTheSameBytesAsRawDelivery() {
    String msg = "From: a@example.org\r\nSubject: hello\r\n\tthere\r\n\r\nbody\r\nmore\r\n";
    try (MailFilter f = filter();
        FilterSession s = transaction(f)) {
      s.appendHeader("From", "a@example.org");
      s.appendHeader("Subject", "hello\n\tthere"); // the MTA's bare-LF fold becomes CRLF
      assertThat(s.endOfHeaders().refused()).isFalse();
      s.append(ByteBuffer.wrap("body\r\n".getBytes(StandardCharsets.US_ASCII)));
      s.append("more\r\n".getBytes(StandardCharsets.US_ASCII));
      Verdict streamed = s.endOfData();
      assertThat(seenAtHeaders).containsExactly(msg.substring(0, msg.indexOf("body")));
      assertThat(seenAtData).containsExactly(msg);

      s.mailFrom("<a@example.org>");
      s.rcptTo("<b@example.net>");
      Verdict whole = s.endOfData(msg.getBytes(StandardCharsets.US_ASCII));
      assertThat(streamed).isEqualTo(whole);
    }
  }

  @Test
  void milterStyleFieldsCarryEightBitBytesExactly() {
    // A milter library hands over the header's bytes one char per byte (ISO-8859-1): a raw UTF-8
    // Subject must reach the buffer as the same bytes, not UTF-8-encoded a second time.
    byte[] utf8 = "Subject: Caf\u00e9 \u65e5\u672c\r\n".getBytes(StandardCharsets.UTF_8);
    String asMilterGivesIt = new String(utf8, StandardCharsets.ISO_8859_1);
    String value = asMilterGivesIt.substring("Subject: ".length(), asMilterGivesIt.length() - 2);
    try (MailFilter f = filter();
        FilterSession s = transaction(f)) {
      s.appendHeader("Subject", value);
      s.endOfHeaders();
      s.endOfData();
      assertThat(seenAtData).containsExactly(asMilterGivesIt + "\r\n");
      assertThatThrownBy(() -> s.appendHeader("X-Wide", "\u65e5"))
          .isInstanceOf(IllegalStateException.class); // after the end of data: misuse first
      s.mailFrom("<a@example.org>");
      s.rcptTo("<b@example.net>");
      assertThatThrownBy(() -> s.appendHeader("Subject", "Caf\u00e9 \u65e5"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("one char per byte");
    }
  }

  @Test
  void endOfHeadersEndsAnUnterminatedFieldAndKeepsAnExistingEmptyLine() {
    try (MailFilter f = filter();
        FilterSession s = transaction(f)) {
      s.append("X-A: 1".getBytes(StandardCharsets.US_ASCII));
      s.endOfHeaders();
      s.mailFrom("<a@example.org>");
      s.append("X-B: 2\n\n".getBytes(StandardCharsets.US_ASCII));
      s.endOfHeaders();
      s.mailFrom("<a@example.org>");
      s.endOfHeaders(); // no header at all: just the empty line
      assertThat(seenAtHeaders).containsExactly("X-A: 1\r\n\r\n", "X-B: 2\n\n", "\r\n");
    }
  }

  @Test
  void appendHeaderRefusesInjectedLines() {
    try (MailFilter f = filter();
        FilterSession s = transaction(f)) {
      assertThatThrownBy(() -> s.appendHeader("Subject", "hi\r\nBcc: victim@example.net"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Subject");
      assertThatThrownBy(() -> s.appendHeader("Sub ject", "hi"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Sub ject");
      assertThatThrownBy(() -> s.appendHeader("Subject", "hi\rthere"))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void misuseThrowsIllegalStateNamingTheCallAndTheState() {
    try (MailFilter f = filter()) {
      FilterSession s = f.open(CLIENT);
      byte[] four = "abcd".getBytes(StandardCharsets.US_ASCII);
      assertThatThrownBy(() -> s.append(four))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("append of 4 bytes outside a transaction (before mailFrom): call mailFrom");
      assertThatThrownBy(() -> s.endOfHeaders())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("endOfHeaders outside a transaction (before mailFrom)");
      assertThatThrownBy(() -> s.queueId("4AbC12"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("queueId(4AbC12) outside a transaction");

      s.mailFrom("<a@example.org>");
      s.rcptTo("<b@example.net>");
      s.append(four);
      assertThatThrownBy(() -> s.endOfData(four))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("after 4 bytes were appended");
      s.endOfHeaders();
      assertThatThrownBy(() -> s.endOfHeaders())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("endOfHeaders called twice");
      assertThatThrownBy(() -> s.appendHeader("X-Late", "1"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("appendHeader(X-Late) after endOfHeaders");
      s.endOfData();
      assertThatThrownBy(() -> s.append(ByteBuffer.wrap(four)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("append of 4 bytes outside a transaction (after endOfData): call mailFrom");
      assertThatThrownBy(() -> s.endOfData())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("(after endOfData)");

      s.mailFrom("<a@example.org>");
      s.reset();
      assertThatThrownBy(() -> s.append(four))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("(after reset)");
      s.close();
      assertThatThrownBy(() -> s.append(four))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
    }
  }
}
