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

/**
 * {@code CheckContext.addHeader} and {@code removeHeader}: order in the verdict, validation, and
 * when nothing is added or removed.
 */
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
        case HeaderEdit.RemoveAt r -> throw new AssertionError("no removal expected: " + r);
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

  private static final byte[] WITH_RESULTS =
      ("Authentication-Results: other.example; spf=pass\r\n"
              + "From: a@example.org\r\n"
              + "Authentication-Results: mx.ours.example; spf=pass\r\n"
              + "Authentication-Results: mx.ours.example; dkim=pass\r\n"
              + "Subject: hi\r\n\r\nbody\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  private static TestCheck removing(String name, Stage stage, Object... fields) {
    return new TestCheck(
        name,
        stage,
        List.of(SymbolDef.of(name.toUpperCase(java.util.Locale.ROOT) + "_RAN", 0, "ran")),
        ctx -> {
          for (int i = 0; i < fields.length; i += 2) {
            ctx.removeHeader((String) fields[i], (Integer) fields[i + 1]);
          }
        });
  }

  @Test
  void removalsComeFirstOncePerFieldByNameFromTheHighestIndexDown() {
    try (MailFilter f =
        MailFilter.builder()
            .config(quiet())
            .addCheck(adding("auth", Stage.DATA, "Authentication-Results", "mx.ours.example; none"))
            .addCheck(
                removing(
                    "strip",
                    Stage.DATA,
                    "Authentication-Results",
                    2,
                    "X-Other",
                    1,
                    "authentication-results",
                    3,
                    "Authentication-Results",
                    2))
            .addCheck(removing("early", Stage.HEADERS, "Authentication-Results", 3))
            .build()) {
      Verdict v = f.classify(WITH_RESULTS, ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
      assertThat(v.headerEdits().subList(0, 4))
          .containsExactly(
              new HeaderEdit.RemoveAt("Authentication-Results", 3),
              new HeaderEdit.RemoveAt("Authentication-Results", 2),
              new HeaderEdit.RemoveAt("X-Other", 1),
              new HeaderEdit.Prepend("Authentication-Results", "mx.ours.example; none"));
      assertThat(v.headerEdits()).filteredOn(e -> e instanceof HeaderEdit.RemoveAt).hasSize(3);
    }
  }

  @Test
  void removalIsRefusedBeforeTheHeaderAndForABadIndexOrNameNamingTheCheck() {
    List<String> errors = new CopyOnWriteArrayList<>();
    TestCheck.Body tryAll =
        ctx -> {
          for (Object[] args :
              List.of(
                  new Object[] {"Authentication-Results", 0},
                  new Object[] {"Bad Name", 1},
                  new Object[] {"X-Fine", 1})) {
            try {
              ctx.removeHeader((String) args[0], (Integer) args[1]);
            } catch (IllegalArgumentException | IllegalStateException e) {
              errors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
          }
        };
    try (MailFilter f =
        MailFilter.builder()
            .config(quiet())
            .addCheck(
                new TestCheck(
                    "sloppy", Stage.DATA, List.of(SymbolDef.of("SLOPPY", 0, "x")), tryAll))
            .addCheck(
                new TestCheck(
                    "toosoon",
                    Stage.MAIL_FROM,
                    List.of(SymbolDef.of("TOOSOON", 0, "x")),
                    ctx -> {
                      try {
                        ctx.removeHeader("Authentication-Results", 1);
                      } catch (IllegalStateException e) {
                        errors.add("IllegalStateException: " + e.getMessage());
                      }
                    }))
            .build()) {
      Verdict v = f.classify(WITH_RESULTS, ENVELOPE);
      assertThat(errors)
          .containsExactlyInAnyOrder(
              "IllegalStateException: check toosoon removes header Authentication-Results at"
                  + " MAIL_FROM, before the header",
              "IllegalArgumentException: check sloppy removed an invalid header: header index must"
                  + " be at least 1: 0",
              "IllegalArgumentException: check sloppy removed an invalid header: invalid header"
                  + " field name: Bad Name");
      assertThat(v.headerEdits())
          .filteredOn(e -> e instanceof HeaderEdit.RemoveAt)
          .containsExactly(new HeaderEdit.RemoveAt("X-Fine", 1));
    }
  }

  @Test
  void refusedMessagesGetNoRemovals() {
    byte[] gtube =
        ("Authentication-Results: mx.ours.example; spf=pass\r\nSubject: t\r\n\r\n"
                + "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    try (MailFilter f =
        MailFilter.builder()
            .config(quiet())
            .addCheck(removing("strip", Stage.DATA, "Authentication-Results", 1))
            .build()) {
      Verdict v = f.classify(gtube, ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.headerEdits()).isEmpty();
    }
  }
}
