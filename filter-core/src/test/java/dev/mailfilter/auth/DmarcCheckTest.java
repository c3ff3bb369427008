package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.BuiltIns;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testkit.NamedServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DMARC check through a real {@link FilterSession}, with SPF and DMARC records served by a real
 * BIND named on loopback: pass by SPF alignment, reject, quarantine, np, t=y, the tenant's action
 * override, the trusted ARC sealer and the report rows.
 */
class DmarcCheckTest {
  @TempDir static Path dir;
  private static NamedServer server;

  private static final String GOOD_IP = "192.0.2.1";
  private static final String OTHER_IP = "198.51.100.7";

  private static java.security.PrivateKey dkimKey;

  @BeforeAll
  static void start() throws Exception {
    java.security.KeyPair pair =
        java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    dkimKey = pair.getPrivate();
    byte[] spki = pair.getPublic().getEncoded();
    // The raw 32-byte key RFC 8463 publishes is the tail of the SubjectPublicKeyInfo.
    String raw =
        java.util.Base64.getEncoder()
            .encodeToString(java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length));
    String zone =
        """
        $TTL 0
        @ IN SOA ns. host. 1 3600 600 86400 0
        @ IN NS ns.
        ns. IN A 127.0.0.1
        pass.example. IN TXT "v=spf1 ip4:192.0.2.1 -all"
        _dmarc.pass.example. IN TXT "v=DMARC1; p=reject"
        bounce.pass.example. IN TXT "v=spf1 ip4:192.0.2.1 -all"
        reject.example. IN A 192.0.2.9
        _dmarc.reject.example. IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@reject.example"
        quarantine.example. IN A 192.0.2.9
        _dmarc.quarantine.example. IN TXT "v=DMARC1; p=quarantine"
        np.example. IN A 192.0.2.9
        real.np.example. IN A 192.0.2.9
        _dmarc.np.example. IN TXT "v=DMARC1; p=none; np=reject"
        testing.example. IN A 192.0.2.9
        _dmarc.testing.example. IN TXT "v=DMARC1; p=reject; t=y"
        nodmarc.example. IN A 192.0.2.9
        lists.example.org. IN TXT "v=spf1 ip4:198.51.100.7 -all"
        sel._domainkey.mail.reject.example. IN TXT "v=DKIM1; k=ed25519; p=%s"
        arc._domainkey.lists.example.org. IN TXT "v=DKIM1; k=ed25519; p=%s"
        arc._domainkey.other.example. IN TXT "v=DKIM1; k=ed25519; p=%s"
        """
            .formatted(raw, raw, raw);
    server = NamedServer.start(dir, Map.of(".", zone), List.of());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static MailFilter filter(String dmarcOptions, String extra) {
    String yaml =
        """
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 2s
          retries: 0
        checks:
          spf: {enabled: true}
          dmarc: {enabled: true%s}
        %s
        """
            .formatted(server.address().getPort(), dmarcOptions, extra);
    return MailFilter.builder()
        .config(
            FilterConfig.builder()
                .registry(
                    BuiltIns.checks().toBuilder()
                        .register("arc_probe", s -> arcProbe())
                        .register("dmarc_probe", s -> new DmarcProbe(s.peer(DmarcCheck.class)))
                        .build())
                .yaml(yaml)
                .build())
        .build();
  }

  private static MailFilter filter(String dmarcOptions) {
    return filter(dmarcOptions, "");
  }

  /**
   * Stands in for the ARC verifier with ready-made evidence: a forwarder's chain, sealed by
   * lists.example.org. It runs at MAIL FROM, before DMARC's own computation of the evidence from
   * the {@code arc} check at DATA, which it thus replaces. Registered, it is on unless a test turns
   * it off ({@code REAL_ARC} does, for the tests with real chains).
   */
  static Check arcProbe() {
    return new ProbeCheck(
        "arc_probe",
        Stage.MAIL_FROM,
        false,
        ctx ->
            ctx.computeIfAbsent(
                DmarcCheck.ARC_EVIDENCE,
                c ->
                    Optional.of(
                        new ArcEvidence(
                            true,
                            List.of(
                                new ArcEvidence.Hop(
                                    1,
                                    "lists.example.org",
                                    List.of(
                                        new ArcEvidence.AuthResult(
                                            "dmarc", "pass", Optional.of("reject.example")))))))));
  }

  /**
   * Asks for the DMARC result at DATA like {@code Authentication-Results} does, on the calling
   * thread (it never blocks), so usually before the DMARC check itself; keeps what it got.
   */
  static final class DmarcProbe implements Check {
    final java.util.function.Supplier<Optional<DmarcCheck>> dmarc;
    final List<DmarcResult> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

    DmarcProbe(java.util.function.Supplier<Optional<DmarcCheck>> dmarc) {
      this.dmarc = dmarc;
    }

    @Override
    public String name() {
      return "dmarc_probe";
    }

    @Override
    public Stage stage() {
      return Stage.DATA;
    }

    @Override
    public List<SymbolDef> symbols() {
      return List.of();
    }

    @Override
    public void run(CheckContext ctx) {
      seen.add(DmarcCheck.result(ctx, dmarc.get().orElseThrow()));
    }

    @Override
    public boolean blocking() {
      return false;
    }
  }

  private static Verdict deliver(
      MailFilter f, String client, String sender, String from, String rcpt) {
    byte[] message =
        ("From: " + from + "\r\nTo: " + rcpt + "\r\nSubject: hi\r\n\r\nhello\r\n")
            .getBytes(StandardCharsets.UTF_8);
    try (FilterSession s = f.open(Connection.of(InetAddresses.forString(client)))) {
      assertThat(s.helo("mx.example.org").refused()).isFalse();
      assertThat(s.mailFrom(sender).refused()).isFalse();
      assertThat(s.rcptTo(rcpt).refused()).isFalse();
      return s.endOfData(message);
    }
  }

  private static Verdict deliver(MailFilter f, String client, String sender, String from) {
    return deliver(f, client, sender, from, "b@example.net");
  }

  private static Symbol symbol(Verdict v, String name) {
    return v.symbols().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing in " + v.symbols()));
  }

  @Test
  void passesByAlignedSpf() {
    try (MailFilter f = filter("")) {
      Verdict v = deliver(f, GOOD_IP, "a@bounce.pass.example", "A <a@pass.example>");
      assertThat(symbol(v, "DMARC_POLICY_ALLOW").score()).isEqualTo(-0.5);
      assertThat(symbol(v, "DMARC_POLICY_ALLOW").options()).contains("pass.example");
      assertThat(v.action()).isNotEqualTo(Action.REJECT);
    }
  }

  @Test
  void passesByARelaxedlyAlignedDkimSignatureThroughAForwarder() throws Exception {
    byte[] message =
        "From: ceo@reject.example\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nhello\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    byte[] signed = signedByRejectExample(message);
    try (MailFilter f = filter("");
        FilterSession s = f.open(Connection.of(InetAddresses.forString(OTHER_IP)))) {
      s.helo("mx.example.org");
      s.mailFrom("x@lists.example.org");
      s.rcptTo("b@example.net");
      Verdict v = s.endOfData(signed);
      assertThat(symbol(v, "DMARC_POLICY_ALLOW").options())
          .anyMatch(o -> o.contains("DKIM aligned: mail.reject.example"));
      assertThat(v.action()).isNotEqualTo(Action.REJECT);
    }
  }

  @Test
  void failUnderPRejectIsRefusedWith550_5_7_1() {
    try (MailFilter f = filter("")) {
      Verdict v = deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example");
      assertThat(symbol(v, "DMARC_POLICY_REJECT").score()).isEqualTo(2.0);
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.reply().code()).isEqualTo(550);
      assertThat(v.reply().enhanced()).isEqualTo("5.7.1");
      assertThat(String.join(" ", v.reply().lines())).contains("reject.example").contains("DMARC");
    }
  }

  @Test
  void rejectOnlyScoresWhenApplyRejectIsOff() {
    try (MailFilter f = filter(", apply_reject: false")) {
      Verdict v = deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example");
      assertThat(v.has("DMARC_POLICY_REJECT")).isTrue();
      assertThat(v.action()).isNotEqualTo(Action.REJECT);
    }
  }

  @Test
  void failUnderPQuarantineIsQuarantined() {
    try (MailFilter f = filter("")) {
      Verdict v = deliver(f, OTHER_IP, "x@lists.example.org", "a@quarantine.example");
      assertThat(symbol(v, "DMARC_POLICY_QUARANTINE").score()).isEqualTo(1.5);
      assertThat(v.action()).isEqualTo(Action.QUARANTINE);
    }
  }

  @Test
  void npAppliesToANonExistentSubdomainOnly() {
    try (MailFilter f = filter("")) {
      Verdict ghost = deliver(f, OTHER_IP, "x@lists.example.org", "a@ghost.np.example");
      assertThat(ghost.has("DMARC_POLICY_REJECT")).isTrue();
      assertThat(symbol(ghost, "DMARC_POLICY_REJECT").options()).contains("np=reject");
      assertThat(ghost.action()).isEqualTo(Action.REJECT);
      Verdict real = deliver(f, OTHER_IP, "x@lists.example.org", "a@real.np.example");
      assertThat(symbol(real, "DMARC_POLICY_SOFTFAIL").score()).isEqualTo(0.1);
      assertThat(real.action()).isNotEqualTo(Action.REJECT);
    }
  }

  @Test
  void testingModeLowersRejectToQuarantine() {
    try (MailFilter f = filter("")) {
      Verdict v = deliver(f, OTHER_IP, "x@lists.example.org", "a@testing.example");
      assertThat(v.has("DMARC_POLICY_QUARANTINE")).isTrue();
      assertThat(v.action()).isEqualTo(Action.QUARANTINE);
    }
  }

  @Test
  void noRecordIsNa() {
    try (MailFilter f = filter("")) {
      Verdict v = deliver(f, OTHER_IP, "x@lists.example.org", "a@nodmarc.example");
      assertThat(symbol(v, "DMARC_NA").score()).isZero();
    }
  }

  @Test
  void severalFromDomainsAreABadPolicy() {
    try (MailFilter f = filter("")) {
      Verdict v =
          deliver(f, OTHER_IP, "x@lists.example.org", "a@reject.example, b@lists.example.org");
      assertThat(symbol(v, "DMARC_BAD_POLICY").score()).isEqualTo(0.5);
      assertThat(v.action()).isNotEqualTo(Action.REJECT);
    }
  }

  @Test
  void aTenantsActionOverrideTurnsTheDmarcRejectIntoQuarantine() {
    String tenants =
        """
        domains:
          example.net: {}
          lenient.example:
            action_overrides: {reject: quarantine}
        """;
    try (MailFilter f = filter("", tenants)) {
      Verdict strict =
          deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example", "b@example.net");
      assertThat(strict.action()).isEqualTo(Action.REJECT);
      Verdict lenient =
          deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example", "b@lenient.example");
      assertThat(lenient.has("DMARC_POLICY_REJECT")).isTrue();
      assertThat(lenient.action()).isEqualTo(Action.QUARANTINE);
    }
  }

  @Test
  void aTenantThatTurnsTheDmarcGroupOffGetsNeitherItsSymbolsNorItsReject() {
    String tenants =
        """
        domains:
          example.net: {}
          nodmarc.test:
            groups_disabled: [dmarc]
        """;
    try (MailFilter f = filter("", tenants)) {
      Verdict off =
          deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example", "b@nodmarc.test");
      assertThat(off.has("DMARC_POLICY_REJECT")).isFalse();
      assertThat(off.action()).isNotEqualTo(Action.REJECT);
      Verdict on =
          deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example", "b@example.net");
      assertThat(on.action()).isEqualTo(Action.REJECT);
    }
  }

  @Test
  void aTrustedArcSealerThatSawAPassKeepsTheForwardedMessage() {
    try (MailFilter f =
        filter(", trusted_arc_sealers: [lists.example.org]", "  arc_probe: {enabled: true}")) {
      Verdict v = deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example");
      assertThat(v.has("DMARC_ARC_OVERRIDE")).isTrue();
      assertThat(symbol(v, "DMARC_ARC_OVERRIDE").options()).contains("lists.example.org");
      assertThat(v.has("DMARC_POLICY_SOFTFAIL")).isTrue();
      assertThat(v.action()).isNotEqualTo(Action.REJECT);
    }
  }

  @Test
  void theSameChainFromAnUntrustedSealerIsStillRejected() {
    try (MailFilter f =
        filter(", trusted_arc_sealers: [other.example]", "  arc_probe: {enabled: true}")) {
      Verdict v = deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example");
      assertThat(v.has("DMARC_ARC_OVERRIDE")).as("%s", v.symbols()).isFalse();
      assertThat(v.action()).isEqualTo(Action.REJECT);
    }
  }

  @Test
  void aDisabledCheckOpensNoReportStore() {
    Path reports = dir.resolve("never");
    FilterConfig.builder()
        .yaml("checks: {dmarc: {enabled: false, report_dir: \"" + reports + "\"}}")
        .build();
    assertThat(reports).doesNotExist();
  }

  @Test
  void everyMessageWithARecordLeavesAReportRow() throws Exception {
    Path reports = dir.resolve("reports");
    try (MailFilter f = filter(", report_dir: \"" + reports + "\"")) {
      deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example");
      deliver(f, GOOD_IP, "a@bounce.pass.example", "a@pass.example");
      deliver(f, OTHER_IP, "x@lists.example.org", "a@nodmarc.example"); // no record: no row
    }
    Path file = reports.resolve("dmarc-" + LocalDate.now(ZoneOffset.UTC) + ".tsv");
    List<DmarcReportRow> rows =
        Files.readAllLines(file).stream().map(DmarcReportRow::fromLine).toList();
    assertThat(rows).hasSize(2);
    DmarcReportRow rejected = rows.get(0);
    assertThat(rejected.sourceIp()).isEqualTo(OTHER_IP);
    assertThat(rejected.headerFrom()).isEqualTo("reject.example");
    assertThat(rejected.envelopeFrom()).isEqualTo("lists.example.org");
    assertThat(rejected.envelopeTo()).isEqualTo("example.net");
    assertThat(rejected.disposition()).isEqualTo("reject");
    assertThat(rejected.published().p()).isEqualTo("reject");
    assertThat(rejected.spfAligned()).isEqualTo("fail");
    assertThat(rejected.spfResult()).isEqualTo("pass");
    assertThat(rejected.spfDomain()).isEqualTo("lists.example.org");
    DmarcReportRow passed = rows.get(1);
    assertThat(passed.spfAligned()).isEqualTo("pass");
    assertThat(passed.disposition()).isEqualTo("none");
  }

  @Test
  void aCheckThatAsksForTheResultAtTheSameStageGetsItEvaluatedAndDmarcStillRejects() {
    try (MailFilter f = filter("", "  dmarc_probe: {enabled: true}")) {
      DmarcProbe probe =
          (DmarcProbe)
              f.config().checks().stream()
                  .map(c -> c.check())
                  .filter(c -> c instanceof DmarcProbe)
                  .findFirst()
                  .orElseThrow();
      for (int i = 0; i < 10; i++) {
        Verdict v = deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example");
        assertThat(v.action()).isEqualTo(Action.REJECT);
        assertThat(v.has("DMARC_POLICY_REJECT")).isTrue();
      }
      assertThat(probe.seen).hasSize(10);
      assertThat(probe.seen)
          .allSatisfy(
              r -> {
                assertThat(r.code()).isEqualTo(DmarcResult.Code.FAIL);
                assertThat(r.authorDomain()).isEqualTo("reject.example");
              });
    }
  }

  private static String authResults(Verdict v) {
    return v.headerEdits().stream()
        .filter(e -> e instanceof HeaderEdit.Prepend p && p.name().equals(AuthResults.FIELD))
        .map(e -> ((HeaderEdit.Prepend) e).value())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Authentication-Results in " + v.headerEdits()));
  }

  private static MethodResult method(String field, String method) {
    return AuthResults.parse(field).results().stream()
        .filter(m -> m.method().equals(method))
        .findFirst()
        .orElseThrow(() -> new AssertionError(method + " missing in " + field));
  }

  private static final String AUTH_RESULTS =
      "  authentication_results: {enabled: true, authserv_id: mx.ours.example}";

  @Test
  void authenticationResultsReportsDmarcWithTheFromDomainThePolicyAndTheDisposition() {
    try (MailFilter f = filter(", apply_reject: false", AUTH_RESULTS)) {
      String fail = authResults(deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example"));
      MethodResult dmarc = method(fail, "dmarc");
      assertThat(dmarc.result()).as(fail).isEqualTo("fail");
      assertThat(dmarc.property("header", "from")).contains("reject.example");
      assertThat(dmarc.property("policy", "dmarc")).contains("reject");
      assertThat(dmarc.property("policy", "applied-disposition")).contains("reject");

      String pass = authResults(deliver(f, GOOD_IP, "a@bounce.pass.example", "a@pass.example"));
      dmarc = method(pass, "dmarc");
      assertThat(dmarc.result()).as(pass).isEqualTo("pass");
      assertThat(dmarc.property("header", "from")).contains("pass.example");
      assertThat(dmarc.property("policy", "dmarc")).contains("reject");
      assertThat(dmarc.property("policy", "applied-disposition")).contains("none");

      String none = authResults(deliver(f, OTHER_IP, "x@lists.example.org", "a@nodmarc.example"));
      dmarc = method(none, "dmarc");
      assertThat(dmarc.result()).isEqualTo("none");
      assertThat(dmarc.property("policy", "dmarc")).isEmpty();
    }
  }

  @Test
  void withDmarcOffAuthenticationResultsHasNoDmarcLine() {
    String yaml =
        """
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 2s
          retries: 0
        checks:
          spf: {enabled: true}
          dmarc: {enabled: false}
        %s
        """
            .formatted(server.address().getPort(), AUTH_RESULTS);
    try (MailFilter f =
        MailFilter.builder().config(FilterConfig.builder().yaml(yaml).build()).build()) {
      String field = authResults(deliver(f, OTHER_IP, "x@lists.example.org", "ceo@reject.example"));
      assertThat(AuthResults.parse(field).results()).noneMatch(m -> m.method().equals("dmarc"));
    }
  }

  @Test
  void withTheSpfCheckOffDmarcEvaluatesSpfItselfAndAuthenticationResultsReportsNoSpf() {
    String yaml =
        """
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 2s
          retries: 0
        checks:
          spf: {enabled: false}
          dmarc: {enabled: true}
        %s
        """
            .formatted(server.address().getPort(), AUTH_RESULTS);
    try (MailFilter f =
        MailFilter.builder().config(FilterConfig.builder().yaml(yaml).build()).build()) {
      for (int i = 0; i < 5; i++) {
        Verdict v = deliver(f, GOOD_IP, "a@bounce.pass.example", "a@pass.example");
        assertThat(v.has("DMARC_POLICY_ALLOW")).as("%s", v.symbols()).isTrue();
        String field = authResults(v);
        assertThat(AuthResults.parse(field).results())
            .extracting(MethodResult::method)
            .doesNotContain("spf")
            .contains("dmarc");
      }
    }
  }

  /** {@code message} signed (relaxed, Ed25519) by mail.reject.example, aligned with its From. */
  private static byte[] signedByRejectExample(byte[] message) throws Exception {
    return DkimTestSupport.sign(
        message,
        DkimAlgorithm.ED25519_SHA256,
        dkimKey,
        "mail.reject.example",
        "sel",
        Canonicalization.RELAXED,
        Canonicalization.RELAXED,
        List.of("from", "to", "subject"),
        java.util.OptionalLong.empty(),
        "");
  }

  /**
   * A message from ceo@reject.example (p=reject) signed by mail.reject.example, then forwarded by a
   * list that added a footer (the signature breaks) and sealed it, i=1, with what it saw: DKIM and
   * DMARC passed. Sealed by {@code sealer} with the key at arc._domainkey.
   */
  static byte[] forwardedThroughAList(String sealer) throws Exception {
    byte[] message =
        "From: ceo@reject.example\r\nTo: list@lists.example.org\r\nSubject: plan\r\n\r\nhello\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    byte[] signed = signedByRejectExample(message);
    byte[] footer = "-- \r\nlist footer\r\n".getBytes(StandardCharsets.US_ASCII);
    byte[] changed = java.util.Arrays.copyOf(signed, signed.length + footer.length);
    System.arraycopy(footer, 0, changed, signed.length, footer.length);
    dev.mailfilter.mime.ParsedMessage m = dev.mailfilter.mime.MessageParser.create().parse(changed);
    SigningKey key = new SigningKey(DkimAlgorithm.ED25519_SHA256, dkimKey, "arc");
    ArcSealer.ArcFields fields =
        ArcSealer.create(sealer, "arc", key, ArcCheck.DEFAULT_SEAL_HEADERS)
            .seal(
                m,
                ArcResult.none(),
                sealer
                    + "; dkim=pass header.d=mail.reject.example header.s=sel;"
                    + " dmarc=pass header.from=reject.example",
                java.time.Instant.now())
            .orElseThrow();
    return ArcSealSuiteTest.prepend(fields, m);
  }

  /** The real ARC and DKIM checks instead of the probe, which would vouch for every message. */
  private static final String REAL_ARC =
      """
        arc_probe: {enabled: false}
        arc: {enabled: true}
        dkim: {enabled: true}
      """;

  private static Verdict deliverForwarded(MailFilter f, byte[] message) {
    try (FilterSession s = f.open(Connection.of(InetAddresses.forString(OTHER_IP)))) {
      s.helo("mx.lists.example.org");
      s.mailFrom("bounces@lists.example.org");
      s.rcptTo("b@example.net");
      return s.endOfData(message);
    }
  }

  @Test
  void aRealChainFromATrustedSealerOverridesTheDmarcFailOfAForwardedMessage() throws Exception {
    try (MailFilter f =
        filter(", trusted_arc_sealers: [lists.example.org]", REAL_ARC + AUTH_RESULTS)) {
      Verdict v = deliverForwarded(f, forwardedThroughAList("lists.example.org"));
      assertThat(v.has("R_DKIM_REJECT")).as("the footer broke DKIM: %s", v.symbols()).isTrue();
      assertThat(v.has("ARC_ALLOW")).isTrue();
      assertThat(symbol(v, "DMARC_ARC_OVERRIDE").options()).contains("lists.example.org");
      assertThat(v.has("DMARC_POLICY_SOFTFAIL")).isTrue();
      assertThat(v.action()).isNotEqualTo(Action.REJECT);
      MethodResult dmarc = method(authResults(v), "dmarc");
      assertThat(dmarc.result()).isEqualTo("fail");
      assertThat(dmarc.comment())
          .hasValueSatisfying(c -> assertThat(c).contains("lists.example.org"));
      assertThat(dmarc.property("policy", "applied-disposition")).contains("none");
      assertThat(method(authResults(v), "arc").result()).isEqualTo("pass");
    }
  }

  @Test
  void theSameRealChainFromAnUntrustedSealerIsRejected() throws Exception {
    try (MailFilter f = filter(", trusted_arc_sealers: [lists.example.org]", REAL_ARC)) {
      Verdict v = deliverForwarded(f, forwardedThroughAList("other.example"));
      assertThat(v.has("ARC_ALLOW")).as("the chain itself validates: %s", v.symbols()).isTrue();
      assertThat(v.has("DMARC_ARC_OVERRIDE")).as("%s", v.symbols()).isFalse();
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.reply().enhanced()).isEqualTo("5.7.1");
    }
  }

  @Test
  void arcEvidenceReadsEachSetsSealerAndItsRecordedResults() {
    ArcResult chain =
        new ArcResult(
            ArcResult.Cv.PASS,
            ArcResult.Failure.NONE,
            "ok",
            List.of(
                new ArcResult.ArcInstance(
                    1,
                    "lists.example.org",
                    "arc",
                    "lists.example.org",
                    ArcResult.Cv.NONE,
                    "lists.example.org; spf=pass smtp.mailfrom=a@Origin.example;"
                        + " dkim=fail header.d=origin.example; dmarc=pass header.from=origin.example"),
                new ArcResult.ArcInstance(
                    2, "other.example", "arc", "other.example", ArcResult.Cv.PASS, "garbled ((")),
            1);
    ArcEvidence e = DmarcCheck.evidence(chain).orElseThrow();
    assertThat(e.chainPass()).isTrue();
    assertThat(e.hops().get(0).sealer()).isEqualTo("lists.example.org");
    assertThat(e.hops().get(0).results())
        .containsExactly(
            new ArcEvidence.AuthResult("spf", "pass", Optional.of("origin.example")),
            new ArcEvidence.AuthResult("dkim", "fail", Optional.of("origin.example")),
            new ArcEvidence.AuthResult("dmarc", "pass", Optional.of("origin.example")));
    assertThat(e.hops().get(1).results()).isEmpty();
    assertThat(DmarcCheck.evidence(ArcResult.none())).isEmpty();
  }
}
