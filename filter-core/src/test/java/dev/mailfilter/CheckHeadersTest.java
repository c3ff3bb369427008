package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.TestCheck;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** {@code CheckContext.addHeader}: order in the verdict, validation, and when nothing is added. */
class CheckHeadersTest {
  private static final byte[] MESSAGE =
      "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final Envelope ENVELOPE =
      Envelope.of(
          InetAddresses.forString("203.0.113.25"),
          "mx.example.org",
          "a@example.org",
          List.of("b@example.net"));

  private static TestCheck adding(String name, Stage stage, String... fields) {
    return new TestCheck(
        name,
        stage,
        List.of(SymbolDef.of(name.toUpperCase(java.util.Locale.ROOT) + "_RAN", 0, "ran")),
        ctx -> {
          for (int i = 0; i < fields.length; i += 2) {
            ctx.addHeader(fields[i], fields[i + 1]);
          }
        });
  }

  private static FilterConfig quiet() {
    return FilterConfig.builder()
        .set("checks.headers.enabled", false)
        .set("checks.sender.enabled", false)
        .set("checks.subject.enabled", false)
        .build();
  }

  /** The header as delivered: the edits applied in order to the message's field names. */
  private static List<String> applied(List<HeaderEdit> edits) {
    List<String> header = new ArrayList<>(List.of("From", "Subject"));
    for (HeaderEdit e : edits) {
      switch (e) {
        case HeaderEdit.Prepend p -> header.add(0, p.name() + ": " + p.value());
        case HeaderEdit.Add a -> header.add(a.name() + ": " + a.value());
        case HeaderEdit.Set s -> header.add(s.name() + ": " + s.value());
        case HeaderEdit.Remove r -> header.removeIf(h -> h.startsWith(r.name() + ":"));
      }
    }
    return header;
  }

  @Test
  void checkHeadersGoOnTopByStageThenRegistrationThenCallOrderAboveTheEnginesOwn() {
    try (MailFilter f =
        MailFilter.builder()
            .config(quiet())
            // Registered DATA checks "arc" then "auth": arc's fields come first, top-down.
            .addCheck(
                adding(
                    "arc",
                    Stage.DATA,
                    "ARC-Seal",
                    "i=1; a=rsa-sha256; cv=none",
                    "ARC-Message-Signature",
                    "i=1; a=rsa-sha256",
                    "ARC-Authentication-Results",
                    "i=1; mx.example.net; spf=pass"))
            .addCheck(
                adding(
                    "auth", Stage.DATA, "Authentication-Results", "mx.example.net;\r\n\tspf=pass"))
            .addCheck(adding("early", Stage.MAIL_FROM, "X-Early", "from MAIL FROM"))
            .build()) {
      Verdict v = f.classify(MESSAGE, ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
      // Prepends first, in reverse, so that applying the list in order gives the header below.
      assertThat(v.headerEdits().subList(0, 5)).allMatch(e -> e instanceof HeaderEdit.Prepend);
      assertThat(v.headerEdits().get(0).name()).isEqualTo("Authentication-Results");
      assertThat(applied(v.headerEdits()))
          .startsWith(
              "X-Early: from MAIL FROM",
              "ARC-Seal: i=1; a=rsa-sha256; cv=none",
              "ARC-Message-Signature: i=1; a=rsa-sha256",
              "ARC-Authentication-Results: i=1; mx.example.net; spf=pass",
              "Authentication-Results: mx.example.net;\r\n\tspf=pass",
              "From",
              "Subject")
          .anyMatch(h -> h.startsWith("X-Spam-Status:"));
    }
  }

  @Test
  void invalidOrReservedHeadersAreRefusedNamingTheCheck() {
    List<String> errors = new CopyOnWriteArrayList<>();
    TestCheck.Body tryAll =
        ctx -> {
          tryAdd(ctx, errors, "Subject", "x\r\nBcc: victim@example.net");
          tryAdd(ctx, errors, "Subject", "x\ny");
          tryAdd(ctx, errors, "Bad Name", "x");
          tryAdd(ctx, errors, "Bad:Name", "x");
          tryAdd(ctx, errors, "x-spam-flag", "NO");
          tryAdd(ctx, errors, "X-Fine", "folded\r\n value");
        };
    try (MailFilter f =
        MailFilter.builder()
            .config(quiet())
            .addCheck(
                new TestCheck(
                    "sloppy", Stage.DATA, List.of(SymbolDef.of("SLOPPY", 0, "x")), tryAll))
            .build()) {
      Verdict v = f.classify(MESSAGE, ENVELOPE);
      assertThat(errors).hasSize(5).allMatch(e -> e.startsWith("check sloppy "));
      assertThat(errors.get(0)).contains("line break that is not folding");
      assertThat(errors.get(4)).contains("x-spam-flag").contains("result header");
      assertThat(v.headerEdits())
          .filteredOn(e -> e instanceof HeaderEdit.Prepend)
          .containsExactly(new HeaderEdit.Prepend("X-Fine", "folded\r\n value"));
    }
  }

  private static void tryAdd(CheckContext ctx, List<String> errors, String name, String value) {
    try {
      ctx.addHeader(name, value);
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
    }
  }

  @Test
  void refusedMessagesGetNoCheckHeaders() {
    byte[] gtube =
        ("Subject: t\r\n\r\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    try (MailFilter f =
        MailFilter.builder()
            .config(quiet())
            .addCheck(adding("auth", Stage.DATA, "Authentication-Results", "mx; none"))
            .build()) {
      Verdict v = f.classify(gtube, ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.headerEdits()).isEmpty();
    }
  }
}
