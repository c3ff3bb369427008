package dev.mailfilter.auth;

import static dev.mailfilter.auth.DkimTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.BuiltIns;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.dns.DnsResolver;
import dev.mailfilter.dns.DnsSettings;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.testkit.NamedServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DKIM vectors with their keys served by a real BIND named on loopback (TXT records of several
 * character-strings, as published), and the {@code dkim} check through a real {@link
 * FilterSession}.
 */
class DkimNamedTest {
  @TempDir static Path dir;
  private static NamedServer server;

  // What a DATA-stage check read through DkimCheck.results, by Subject.
  static final Map<String, List<DkimResult>> SEEN = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    server = startServer(dir);
  }

  /**
   * A named serving every key of the corpora (each TXT record cut into 255-octet strings;
   * mailauth's RSA record as its 4 strings), with {@code dead._domainkey.example.com} dropped.
   */
  static NamedServer startServer(Path dir) throws Exception {
    StringBuilder zone =
        new StringBuilder("$TTL 0\n@ IN SOA ns. host. 1 3600 600 86400 0\n@ IN NS ns.\n");
    zone.append("ns. IN A 127.0.0.1\n");
    Map<String, List<List<String>>> records = new LinkedHashMap<>();
    for (String f : DkimSuiteTest.STALWART_FILES) {
      DkimTestSupport.stalwart(DkimSuiteTest.STALWART.resolve(f))
          .dns()
          .forEach((name, texts) -> texts.forEach(t -> add(records, name, t)));
    }
    DkimSuiteTest.dkimpyDns().forEach((name, texts) -> texts.forEach(t -> add(records, name, t)));
    add(records, "test._domainkey.example.com", DkimSuiteTest.data("test.txt"));
    // mailauth's records exactly as its dns.json splits them (the RSA key in 4 strings): these
    // replace the same keys' one-string copies from the other corpora.
    records.put(
        "test._domainkey.football.example.com",
        List.of(
            List.of(
                "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR",
                "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC",
                "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3",
                "Ip3G+2kryOTIKT+l/K4w3QIDAQAB")));
    assertThat(String.join("", records.get("test._domainkey.football.example.com").get(0)))
        .isEqualTo(DkimSuiteTest.mailauthDns().get("test._domainkey.football.example.com").get(0));
    records.forEach(
        (name, rrs) ->
            rrs.forEach(
                strings -> {
                  zone.append(NamedServer.escapeName(name)).append(". IN TXT");
                  strings.forEach(s -> zone.append(" \"").append(escape(s)).append('"'));
                  zone.append('\n');
                }));
    return NamedServer.start(
        dir, Map.of(".", zone.toString()), List.of("dead._domainkey.example.com"));
  }

  private static void add(Map<String, List<List<String>>> records, String name, String text) {
    List<String> strings = new ArrayList<>();
    for (int i = 0; i < text.length(); i += 255) {
      strings.add(text.substring(i, Math.min(text.length(), i + 255)));
    }
    List<List<String>> rrs = records.computeIfAbsent(name, k -> new ArrayList<>());
    if (!rrs.contains(strings)) {
      rrs.add(strings);
    }
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static DkimKeyLookup lookup() {
    return DkimKeyLookup.dns(
        DnsResolver.create(
            DnsSettings.builder()
                .addServer(server.address())
                .deadline(Duration.ofSeconds(1))
                .retries(0)
                .cacheSize(0)
                .build()));
  }

  private static List<DkimResult> verify(byte[] message, Clock clock) {
    return DkimVerifier.create(lookup(), clock, DkimVerifier.DEFAULT_MAX_SIGNATURES)
        .verify(parse(message), Deadline.after(Duration.ofSeconds(3)));
  }

  // Stalwart's 8 signatures, mailauth's 2 and dkimpy's 5 pre-signed ones: 15, all pass.
  @Test
  void everyCorpusSignaturePassesWithKeysFromNamed() throws Exception {
    int passed = 0;
    for (String f : DkimSuiteTest.STALWART_FILES) {
      List<DkimResult> r =
          verify(
              DkimTestSupport.stalwart(DkimSuiteTest.STALWART.resolve(f)).message(),
              DkimSuiteTest.STALWART_TIME);
      assertThat(r).as(f + ": " + r).isNotEmpty().allMatch(x -> x.code() == DkimResult.Code.PASS);
      passed += r.size();
    }
    List<DkimResult> mailauth =
        verify(DkimSuiteTest.mailauthMessage(), DkimSuiteTest.MAILAUTH_TIME);
    assertThat(mailauth).hasSize(2).allMatch(x -> x.code() == DkimResult.Code.PASS);
    passed += mailauth.size();
    for (String f :
        List.of(
            "rfc6376.signed.msg", "rfc6376.signed.rsa.msg", "test2.message", "ed25519test2.msg")) {
      List<DkimResult> r = verify(DkimSuiteTest.message(f), Clock.systemUTC());
      assertThat(r).as(f + ": " + r).isNotEmpty().allMatch(x -> x.code() == DkimResult.Code.PASS);
      passed += r.size();
    }
    assertThat(passed).isEqualTo(15);
  }

  @Test
  void aKeyServerThatNeverAnswersIsTemperrorByTheDeadline() throws Exception {
    byte[] signed =
        DkimSuiteTest.signTest(
            DkimSuiteTest.message("test.message"), DkimSuiteTest.testPrivate(), "dead");
    List<DkimResult> r = verify(signed, Clock.systemUTC());
    assertThat(r).extracting(DkimResult::code).containsExactly(DkimResult.Code.TEMPERROR);
    List<DkimResult> none =
        verify(
            DkimSuiteTest.signTest(
                DkimSuiteTest.message("test.message"), DkimSuiteTest.testPrivate(), "missing"),
            Clock.systemUTC());
    assertThat(none).extracting(DkimResult::code).containsExactly(DkimResult.Code.PERMERROR);
    assertThat(none.get(0).reason()).contains("NXDOMAIN");
  }

  private static MailFilter filter() {
    String yaml =
        """
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 2s
          retries: 0
        checks:
          dkim: {enabled: true}
        """
            .formatted(server.address().getPort());
    return MailFilter.builder()
        .config(
            FilterConfig.builder()
                .registry(
                    BuiltIns.checks().toBuilder()
                        .register("dkim_probe", DkimNamedTest::probe)
                        .build())
                .yaml(yaml)
                .build())
        .build();
  }

  private static Verdict deliver(MailFilter f, byte[] message) {
    try (FilterSession s = f.open(Connection.of(InetAddresses.forString("192.0.2.1")))) {
      s.helo("mx.example.org");
      s.mailFrom("a@example.com");
      s.rcptTo("b@example.net");
      return s.endOfData(message);
    }
  }

  private static Symbol symbol(Verdict v, String name) {
    return v.symbols().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing in " + v.symbols()));
  }

  private static byte[] message(String subject, String body) {
    return ("From: a@example.com\r\nTo: b@example.net\r\nSubject: " + subject + "\r\n\r\n" + body)
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] signed(byte[] message, OptionalLong length) throws Exception {
    return DkimTestSupport.sign(
        message,
        DkimAlgorithm.RSA_SHA256,
        DkimSuiteTest.testPrivate(),
        "example.com",
        "test",
        Canonicalization.RELAXED,
        Canonicalization.RELAXED,
        List.of("from", "to", "subject"),
        length,
        "");
  }

  @Test
  void checkScoresAllowAndKeepsTheResultsForOtherChecks() throws Exception {
    try (MailFilter f = filter()) {
      Verdict v = deliver(f, signed(message("pass", "hello\r\n"), OptionalLong.empty()));
      assertThat(symbol(v, "R_DKIM_ALLOW").score()).isEqualTo(-0.2);
      assertThat(symbol(v, "R_DKIM_ALLOW").options()).containsExactly("example.com:s=test");
      assertThat(v.has("DKIM_PARTIAL_BODY")).isFalse();
      assertThat(SEEN.get("pass"))
          .extracting(DkimResult::code)
          .containsExactly(DkimResult.Code.PASS);
    }
  }

  @Test
  void checkScoresRejectForAChangedBody() throws Exception {
    byte[] m = signed(message("changed", "hello\r\n"), OptionalLong.empty());
    String changed = new String(m, StandardCharsets.ISO_8859_1).replace("hello", "HELLO");
    try (MailFilter f = filter()) {
      Verdict v = deliver(f, changed.getBytes(StandardCharsets.ISO_8859_1));
      assertThat(symbol(v, "R_DKIM_REJECT").score()).isEqualTo(1.0);
      assertThat(symbol(v, "R_DKIM_REJECT").options().get(0)).contains("body hash");
    }
  }

  @Test
  void checkScoresNaWithoutSignatureAndTempfailWhenTheKeyServerIsDead() throws Exception {
    try (MailFilter f = filter()) {
      assertThat(deliver(f, message("unsigned", "x\r\n")).has("R_DKIM_NA")).isTrue();
      byte[] dead =
          DkimSuiteTest.signTest(message("dead", "x\r\n"), DkimSuiteTest.testPrivate(), "dead");
      assertThat(symbol(deliver(f, dead), "R_DKIM_TEMPFAIL").score()).isZero();
    }
  }

  @Test
  void passWithPartialBodyAddsItsOwnSymbol() throws Exception {
    byte[] m = signed(message("partial", "hello\r\n"), OptionalLong.of(7));
    String appended = new String(m, StandardCharsets.ISO_8859_1) + "click here\r\n";
    try (MailFilter f = filter()) {
      Verdict v = deliver(f, appended.getBytes(StandardCharsets.ISO_8859_1));
      assertThat(v.has("R_DKIM_ALLOW")).isTrue();
      assertThat(symbol(v, "DKIM_PARTIAL_BODY").score()).isEqualTo(0.5);
      assertThat(symbol(v, "DKIM_PARTIAL_BODY").options().get(0)).contains("12 of 19");
    }
  }

  /** Reads the results at end of data as DMARC and Authentication-Results will. */
  private static Check probe(CheckSetup s) {
    Supplier<DkimVerifier> verifier = DkimCheck.verifierFor(s);
    return new ProbeCheck(
        "dkim_probe",
        Stage.DATA,
        true,
        ctx ->
            SEEN.put(ctx.message().subject().orElse(""), DkimCheck.results(ctx, verifier.get())));
  }
}
