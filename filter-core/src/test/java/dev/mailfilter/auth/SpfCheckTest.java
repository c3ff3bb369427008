package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.BuiltIns;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.Check;
import dev.mailfilter.testkit.NamedServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SPF check through a real {@link FilterSession}, against a real named on loopback. */
class SpfCheckTest {
  @TempDir static Path dir;
  private static NamedServer server;

  private static final byte[] MESSAGE =
      "From: a@pass.example\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nhello\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  // What a DATA-stage check saw of the kept MAIL FROM result, by transaction id.
  static final Map<String, Optional<SpfResult>> SEEN_AT_DATA = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    String zone =
        """
        $TTL 0
        @ IN SOA ns. host. 1 3600 600 86400 0
        @ IN NS ns.
        ns. IN A 127.0.0.1
        pass.example. IN TXT "v=spf1 ip4:192.0.2.1 -all"
        fail.example. IN TXT "v=spf1 ip4:192.0.2.1 -all exp=why.fail.example"
        why.fail.example. IN TXT "%{i} may not send for %{d}"
        soft.example. IN TXT "v=spf1 ~all"
        helo.example. IN TXT "v=spf1 a -all"
        helo.example. IN A 192.0.2.1
        slow.example. IN TXT "v=spf1 include:dead.example -all"
        """;
    server = NamedServer.start(dir, Map.of(".", zone), List.of("dead.example"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static MailFilter filter(String spfOptions) {
    String yaml =
        """
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 1s
          retries: 0
        checks:
          spf: {enabled: true%s}
        """
            .formatted(server.address().getPort(), spfOptions);
    return MailFilter.builder()
        .config(
            FilterConfig.builder()
                .registry(BuiltIns.checks().toBuilder().register("spf_probe", s -> probe()).build())
                .yaml(yaml)
                .build())
        .build();
  }

  /** Reads the kept SPF result at end of data, as DMARC will. */
  private static Check probe() {
    return new ProbeCheck(
        "spf_probe",
        Stage.DATA,
        false,
        ctx ->
            SEEN_AT_DATA.put(
                ctx.envelope().sender(),
                Optional.ofNullable(ctx.computeIfAbsent(SpfCheck.RESULT, c -> null))));
  }

  private static Verdict deliver(MailFilter f, String client, String helo, String sender) {
    try (FilterSession s = f.open(Connection.of(InetAddresses.forString(client)))) {
      assertThat(s.helo(helo).refused()).isFalse();
      Decision d = s.mailFrom(sender);
      assertThat(d.refused()).as("MAIL FROM %s: %s", sender, d).isFalse();
      assertThat(s.rcptTo("b@example.net").refused()).isFalse();
      return s.endOfData(MESSAGE);
    }
  }

  private static Symbol symbol(Verdict v, String name) {
    return v.symbols().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing in " + v.symbols()));
  }

  @Test
  void passScoresAllowAndTheResultIsKeptForLaterStages() {
    try (MailFilter f = filter("")) {
      Verdict v = deliver(f, "192.0.2.1", "mx.pass.example", "a@pass.example");
      assertThat(symbol(v, "R_SPF_ALLOW").score()).isEqualTo(-0.2);
      SpfResult kept = SEEN_AT_DATA.get("a@pass.example").orElseThrow();
      assertThat(kept.code()).isEqualTo(SpfResult.Code.PASS);
      assertThat(kept.domain()).isEqualTo("pass.example");
    }
  }

  @Test
  void failScoresByDefaultAndIsNotRefused() {
    try (MailFilter f = filter("")) {
      Verdict v = deliver(f, "198.51.100.7", "mx.example.org", "a@fail.example");
      assertThat(symbol(v, "R_SPF_FAIL").score()).isEqualTo(1.0);
      assertThat(symbol(v, "R_SPF_FAIL").options()).contains("fail.example");
    }
  }

  @Test
  void failIsRefusedAtMailFromWith550_5_7_23AndTheExplanationWhenConfigured() {
    try (MailFilter f = filter(", reject_fail: true");
        FilterSession s = f.open(Connection.of(InetAddresses.forString("198.51.100.7")))) {
      s.helo("mx.example.org");
      Decision d = s.mailFrom("a@fail.example");
      assertThat(d).isInstanceOf(Decision.Refuse.class);
      Decision.Refuse r = (Decision.Refuse) d;
      assertThat(r.action()).isEqualTo(Action.REJECT);
      assertThat(r.reply().code()).isEqualTo(550);
      assertThat(r.reply().enhanced()).isEqualTo("5.7.23");
      assertThat(String.join(" ", r.reply().lines()))
          .contains("198.51.100.7 may not send for fail.example");
    }
  }

  @Test
  void softfailIsNotRefusedEvenWithRejectFail() {
    try (MailFilter f = filter(", reject_fail: true")) {
      Verdict v = deliver(f, "198.51.100.7", "mx.example.org", "a@soft.example");
      assertThat(v.has("R_SPF_SOFTFAIL")).isTrue();
    }
  }

  @Test
  void nullSenderIsCheckedAsPostmasterAtTheHeloName() {
    try (MailFilter f = filter("")) {
      Verdict v = deliver(f, "192.0.2.1", "helo.example", "");
      assertThat(v.has("R_SPF_ALLOW")).isTrue();
      assertThat(SEEN_AT_DATA.get("").orElseThrow().sender()).isEqualTo("postmaster@helo.example");
    }
  }

  @Test
  void aServerThatNeverAnswersGivesDnsFailNotAHang() {
    try (MailFilter f = filter("")) {
      Verdict v = deliver(f, "192.0.2.1", "mx.example.org", "a@slow.example");
      assertThat(symbol(v, "R_SPF_DNSFAIL").score()).isZero();
      assertThat(v.action()).isNotEqualTo(Action.TEMPFAIL);
    }
  }

  @Test
  void noRecordIsNa() {
    try (MailFilter f = filter("")) {
      Verdict v = deliver(f, "192.0.2.1", "mx.example.org", "a@norecord.example");
      assertThat(v.has("R_SPF_NA")).isTrue();
    }
  }

  @Test
  void aBadDefaultExplanationIsRefusedAtLoadNamingTheKey() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> filter(", default_explanation: \"%{x}\""))
        .hasMessageContaining("checks.spf.default_explanation");
  }
}
