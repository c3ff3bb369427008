package dev.mailfilter.av;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clamd check inside a whole {@link MailFilter}, configured from YAML, on a real clamd. */
class ClamdCheckTest {
  @TempDir static Path dir;
  private static ClamdServer clamd;

  private static final Envelope ENVELOPE =
      Envelope.of(
          InetAddresses.forString("198.51.100.7"),
          "mail.example.org",
          "sender@example.com",
          List.of("rcpt@example.net"));

  @BeforeAll
  static void startClamd() throws Exception {
    clamd = ClamdServer.start(dir, "25M");
  }

  @AfterAll
  static void stopClamd() {
    if (clamd != null) {
      clamd.close();
    }
  }

  private static MailFilter filter(String address, String... extra) {
    StringBuilder yaml =
        new StringBuilder("checks:\n  clamd:\n    enabled: true\n    address: \"")
            .append(address)
            .append("\"\n    connect_timeout: 500ms\n");
    for (String line : extra) {
      yaml.append("    ").append(line).append('\n');
    }
    return MailFilter.builder().config(FilterConfig.parse(yaml.toString())).build();
  }

  private static Symbol symbol(Verdict v, String name) {
    return v.symbols().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void virusIsRejectedWith554AndTheSignatureAsOption() throws Exception {
    for (ClamdAddress address : List.of(clamd.tcpAddress(), clamd.unixAddress())) {
      try (MailFilter f = filter(address.toString())) {
        Verdict v = f.classify(ClamdClientTest.infectedMail(), ENVELOPE);
        assertThat(v.action()).isEqualTo(Action.REJECT);
        assertThat(v.reply().code()).isEqualTo(554);
        assertThat(v.reply().enhanced()).isEqualTo("5.7.1");
        String signature = symbol(v, ClamdCheck.VIRUS).options().getFirst();
        assertThat(signature).startsWith("Test.EICAR.");
        // The client learns which virus it sent, not the generic spam text.
        assertThat(v.reply().lines()).containsExactly("Virus found: " + signature);
        assertThat(v.reply().toWire()).isEqualTo("554 5.7.1 Virus found: " + signature + "\r\n");
      }
    }
  }

  @Test
  void virusReplyTextIsConfigurable() throws Exception {
    try (MailFilter f =
        filter(
            clamd.unixAddress().toString(),
            "reply: \"550 5.7.0 Your message carries {virus}; it was not delivered\"")) {
      Verdict v = f.classify(ClamdClientTest.infectedMail(), ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.reply().code()).isEqualTo(550);
      assertThat(v.reply().enhanced()).isEqualTo("5.7.0");
      assertThat(v.reply().lines())
          .singleElement()
          .asString()
          .matches("Your message carries Test\\.EICAR\\.[\\w.]+; it was not delivered");
    }
  }

  @Test
  void virusCanBeQuarantined() throws Exception {
    try (MailFilter f = filter(clamd.unixAddress().toString(), "action: quarantine")) {
      Verdict v = f.classify(ClamdClientTest.infectedMail(), ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.QUARANTINE);
      assertThat(v.has(ClamdCheck.VIRUS)).isTrue();
      assertThat(v.reply()).isEqualTo(dev.mailfilter.api.Reply.OK);
    }
  }

  @Test
  void cleanMailIsAcceptedWithoutClamSymbols() {
    try (MailFilter f = filter(clamd.tcpAddress().toString())) {
      Verdict v = f.classify(ClamdClientTest.cleanMail(), ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
      assertThat(v.has(ClamdCheck.VIRUS)).isFalse();
      assertThat(v.has(ClamdCheck.FAIL)).isFalse();
    }
  }

  @Test
  void clamdDownTempfailsWith451AndTheFailSymbol() throws Exception {
    String nobody = "tcp:127.0.0.1:" + ClamdServer.freePort();
    try (MailFilter f = filter(nobody)) {
      Verdict v =
          assertTimeoutPreemptively(
              Duration.ofSeconds(5), () -> f.classify(ClamdClientTest.infectedMail(), ENVELOPE));
      assertThat(v.action()).as(v.toString()).isEqualTo(Action.TEMPFAIL);
      assertThat(v.reply())
          .isEqualTo(
              dev.mailfilter.api.Reply.of(
                  451, "4.7.1", "Virus scan unavailable, please try again later"));
      assertThat(v.reply()).isNotEqualTo(f.config().reply(Action.TEMPFAIL));
      assertThat(symbol(v, ClamdCheck.FAIL).options())
          .singleElement()
          .asString()
          .startsWith("unavailable: ");
    }
  }

  @Test
  void failureReplyIsConfigurableAndFollowsTheFailureAction() throws Exception {
    String nobody = "tcp:127.0.0.1:" + ClamdServer.freePort();
    try (MailFilter f = filter(nobody, "failure_reply: \"421 4.7.0 Scanner offline\"")) {
      Verdict v = f.classify(ClamdClientTest.cleanMail(), ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.TEMPFAIL);
      assertThat(v.reply()).isEqualTo(dev.mailfilter.api.Reply.of(421, "4.7.0", "Scanner offline"));
    }
    try (MailFilter f = filter(nobody, "on_failure: reject")) {
      Verdict v = f.classify(ClamdClientTest.cleanMail(), ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.REJECT);
      assertThat(v.reply())
          .isEqualTo(
              dev.mailfilter.api.Reply.of(554, "5.7.0", "Virus scan failed, message refused"));
    }
  }

  @Test
  void failOpenAcceptsButRecordsTheFailure() {
    String nobody = "unix:" + dir.resolve("nothing-here.sock");
    try (MailFilter f = filter(nobody, "on_failure: accept")) {
      Verdict v = f.classify(ClamdClientTest.cleanMail(), ENVELOPE);
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
      assertThat(v.has(ClamdCheck.FAIL)).isTrue();
    }
  }

  @Test
  void messageOverMaxSizeTempfails() throws Exception {
    try (MailFilter f = filter(clamd.tcpAddress().toString(), "max_size: 100B")) {
      Verdict v = f.classify(ClamdClientTest.infectedMail(), ENVELOPE);
      assertThat(v.action()).as(v.toString()).isEqualTo(Action.TEMPFAIL);
      assertThat(symbol(v, ClamdCheck.FAIL).options())
          .singleElement()
          .asString()
          .startsWith("size_limit: ");
    }
  }

  @Test
  void silentClamdTimesOutToTempfail() throws Exception {
    CountDownLatch over = new CountDownLatch(1);
    try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      Thread server =
          Thread.ofVirtual()
              .start(
                  () -> {
                    // Accepts, never reads or answers, holds the connection until the test ends.
                    try (var s = silent.accept()) {
                      assertThat(s.isConnected()).isTrue();
                      over.await();
                    } catch (Exception e) {
                      // The test is over.
                    }
                  });
      try (MailFilter f =
          filter("tcp:127.0.0.1:" + silent.getLocalPort(), "read_timeout: 300ms", "pool_size: 0")) {
        Verdict v =
            assertTimeoutPreemptively(
                Duration.ofSeconds(5), () -> f.classify(ClamdClientTest.cleanMail(), ENVELOPE));
        assertThat(v.action()).as(v.toString()).isEqualTo(Action.TEMPFAIL);
        assertThat(symbol(v, ClamdCheck.FAIL).options())
            .singleElement()
            .asString()
            .startsWith("timeout: ");
      } finally {
        over.countDown();
        server.join(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void scanEndsBeforeTheStageDeadlineWithTheFailureAction() throws Exception {
    CountDownLatch over = new CountDownLatch(1);
    try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      Thread server =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (var s = silent.accept()) {
                      assertThat(s.isConnected()).isTrue();
                      over.await();
                    } catch (Exception e) {
                      // The test is over.
                    }
                  });
      String yaml =
          "engine:\n  timeouts:\n    data: 2s\nchecks:\n  clamd:\n    enabled: true\n"
              + "    address: \"tcp:127.0.0.1:"
              + silent.getLocalPort()
              + "\"\n    read_timeout: 1h\n";
      try (MailFilter f = MailFilter.builder().config(FilterConfig.parse(yaml)).build()) {
        Verdict v =
            assertTimeoutPreemptively(
                Duration.ofSeconds(10), () -> f.classify(ClamdClientTest.cleanMail(), ENVELOPE));
        // The check ends itself before the stage deadline, so its failure action still applies.
        assertThat(v.action()).as(v.toString()).isEqualTo(Action.TEMPFAIL);
        assertThat(symbol(v, ClamdCheck.FAIL).options())
            .singleElement()
            .asString()
            .startsWith("timeout: ");
      } finally {
        over.countDown();
        server.join(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void builtInConfigurationHasClamdDisabled() {
    try (MailFilter f = MailFilter.withDefaults()) {
      assertThat(f.checks()).noneMatch(c -> c.check().name().equals("clamd"));
      assertThat(f.classify(ClamdClientTest.cleanMail(), ENVELOPE).has(ClamdCheck.FAIL)).isFalse();
    }
  }

  @Test
  void configOptionsReachTheSettings() {
    FilterConfig c =
        FilterConfig.parse(
            """
            checks:
              clamd:
                enabled: true
                address: "unix:/run/clamav/clamd.ctl"
                connect_timeout: 2s
                read_timeout: 30s
                max_size: 10MiB
                pool_size: 3
                action: quarantine
                on_failure: accept
                reply: "550 5.7.1 Infected: {virus}"
                failure_reply: "421 4.3.2 Scanner busy"
            """);
    ClamdCheck check =
        (ClamdCheck)
            c.checks().stream()
                .filter(s -> s.check().name().equals("clamd"))
                .findFirst()
                .orElseThrow()
                .check();
    assertThat(check.settings())
        .isEqualTo(
            ClamdSettings.builder()
                .address(ClamdAddress.unix(Path.of("/run/clamav/clamd.ctl")))
                .connectTimeout(Duration.ofSeconds(2))
                .readTimeout(Duration.ofSeconds(30))
                .maxStreamLength(10L << 20)
                .poolSize(3)
                .onVirus(ClamdSettings.VirusAction.QUARANTINE)
                .onFailure(ClamdSettings.FailureAction.ACCEPT)
                .virusReply("550 5.7.1 Infected: {virus}")
                .failureReply(dev.mailfilter.api.Reply.of(421, "4.3.2", "Scanner busy"))
                .build());
    check.close();
  }

  @Test
  void badOptionsAreRefusedWithTheirKeyPath() {
    assertThatThrownBy(
            () -> FilterConfig.parse("checks:\n  clamd:\n    address: \"localhost:3310\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.clamd.address")
        .hasMessageContaining("localhost:3310");
    assertThatThrownBy(() -> FilterConfig.parse("checks:\n  clamd:\n    action: tempfail\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.clamd.action")
        .hasMessageContaining("reject, quarantine");
    assertThatThrownBy(() -> FilterConfig.parse("checks:\n  clamd:\n    read_timeout: 0s\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.clamd.read_timeout");
    assertThatThrownBy(() -> FilterConfig.parse("checks:\n  clamd:\n    pool_size: 1000\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.clamd.pool_size")
        .hasMessageContaining("1000");
    assertThatThrownBy(() -> FilterConfig.parse("checks:\n  clamd:\n    max_size: 0\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.clamd.max_size");
    assertThatThrownBy(
            () -> FilterConfig.parse("checks:\n  clamd:\n    reply: \"451 4.7.1 {virus}\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.clamd.reply")
        .hasMessageContaining("5xx")
        .hasMessageContaining("451");
    assertThatThrownBy(
            () -> FilterConfig.parse("checks:\n  clamd:\n    reply: \"Virus {virus}\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.clamd.reply")
        .hasMessageContaining("\"Virus {virus}\"");
    assertThatThrownBy(
            () ->
                FilterConfig.parse("checks:\n  clamd:\n    failure_reply: \"554 5.7.0 No scan\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.clamd.failure_reply")
        .hasMessageContaining("4xx")
        .hasMessageContaining("554");
    assertThatThrownBy(
            () ->
                FilterConfig.parse(
                    "checks:\n  clamd:\n    on_failure: reject\n"
                        + "    failure_reply: \"451 4.7.1 Later\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.clamd.failure_reply")
        .hasMessageContaining("5xx");
    assertThatThrownBy(() -> FilterConfig.parse("checks:\n  clamd:\n    adress: \"tcp:a:1\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.clamd.adress");
  }
}
