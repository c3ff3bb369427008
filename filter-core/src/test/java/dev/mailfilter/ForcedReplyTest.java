package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.TestCheck;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A check that demands an action with its own reply, through a whole {@link MailFilter}. */
class ForcedReplyTest {
  private static final byte[] MAIL =
      "From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello.\r\n"
          .getBytes(StandardCharsets.US_ASCII);
  private static final Envelope ENVELOPE =
      Envelope.of(
          InetAddresses.forString("198.51.100.7"),
          "mail.example.org",
          "a@example.org",
          List.of("b@example.net"));
  private static final Reply VIRUS = Reply.of(554, "5.7.1", "Virus found: Eicar-Test-Signature");
  private static final Reply SCANNER_DOWN =
      Reply.of(451, "4.7.1", "Virus scan unavailable, please try again later");

  /** A check that demands {@code action}, with {@code reply} unless it is null. */
  private static Check demanding(String name, Stage stage, Action action, Reply reply) {
    return new TestCheck(
        name,
        stage,
        List.of(SymbolDef.of("DEMAND_" + name.toUpperCase(java.util.Locale.ROOT), 0, "test")),
        ctx -> {
          if (reply == null) {
            ctx.forceAction(action, "test demand by " + name);
          } else {
            ctx.forceAction(action, "test demand by " + name, reply);
          }
        });
  }

  private static MailFilter filter(Check... checks) {
    MailFilter.Builder b = MailFilter.builder();
    for (Check c : checks) {
      b.addCheck(c);
    }
    return b.build();
  }

  @Test
  void rejectAnswersWithTheChecksOwnReply() {
    try (MailFilter f = filter(demanding("av", Stage.DATA, Action.REJECT, VIRUS))) {
      Verdict v = f.classify(MAIL, ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.reply()).isEqualTo(VIRUS);
      assertThat(v.reply().toWire()).isEqualTo("554 5.7.1 Virus found: Eicar-Test-Signature\r\n");
    }
  }

  @Test
  void tempfailAnswersWithTheChecksOwnReplyNotTheGenericOne() {
    try (MailFilter f = filter(demanding("av", Stage.DATA, Action.TEMPFAIL, SCANNER_DOWN))) {
      Verdict v = f.classify(MAIL, ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.TEMPFAIL);
      assertThat(v.reply()).isEqualTo(SCANNER_DOWN);
      assertThat(v.reply()).isNotEqualTo(f.config().reply(Action.TEMPFAIL));
    }
  }

  @Test
  void demandWithoutReplyGetsTheConfiguredReply() {
    try (MailFilter f = filter(demanding("plain", Stage.DATA, Action.REJECT, null))) {
      Verdict v = f.classify(MAIL, ENVELOPE);
      assertThat(v.reply()).isEqualTo(f.config().reply(Action.REJECT));
    }
  }

  @Test
  void moreSevereDemandWinsWithItsReplyOverALesserOnesReply() {
    Reply soft = Reply.of(450, "4.7.1", "Slow down");
    try (MailFilter f =
        filter(
            demanding("soft", Stage.DATA, Action.SOFT_REJECT, soft),
            demanding("hard", Stage.DATA, Action.REJECT, null))) {
      Verdict v = f.classify(MAIL, ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.REJECT);
      // The winning demand brought no reply: the lesser demand's text must not leak into it.
      assertThat(v.reply()).isEqualTo(f.config().reply(Action.REJECT));
    }
  }

  @Test
  void ofEqualDemandsOneWithAReplyWinsThenTheFirstCheckName() {
    Reply other = Reply.of(550, "5.7.1", "Policy says no");
    for (int round = 0; round < 20; round++) {
      try (MailFilter f =
          filter(
              demanding("zz_plain", Stage.DATA, Action.REJECT, null),
              demanding("bb_policy", Stage.DATA, Action.REJECT, other),
              demanding("aa_av", Stage.DATA, Action.REJECT, VIRUS))) {
        assertThat(f.classify(MAIL, ENVELOPE).reply()).isEqualTo(VIRUS);
      }
    }
  }

  @Test
  void earlierStageReplyWinsAmongEqualDemands() {
    // Demands that do not refuse the client travel to the end of data, where both compete.
    Reply fromHelo = Reply.of(250, "2.0.0", "Held: suspicious client");
    Reply fromData = Reply.of(250, "2.0.0", "Held: suspicious content");
    try (MailFilter f =
        filter(
            demanding("zz_helo", Stage.HELO, Action.QUARANTINE, fromHelo),
            demanding("aa_data", Stage.DATA, Action.QUARANTINE, fromData))) {
      Verdict v = f.classify(MAIL, ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.QUARANTINE);
      assertThat(v.reply()).isEqualTo(fromHelo);
    }
  }

  @Test
  void earlyRefusalCarriesTheChecksOwnReply() {
    Reply blocked = Reply.of(550, "5.7.1", "Sender on our own list");
    try (MailFilter f = filter(demanding("policy", Stage.MAIL_FROM, Action.REJECT, blocked))) {
      try (FilterSession s = f.open(ENVELOPE.connection())) {
        assertThat(s.helo("mail.example.org").refused()).isFalse();
        Decision d = s.mailFrom("<a@example.org>", Map.of());
        assertThat(d).isInstanceOf(Decision.Refuse.class);
        assertThat(((Decision.Refuse) d).reply()).isEqualTo(blocked);
        // The same refusal reaches the verdict of classify.
      }
      assertThat(f.classify(MAIL, ENVELOPE).reply()).isEqualTo(blocked);
    }
  }

  @Test
  void quarantineCanAnswerWithItsOwnPositiveReply() {
    Reply held = Reply.of(250, "2.0.0", "Queued for review");
    try (MailFilter f = filter(demanding("hold", Stage.DATA, Action.QUARANTINE, held))) {
      Verdict v = f.classify(MAIL, ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.QUARANTINE);
      assertThat(v.reply()).isEqualTo(held);
    }
  }

  @Test
  void replyOfTheWrongClassIsRefusedWithTheCodeAndAction() {
    AtomicReference<Exception> thrown = new AtomicReference<>();
    Check wrong =
        new TestCheck(
            "wrong",
            Stage.DATA,
            List.of(SymbolDef.of("WRONG", 0, "test")),
            ctx -> {
              try {
                ctx.forceAction(Action.TEMPFAIL, "scanner down", VIRUS);
              } catch (IllegalArgumentException e) {
                thrown.set(e);
                throw e;
              }
            });
    try (MailFilter f = filter(wrong)) {
      Verdict v = f.classify(MAIL, ENVELOPE);
      // The misuse fails only that check; the demand is not recorded.
      assertThat(v.has("CHECK_FAILED_WRONG")).isTrue();
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
    }
    assertThat(thrown.get())
        .hasMessageContaining("wrong")
        .hasMessageContaining("TEMPFAIL")
        .hasMessageContaining("554")
        .hasMessageContaining("4xx");
  }
}
