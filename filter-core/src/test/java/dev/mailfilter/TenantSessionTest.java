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
import dev.mailfilter.api.Policy;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Thresholds;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.api.VerdictScope;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Relay control, recipient grouping and tenant policies through the session API. */
class TenantSessionTest {
  private static final InetAddress CLIENT = InetAddresses.forString("203.0.113.25");
  private static final byte[] MESSAGE =
      "From: a@sender.example\r\nSubject: offer\r\n\r\nbody\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  /** The built-in configuration without the checks that judge these sparse messages. */
  private static FilterConfig.Builder quiet(String yaml) {
    return FilterConfig.builder()
        .set("checks.headers.enabled", false)
        .set("checks.sender.enabled", false)
        .set("checks.subject.enabled", false)
        .yaml(yaml);
  }

  /** A filter whose only judgement is a fixed DATA symbol of the given score. */
  private static MailFilter filter(String yaml, double probeScore) {
    return MailFilter.builder()
        .config(quiet(yaml).build())
        .addCheck(fixed("probe", Stage.DATA, "PROBE", probeScore))
        .build();
  }

  private static Connection conn() {
    return Connection.of(CLIENT, 40000, "mx.sender.example");
  }

  private static Decision.Refuse refusal(Decision d) {
    assertThat(d).isInstanceOf(Decision.Refuse.class);
    return (Decision.Refuse) d;
  }

  @Test
  void recipientOfAnUnconfiguredDomainIsRelayDenied() {
    try (MailFilter f = filter("domains: {ours.example: {}}", 0);
        FilterSession s = f.open(conn())) {
      s.helo("mx.sender.example");
      s.mailFrom("<a@sender.example>");
      Decision.Refuse r = refusal(s.rcptTo("<x@elsewhere.example>"));
      assertThat(r.reply().toWire()).isEqualTo("550 5.7.1 Relaying denied\r\n");
      assertThat(r.action()).isEqualTo(Action.REJECT);
      assertThat(s.rcptTo("<x@sub.ours.example>").refused()).isTrue();
      assertThat(s.rcptTo("<X@OURS.example>").refused()).isFalse();
      Verdict v = s.endOfData(MESSAGE);
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
    }
  }

  @Test
  void barePostmasterIsAcceptedUnderRelayControlAsRfc5321Requires() {
    // RFC 5321 4.5.1: "postmaster" without a domain, in any case, must be accepted.
    try (MailFilter f = filter("domains: {ours.example: {}}", 0);
        FilterSession s = f.open(conn())) {
      s.mailFrom("<a@sender.example>");
      assertThat(s.rcptTo("<Postmaster>").refused()).isFalse();
      assertThat(s.rcptTo("<postmaster@elsewhere.example>").refused()).isTrue();
      assertThat(s.rcptTo("<postmistress>").refused()).isTrue();
      assertThat(s.endOfData(MESSAGE).action()).isEqualTo(Action.ACCEPT);
    }
  }

  @Test
  void trustedClientMayRelayAndLoopbackIsNotTrustedByDefault() {
    String yaml = "domains: {ours.example: {}}\ntrusted_networks: [203.0.113.0/24]";
    try (MailFilter f = filter(yaml, 0);
        FilterSession s = f.open(conn())) {
      s.mailFrom("<a@sender.example>");
      assertThat(s.rcptTo("<x@elsewhere.example>").refused()).isFalse();
    }
    try (MailFilter f = filter("domains: {ours.example: {}}", 0);
        FilterSession s = f.open(Connection.of(InetAddresses.forString("127.0.0.1")))) {
      s.mailFrom("<a@sender.example>");
      assertThat(s.rcptTo("<x@elsewhere.example>").refused()).isTrue();
    }
  }

  @Test
  void withoutDomainsEveryRecipientIsAccepted() {
    try (MailFilter f = filter("", 0);
        FilterSession s = f.open(conn(), VerdictScope.ONE_GROUP_PER_TRANSACTION)) {
      s.mailFrom("<a@sender.example>");
      assertThat(s.rcptTo("<x@anywhere.example>").refused()).isFalse();
      assertThat(s.rcptTo("<y@elsewhere.example>").refused()).isFalse();
    }
  }

  @Test
  void smtpScopeDefersARecipientOfAnotherGroupWith452() {
    String yaml =
        """
        domains:
          strict.example: {actions: {add_header: 2}}
          also-strict.example: {actions: {add_header: 2}}
          plain.example: {}
          routed.example: {route: {host: mx.routed.example}}
        """;
    try (MailFilter f = filter(yaml, 3);
        FilterSession s = f.open(conn(), VerdictScope.ONE_GROUP_PER_TRANSACTION)) {
      s.mailFrom("<a@sender.example>");
      assertThat(s.rcptTo("<a@strict.example>").refused()).isFalse();
      Decision.Refuse r = refusal(s.rcptTo("<b@plain.example>"));
      assertThat(r.reply().toWire())
          .isEqualTo("452 4.5.3 Too many recipients, send this one in a new transaction\r\n");
      assertThat(r.reply().isTemporary()).isTrue();
      // Equal settings set on two domains are one policy, so one group.
      assertThat(s.rcptTo("<c@also-strict.example>").refused()).isFalse();
      Verdict v = s.endOfData(MESSAGE);
      assertThat(v.action()).isEqualTo(Action.ADD_HEADER);

      // The deferred recipient starts the next transaction; same policy, other route: deferred.
      s.mailFrom("<a@sender.example>");
      assertThat(s.rcptTo("<b@plain.example>").refused()).isFalse();
      assertThat(refusal(s.rcptTo("<d@routed.example>")).reply().code()).isEqualTo(452);
      assertThat(s.endOfData(MESSAGE).action()).isEqualTo(Action.ACCEPT);
    }
  }

  @Test
  void oneVerdictPerMessageIsJudgedByTheStrictestPolicy() {
    String yaml =
        """
        domains:
          strict.example: {actions: {add_header: 2}, quarantine: false}
          plain.example: {actions: {quarantine: 2.5}}
        """;
    try (MailFilter f = filter(yaml, 3);
        FilterSession s = f.open(conn())) {
      s.mailFrom("<a@sender.example>");
      assertThat(s.rcptTo("<b@plain.example>").refused()).isFalse();
      assertThat(s.endOfData(MESSAGE).action()).isEqualTo(Action.QUARANTINE);

      s.mailFrom("<a@sender.example>");
      assertThat(s.rcptTo("<b@plain.example>").refused()).isFalse();
      assertThat(s.rcptTo("<a@strict.example>").refused()).isFalse();
      // Lowest thresholds of both (quarantine at 2.5 reached), and quarantine off wins.
      Verdict v = s.endOfData(MESSAGE);
      assertThat(v.action()).isEqualTo(Action.ADD_HEADER);
      assertThat(v.required()).isEqualTo(2.0);
    }
  }

  @Test
  void tenantBlockListRefusesOnlyItsRecipients() {
    String yaml =
        """
        domains:
          picky.example: {lists: {block: {domains: [sender.example]}}}
          open.example: {}
        """;
    try (MailFilter f = filter(yaml, 0);
        FilterSession s = f.open(conn())) {
      s.mailFrom("<a@mail.sender.example>");
      Decision.Refuse r = refusal(s.rcptTo("<x@picky.example>"));
      assertThat(r.reply().toWire()).isEqualTo("554 5.7.1 Access denied by policy\r\n");
      assertThat(r.symbols()).containsExactly(Symbol.of("BLOCKLIST_DOMAIN", 0, "sender.example"));
      assertThat(s.rcptTo("<x@open.example>").refused()).isFalse();
    }
  }

  @Test
  void tenantAllowListSkipsTheChecksOfItsRecipients() {
    String yaml =
        """
        domains:
          friendly.example: {lists: {allow: {ips: [203.0.113.0/24]}}}
          open.example: {}
        """;
    try (MailFilter f = filter(yaml, 100);
        FilterSession s = f.open(conn())) {
      s.mailFrom("<a@sender.example>");
      s.rcptTo("<x@friendly.example>");
      Verdict v = s.endOfData(MESSAGE);
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
      assertThat(v.symbols()).containsExactly(Symbol.of("ALLOWLIST_IP", 0, "203.0.113.0/24"));

      // One verdict for both: the allow list of one recipient does not spare the other.
      s.mailFrom("<a@sender.example>");
      s.rcptTo("<x@friendly.example>");
      s.rcptTo("<x@open.example>");
      assertThat(s.endOfData(MESSAGE).action()).isEqualTo(Action.REJECT);
    }
  }

  @Test
  void symbolAndGroupRulesApplyWhenTheVerdictIsComputed() {
    String yaml =
        """
        checks: {headers: {enabled: true}}
        domains:
          lenient.example: {symbols_disabled: [MISSING_MID], group_factors: {headers: 0.5}}
          open.example: {}
        """;
    try (MailFilter f = MailFilter.builder().config(quiet(yaml).build()).build()) {
      Verdict open = classify(f, "x@open.example");
      Verdict lenient = classify(f, "x@lenient.example");
      assertThat(open.has("MISSING_MID")).isTrue();
      assertThat(lenient.has("MISSING_MID")).isFalse();
      Symbol date = symbol(open, "MISSING_DATE");
      assertThat(symbol(lenient, "MISSING_DATE").score()).isEqualTo(date.score() * 0.5);
    }
  }

  @Test
  void resultHeadersOffLeavesOnlyRemovals() {
    String yaml = "domains: {quiet.example: {result_headers: false}, open.example: {}}";
    try (MailFilter f = filter(yaml, 7)) {
      Verdict loud = classify(f, "x@open.example");
      Verdict quiet = classify(f, "x@quiet.example");
      assertThat(loud.action()).isEqualTo(Action.ADD_HEADER);
      assertThat(quiet.action()).isEqualTo(Action.ADD_HEADER);
      assertThat(loud.headerEdits()).hasAtLeastOneElementOfType(HeaderEdit.Add.class);
      assertThat(quiet.headerEdits())
          .isNotEmpty()
          .allSatisfy(e -> assertThat(e).isInstanceOf(HeaderEdit.Remove.class));
    }
  }

  @Test
  void resultHeadersOffKeepsTheHeadersThatChecksAdd() {
    // result_headers governs the engine's X-Spam-* fields, not an Authentication-Results a check
    // adds: the recipient's server needs that one whatever the tenant's taste in headers.
    String yaml = "domains: {quiet.example: {result_headers: false}}";
    try (MailFilter f =
        MailFilter.builder()
            .config(quiet(yaml).build())
            .addCheck(fixed("probe", Stage.DATA, "PROBE", 7))
            .addCheck(
                new dev.mailfilter.testing.TestCheck(
                    "auth",
                    Stage.DATA,
                    List.of(dev.mailfilter.spi.SymbolDef.of("AUTH_RAN", 0, "ran")),
                    ctx -> ctx.addHeader("Authentication-Results", "mx.ours.example; spf=pass")))
            .build()) {
      Verdict v = classify(f, "x@quiet.example");
      assertThat(v.action()).isEqualTo(Action.ADD_HEADER);
      assertThat(v.headerEdits())
          .contains(new HeaderEdit.Prepend("Authentication-Results", "mx.ours.example; spf=pass"))
          .noneMatch(e -> e instanceof HeaderEdit.Add);
    }
  }

  @Test
  void aGroupTurnedOffDropsTheActionsItsCheckDemandsAsWellAsItsSymbols() {
    String yaml = "domains: {ours.example: {}, lax.example: {groups_disabled: [blocker]}}";
    dev.mailfilter.spi.Check blocker =
        new dev.mailfilter.testing.TestCheck(
            "blocker",
            Stage.DATA,
            List.of(dev.mailfilter.spi.SymbolDef.of("BLOCKED", 0, "blocked")),
            ctx -> {
              ctx.addSymbol("BLOCKED");
              ctx.forceAction(Action.REJECT, "blocked");
            });
    // Registered, not added: group names in the tenants are checked against the registry.
    try (MailFilter f =
        MailFilter.builder()
            .config(
                quiet(yaml)
                    .registry(
                        BuiltIns.checks().toBuilder().register("blocker", s -> blocker).build())
                    .build())
            .build()) {
      assertThat(classify(f, "x@ours.example").action()).isEqualTo(Action.REJECT);
      Verdict lax = classify(f, "x@lax.example");
      assertThat(lax.has("BLOCKED")).isFalse();
      assertThat(lax.action()).isEqualTo(Action.ACCEPT);
    }
  }

  @Test
  void classifyOfAnUnconfiguredRecipientIsRelayDenied() {
    try (MailFilter f = filter("domains: {ours.example: {}}", 0)) {
      Verdict v = classify(f, "x@elsewhere.example");
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.reply().code()).isEqualTo(550);
    }
  }

  @Test
  void policyResolverAndConfiguredTenantsAreExclusive() {
    FilterConfig config = quiet("domains: {ours.example: {}}").build();
    assertThatThrownBy(
            () ->
                MailFilter.builder()
                    .config(config)
                    .policyResolver(r -> new Policy("p", Thresholds.defaults()))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use one");
  }

  private static Verdict classify(MailFilter f, String rcpt) {
    return f.classify(
        MESSAGE, Envelope.of(CLIENT, "mx.sender.example", "a@sender.example", List.of(rcpt)));
  }

  private static Symbol symbol(Verdict v, String name) {
    return v.symbols().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }
}
