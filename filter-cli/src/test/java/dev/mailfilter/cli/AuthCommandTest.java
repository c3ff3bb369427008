package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testkit.NamedServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mailfilter auth}: the SPF results of both identities against a real named on loopback, one
 * line per method, then our Authentication-Results field; exit 1 on a fail, 2 on bad input.
 */
class AuthCommandTest {
  @TempDir static Path dir;
  private static NamedServer server;
  private static Path config;
  private static Path message;

  @BeforeAll
  static void start() throws Exception {
    String zone =
        """
        $TTL 0
        @ IN SOA ns. host. 1 3600 600 86400 0
        @ IN NS ns.
        ns. IN A 127.0.0.1
        pass.example. IN TXT "v=spf1 ip4:192.0.2.1 -all"
        helo.example. IN TXT "v=spf1 a -all"
        helo.example. IN A 192.0.2.1
        _dmarc.pass.example. IN TXT "v=DMARC1; p=reject"
        """;
    server = NamedServer.start(dir, Map.of(".", zone), List.of());
    config = dir.resolve("mailfilter.yaml");
    Files.writeString(
        config,
        """
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 1s
          retries: 0
        checks:
          spf: {enabled: true, reject_fail: true}
          authentication_results: {enabled: true, authserv_id: mx.ours.example}
        """
            .formatted(server.address().getPort()));
    message = dir.resolve("message.eml");
    Files.writeString(
        message,
        "Authentication-Results: mx.ours.example; spf=pass (forged)\r\n"
            + "Authentication-Results: other.example; spf=none\r\n"
            + "From: a@pass.example\r\nSubject: hi\r\n\r\nhello\r\n",
        StandardCharsets.US_ASCII);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static CommandTestSupport.Result auth(String ip, String helo, String from) {
    return CommandTestSupport.run(
        "auth",
        message.toString(),
        "--ip",
        ip,
        "--helo",
        helo,
        "--from",
        from,
        "--config",
        config.toString());
  }

  @Test
  void printsEachResultWithItsReasonThenOurField() {
    CommandTestSupport.Result r = auth("192.0.2.1", "helo.example", "a@pass.example");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .isEqualTo(
            """
            spf=pass smtp.mailfrom=a@pass.example: pass.example: ip4:192.0.2.1 matched
            spf=pass smtp.helo=helo.example: helo.example: a matched
            dkim=none: no signature
            arc=none: no ARC sets
            removed: 1 Authentication-Results field from outside claiming mx.ours.example
            Authentication-Results: mx.ours.example;
            \tspf=pass reason="pass.example: ip4:192.0.2.1 matched"
             smtp.mailfrom=a@pass.example;
            \tspf=pass reason="helo.example: a matched" smtp.helo=helo.example;
            \tdkim=none reason="no signature";
            \tarc=none reason="no ARC sets"
            """);
  }

  @Test
  void withDmarcOnItsResultIsPrintedWithThePolicyAndAFailIsReportedNotRefused() throws Exception {
    Path dmarc = dir.resolve("dmarc.yaml");
    Files.writeString(
        dmarc,
        """
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 1s
          retries: 0
        checks:
          spf: {enabled: true}
          dmarc: {enabled: true}
          authentication_results: {enabled: true, authserv_id: mx.ours.example}
        """
            .formatted(server.address().getPort()));
    CommandTestSupport.Result pass =
        CommandTestSupport.run(
            "auth",
            message.toString(),
            "--ip",
            "192.0.2.1",
            "--helo",
            "helo.example",
            "--from",
            "a@pass.example",
            "--config",
            dmarc.toString());
    assertThat(pass.code()).as(pass.err()).isZero();
    assertThat(pass.out())
        .contains(
            "dmarc=pass header.from=pass.example policy.dmarc=reject"
                + " policy.applied-disposition=none: ");
    // p=reject would refuse at end of data; the command reports the failure instead.
    CommandTestSupport.Result fail =
        CommandTestSupport.run(
            "auth",
            message.toString(),
            "--ip",
            "198.51.100.7",
            "--helo",
            "helo.example",
            "--from",
            "a@pass.example",
            "--config",
            dmarc.toString());
    assertThat(fail.code()).as(fail.err()).isEqualTo(1);
    assertThat(fail.out())
        .contains(
            "dmarc=fail header.from=pass.example policy.dmarc=reject"
                + " policy.applied-disposition=reject: ")
        .contains("arc=none: no ARC sets");
  }

  @Test
  void aFailExitsOneAndIsReportedNotRefused() {
    // reject_fail in the configuration would refuse at MAIL FROM; the command reports instead.
    CommandTestSupport.Result r = auth("198.51.100.7", "helo.example", "<a@pass.example>");
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.out())
        .startsWith("spf=fail smtp.mailfrom=a@pass.example: pass.example: -all matched\n")
        .contains("spf=fail smtp.helo=helo.example");
  }

  @Test
  void anAuthservIdOptionWinsAndTheNullSenderIsAccepted() {
    CommandTestSupport.Result r =
        CommandTestSupport.run(
            "auth",
            message.toString(),
            "--ip",
            "192.0.2.1",
            "--helo",
            "helo.example",
            "--from",
            "<>",
            "--config",
            config.toString(),
            "--authserv-id",
            "other.example");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("spf=pass smtp.mailfrom=postmaster@helo.example")
        .contains("removed: 1 Authentication-Results field from outside claiming other.example")
        .contains("Authentication-Results: other.example;");
  }

  @Test
  void withoutAConfigurationSpfIsOnAndTheIdIsLocalhost() {
    // No DNS server configured answers here quickly or not: only the shape is checked.
    CommandTestSupport.Result r =
        CommandTestSupport.run(
            "auth", message.toString(), "--ip", "::1", "--helo", "[::1]", "--from", "");
    assertThat(r.code()).as(r.err()).isIn(0, 1);
    assertThat(r.out())
        .contains("Authentication-Results: localhost;")
        .contains("spf=")
        .contains("dmarc=");
  }

  @Test
  void badInputIsOneLineAndExitTwo() {
    for (List<String> args :
        List.of(
            List.of("auth"),
            List.of("auth", message.toString(), "--helo", "h", "--from", "a@b"),
            List.of("auth", message.toString(), "--ip", "300.1.1.1", "--helo", "h", "--from", "x"),
            List.of("auth", message.toString(), "--ip", "mx.example", "--helo", "h", "--from", "x"),
            List.of("auth", message.toString(), "--ip", "192.0.2.1", "--helo", "h"),
            List.of("auth", "/nonexistent.eml", "--ip", "192.0.2.1", "--helo", "h", "--from", "x"),
            List.of("auth", message.toString(), "--ip", "192.0.2.1", "--bogus", "x"),
            List.of(
                "auth",
                message.toString(),
                "--ip",
                "192.0.2.1",
                "--helo",
                "h",
                "--from",
                "x",
                "--config",
                "/nonexistent.yaml"))) {
      CommandTestSupport.Result r = CommandTestSupport.run(args.toArray(String[]::new));
      assertThat(r.code()).as(args.toString()).isEqualTo(2);
      assertThat(r.err().strip()).as(args.toString()).doesNotContain("\n").doesNotContain("\tat ");
      assertThat(r.out()).isEmpty();
    }
  }

  @Test
  void anEnabledCheckWithoutAnAuthservIdInTheConfigurationIsAnError() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "checks:\n  authentication_results: {enabled: true}\n");
    CommandTestSupport.Result r =
        CommandTestSupport.run(
            "auth",
            message.toString(),
            "--ip",
            "192.0.2.1",
            "--helo",
            "h",
            "--from",
            "x",
            "--config",
            bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("checks.authentication_results.authserv_id").contains("required");
  }
}
