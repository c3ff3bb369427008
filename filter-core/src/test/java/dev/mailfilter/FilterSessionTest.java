package dev.mailfilter;

import static dev.mailfilter.testing.TestCheck.fixed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.Key;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.TestCheck;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FilterSessionTest {
  private static final InetAddress CLIENT = InetAddresses.forString("203.0.113.25");
  private static final byte[] MESSAGE =
      "From: a@example.org\r\nSubject: offer\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

  /**
   * The default configuration without the local header checks, which would judge the sparse headers
   * of these synthetic messages.
   */
  private static FilterConfig.Builder quiet() {
    return FilterConfig.builder()
        .set("checks.headers.enabled", false)
        .set("checks.sender.enabled", false)
        .set("checks.subject.enabled", false);
  }

  private static Connection conn() {
    return Connection.of(CLIENT, 40000, "mx.example.org");
  }

  @Test
  void blockedClientIsRefusedAtConnectAndStaysRefused() {
    FilterConfig config =
        FilterConfig.builder().set("lists.block.ips", List.of("203.0.113.0/24")).build();
    try (MailFilter f = MailFilter.builder().config(config).build();
        FilterSession s = f.open(conn())) {
      Decision d = s.connectDecision();
      assertThat(d).isInstanceOf(Decision.Refuse.class);
      Decision.Refuse r = (Decision.Refuse) d;
      assertThat(r.action()).isEqualTo(Action.REJECT);
      assertThat(r.reply().toWire()).isEqualTo("554 5.7.1 Access denied by policy\r\n");
      assertThat(r.symbols()).extracting(Symbol::name).containsExactly("BLOCKLIST_IP");
      assertThat(s.helo("mx.example.org")).isEqualTo(d);
      assertThat(s.mailFrom("<a@example.org>")).isEqualTo(d);
    }
  }

  @Test
  void blockedSenderDomainIsRefusedAtMailFromAndNextTransactionStartsClean() {
    FilterConfig config =
        FilterConfig.builder().set("lists.block.domains", List.of("spammer.example")).build();
    try (MailFilter f = MailFilter.builder().config(config).build();
        FilterSession s = f.open(conn())) {
      assertThat(s.helo("mx.example.org").refused()).isFalse();
      Decision d = s.mailFrom("<bulk@news.spammer.example>", Map.of("SIZE", "1000"));
      assertThat(d.refused()).isTrue();
      assertThat(((Decision.Refuse) d).symbols())
          .containsExactly(Symbol.of("BLOCKLIST_DOMAIN", 0, "spammer.example"));
      assertThat(s.rcptTo("<x@example.net>")).isEqualTo(d);
      s.reset();
      assertThat(s.mailFrom("<friend@example.org>").refused()).isFalse();
      assertThat(s.rcptTo("<x@example.net>").refused()).isFalse();
      assertThat(s.endOfData(MESSAGE).action()).isEqualTo(Action.ACCEPT);
    }
  }

  @Test
  void allowListedSenderSkipsChecksEvenOnGtube() {
    FilterConfig config =
        FilterConfig.builder().set("lists.allow.senders", List.of("Boss@Example.org")).build();
    byte[] gtube =
        ("Subject: t\r\n\r\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    try (MailFilter f = MailFilter.builder().config(config).build()) {
      Verdict v =
          f.classify(
              gtube,
              Envelope.of(CLIENT, "mx.example.org", "boss@example.org", List.of("r@x.example")));
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
      assertThat(v.symbols()).containsExactly(Symbol.of("ALLOWLIST_SENDER", 0, "boss@example.org"));
      Verdict other =
          f.classify(
              gtube,
              Envelope.of(CLIENT, "mx.example.org", "x@example.org", List.of("r@x.example")));
      assertThat(other.action()).isEqualTo(Action.REJECT);
    }
  }

  @Test
  void scoreReachingRejectBeforeDataRefusesEarly() {
    try (MailFilter f =
            MailFilter.builder()
                .addCheck(fixed("rbl", Stage.CONNECT, "LISTED_EVERYWHERE", 16))
                .build();
        FilterSession s = f.open(conn())) {
      Decision d = s.connectDecision();
      assertThat(d.refused()).isTrue();
      assertThat(((Decision.Refuse) d).reply().code()).isEqualTo(554);
    }
  }

  @Test
  void checkCanRefuseOneRecipientWhileOthersAreAccepted() {
    Check rcptCheck =
        new TestCheck(
            "rcpt",
            Stage.RCPT,
            List.of(
                SymbolDef.of("UNKNOWN_USER", 0, "no such user"),
                SymbolDef.of("RCPT_SEEN", 0.5, "seen")),
            ctx -> {
              String r = ctx.recipient().orElseThrow();
              if (r.startsWith("nobody@")) {
                ctx.addSymbol("UNKNOWN_USER", r);
                ctx.forceAction(Action.REJECT, "no such user");
              } else {
                ctx.addSymbol("RCPT_SEEN", r);
              }
            });
    try (MailFilter f = MailFilter.builder().config(quiet().build()).addCheck(rcptCheck).build();
        FilterSession s = f.open(conn())) {
      s.helo("mx.example.org");
      s.mailFrom("a@example.org");
      assertThat(s.rcptTo("<one@example.net>").refused()).isFalse();
      assertThat(s.rcptTo("<nobody@example.net>").refused()).isTrue();
      assertThat(s.rcptTo("<two@example.net>").refused()).isFalse();
      Verdict v = s.endOfData(MESSAGE);
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
      assertThat(v.symbols())
          .containsExactly(Symbol.of("RCPT_SEEN", 0.5, "one@example.net", "two@example.net"));
    }
  }

  @Test
  void heloFindingsCarryOverToEveryTransactionButMailFindingsDoNot() {
    try (MailFilter f =
            MailFilter.builder().addCheck(fixed("mf", Stage.MAIL_FROM, "MAIL_SYM", 1)).build();
        FilterSession s = f.open(conn())) {
      s.helo("192.0.2.1");
      s.mailFrom("a@example.org");
      s.rcptTo("b@example.net");
      Verdict first = s.endOfData(MESSAGE);
      assertThat(first.symbols()).extracting(Symbol::name).contains("HELO_BARE_IP", "MAIL_SYM");
      s.mailFrom("c@example.org");
      s.reset();
      assertThatThrownBy(() -> s.rcptTo("b@example.net")).isInstanceOf(IllegalStateException.class);
      s.mailFrom("d@example.org");
      s.rcptTo("b@example.net");
      Verdict second = s.endOfData(MESSAGE);
      assertThat(second.symbols())
          .extracting(Symbol::name)
          .containsOnlyOnce("HELO_BARE_IP", "MAIL_SYM");
    }
  }

  @Test
  void timedOutCheckIsReportedAndTheStageEndsAtItsDeadline() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch lateAttempted = new CountDownLatch(1);
    Check stubborn =
        new TestCheck(
            "stubborn",
            Stage.DATA,
            List.of(SymbolDef.of("TOO_LATE", 50, "added after the deadline")),
            ctx -> {
              // Ignores interruption on purpose: the engine must not wait for it.
              while (true) {
                try {
                  if (release.await(10, TimeUnit.SECONDS)) {
                    break;
                  }
                } catch (InterruptedException e) {
                  // keep blocking
                }
              }
              ctx.addSymbol("TOO_LATE");
              lateAttempted.countDown();
            });
    FilterConfig config = FilterConfig.builder().set("engine.timeouts.data", "300ms").build();
    try (MailFilter f =
        MailFilter.builder()
            .config(config)
            .addCheck(stubborn)
            .addCheck(fixed("quick", Stage.DATA, "QUICK", 1))
            .build()) {
      long start = System.nanoTime();
      Verdict v =
          f.classify(
              MESSAGE,
              Envelope.of(CLIENT, "mx.example.org", "a@example.org", List.of("b@example.net")));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took).isLessThan(Duration.ofSeconds(5));
      assertThat(v.symbols()).extracting(Symbol::name).contains("CHECK_TIMEOUT_STUBBORN", "QUICK");
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
      release.countDown();
      assertThat(lateAttempted.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(v.symbols()).extracting(Symbol::name).doesNotContain("TOO_LATE");
    }
  }

  @Test
  void timeoutWithTempfailPolicyAnswersTemporaryFailure() {
    Check sleeper =
        new TestCheck(
            "sleeper",
            Stage.DATA,
            List.of(SymbolDef.of("NEVER", 1, "never")),
            ctx -> Thread.sleep(60_000));
    FilterConfig config =
        FilterConfig.builder()
            .set("engine.timeouts.data", "200ms")
            .set("engine.on_check_timeout", "tempfail")
            .build();
    try (MailFilter f = MailFilter.builder().config(config).addCheck(sleeper).build()) {
      Verdict v =
          f.classify(
              MESSAGE,
              Envelope.of(CLIENT, "mx.example.org", "a@example.org", List.of("b@example.net")));
      assertThat(v.action()).isEqualTo(Action.TEMPFAIL);
      assertThat(v.reply().code()).isEqualTo(451);
      assertThat(v.headerEdits()).isEmpty();
    }
  }

  @Test
  void throwingCheckWithTempfailPolicyRefusesAtItsStage() {
    Check thrower =
        new TestCheck(
            "spf",
            Stage.MAIL_FROM,
            List.of(),
            ctx -> {
              throw new IllegalStateException("resolver broken");
            });
    FilterConfig config = FilterConfig.builder().set("engine.on_check_error", "tempfail").build();
    try (MailFilter f = MailFilter.builder().config(config).addCheck(thrower).build();
        FilterSession s = f.open(conn())) {
      s.helo("mx.example.org");
      Decision d = s.mailFrom("a@example.org");
      assertThat(d).isInstanceOf(Decision.Refuse.class);
      assertThat(((Decision.Refuse) d).action()).isEqualTo(Action.TEMPFAIL);
      assertThat(((Decision.Refuse) d).symbols())
          .extracting(Symbol::name)
          .contains("CHECK_FAILED_SPF");
    }
  }

  @Test
  void undeclaredSymbolFailsOnlyThatCheck() {
    Check sloppy =
        new TestCheck("sloppy", Stage.DATA, List.of(), ctx -> ctx.addSymbol("NOT_DECLARED"));
    try (MailFilter f = MailFilter.builder().config(quiet().build()).addCheck(sloppy).build()) {
      Verdict v =
          f.classify(
              MESSAGE,
              Envelope.of(CLIENT, "mx.example.org", "a@example.org", List.of("b@example.net")));
      assertThat(v.symbols()).extracting(Symbol::name).containsExactly("CHECK_FAILED_SLOPPY");
    }
  }

  @Test
  void cachedValueIsComputedOnceAndSharedByChecksOfTheTransaction() {
    Key<String> key = Key.of("expensive");
    AtomicInteger computations = new AtomicInteger();
    List<Check> checks = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String sym = "USES_CACHE_" + i;
      checks.add(
          new TestCheck(
              "user" + i,
              Stage.DATA,
              List.of(SymbolDef.of(sym, 0.1, "uses the cache")),
              ctx -> {
                String v =
                    ctx.computeIfAbsent(
                        key,
                        c -> {
                          computations.incrementAndGet();
                          try {
                            Thread.sleep(50);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                          return "value";
                        });
                ctx.addSymbol(sym, v);
              }));
    }
    MailFilter.Builder b = MailFilter.builder().config(quiet().build());
    checks.forEach(b::addCheck);
    try (MailFilter f = b.build()) {
      Envelope env =
          Envelope.of(CLIENT, "mx.example.org", "a@example.org", List.of("b@example.net"));
      Verdict v = f.classify(MESSAGE, env);
      assertThat(v.symbols())
          .hasSize(4)
          .allSatisfy(s -> assertThat(s.options()).containsExactly("value"));
      assertThat(computations).hasValue(1);
      f.classify(MESSAGE, env);
      assertThat(computations).hasValue(2);
    }
  }

  @Test
  void rewriteSubjectPrefixesTheRawSubject() {
    // add_header no higher than rewrite_subject: thresholds must keep the actions' order.
    FilterConfig config =
        quiet().set("actions.add_header", 5).set("actions.rewrite_subject", 5).build();
    try (MailFilter f =
        MailFilter.builder()
            .config(config)
            .addCheck(fixed("x", Stage.DATA, "X_SPAMMY", 5.5))
            .build()) {
      byte[] m =
          "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n very cheap\r\nFrom: a@b.example\r\n\r\nhi\r\n"
              .getBytes(StandardCharsets.US_ASCII);
      Verdict v =
          f.classify(
              m, Envelope.of(CLIENT, "mx.example.org", "a@example.org", List.of("b@example.net")));
      assertThat(v.action()).isEqualTo(Action.REWRITE_SUBJECT);
      assertThat(v.headerEdits())
          .contains(
              new HeaderEdit.Set("Subject", "*** SPAM *** =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= very cheap"));
    }
  }

  @Test
  void sessionOnAFilterClosedWithoutGraceReportsFailedChecksInsteadOfThrowing() {
    MailFilter f = MailFilter.builder().addCheck(fixed("late", Stage.DATA, "LATE", 1)).build();
    FilterSession s = f.open(conn());
    s.helo("mx.example.org");
    s.mailFrom("a@example.org");
    s.rcptTo("b@example.net");
    f.close(Duration.ZERO); // cuts the session in flight (close() would wait for it)
    Verdict v = s.endOfData(MESSAGE);
    assertThat(v.symbols()).extracting(Symbol::name).contains("CHECK_FAILED_LATE");
  }

  @Test
  void misuseThrowsIllegalState() {
    try (MailFilter f = MailFilter.withDefaults()) {
      FilterSession s = f.open(conn());
      assertThatThrownBy(() -> s.endOfData(MESSAGE))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("before mailFrom");
      s.close();
      assertThatThrownBy(() -> s.helo("x.example")).isInstanceOf(IllegalStateException.class);
    }
  }
}
