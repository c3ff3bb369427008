package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testkit.Exposition;
import dev.mailfilter.testkit.FreePort;
import dev.mailfilter.testkit.Promtool;
import dev.mailfilter.testkit.SmtpClient;
import dev.mailfilter.testkit.SmtpSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations endpoint of a running {@code mailfilter smtp}: scraped with the JDK's HTTP client
 * after real mail went through the gateway to Postfix's smtp-sink, read by a strict parser and by
 * promtool; and its readiness from start to drain.
 */
class OpsEndpointTest {
  private static final String GTUBE =
      "From: a@sender.example\r\nTo: x@bakery.example\r\nSubject: test\r\n\r\n"
          + "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n";
  private static final String HAM =
      "From: a@sender.example\r\nTo: x@bakery.example\r\nSubject: lunch\r\n"
          + "Message-ID: <1@sender.example>\r\n\r\nAt noon?\r\n";

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir Path dir;

  private record Gateway(
      Thread thread, AtomicInteger status, CountDownLatch stop, int smtp, int ops, Path config) {}

  private Gateway start(int sinkPort, String extraOps) throws Exception {
    int smtp = FreePort.tcp();
    int ops = FreePort.tcp();
    String route = "{host: 127.0.0.1, port: " + sinkPort + ", tls: none}";
    Path config = dir.resolve("mailfilter.yaml");
    Files.writeString(
        config,
        "smtp:\n  listen: 127.0.0.1:"
            + smtp
            + "\n  host_name: gw.example\n  drain_timeout: 60s\n"
            + "ops:\n  listen:\n    smtp: 127.0.0.1:"
            + ops
            + "\n"
            + extraOps
            + "tenants:\n  resellers:\n    acme:\n      customers:\n        bakery:\n"
            + "          domains:\n            bakery.example:\n              route: "
            + route
            + "\n              users:\n                boss: {}\n"
            + "  customers:\n    direct:\n      domains:\n        direct.example:\n"
            + "          route: "
            + route
            + "\n");
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger status = new AtomicInteger(-1);
    Thread t =
        Thread.ofVirtual()
            .start(
                () ->
                    status.set(
                        SmtpCommand.run(
                            List.of("--config", config.toString()),
                            new PrintStream(out, true, UTF_8),
                            new PrintStream(err, true, UTF_8),
                            stop)));
    return new Gateway(t, status, stop, smtp, ops, config);
  }

  private HttpResponse<String> get(int port, String path, String accept) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private int status(int port, String path) {
    try {
      return get(port, path, null).statusCode();
    } catch (ConnectException e) {
      return -1;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void send(SmtpClient c, String rcpt, String message, int expect)
      throws IOException {
    assertThat(c.send("EHLO client.example").code()).isEqualTo(250);
    assertThat(c.send("MAIL FROM:<a@sender.example>").code()).isEqualTo(250);
    assertThat(c.send("RCPT TO:<" + rcpt + ">").code()).isEqualTo(250);
    assertThat(c.data(message.getBytes(UTF_8)).code()).isEqualTo(expect);
  }

  @Test
  void aRunningGatewayIsScrapedAfterMailWithItsFiguresPerStageCheckActionAndTenant()
      throws Exception {
    // smtp-sink run as root works as nobody, who must reach its dump directory.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (SmtpSink sink = SmtpSink.start(dir.resolve("sink"), 16)) {
      Gateway g = start(sink.port(), "  max_tenants: 1\n");
      await("ready", () -> status(g.ops(), "/health/ready") == 200);
      try (SmtpClient c = SmtpClient.connect(g.smtp(), Duration.ofSeconds(30))) {
        send(c, "boss@bakery.example", HAM, 250); // a user: counted under its domain
        assertThat(c.send("RSET").code()).isEqualTo(250);
        assertThat(c.send("MAIL FROM:<a@sender.example>").code()).isEqualTo(250);
        assertThat(c.send("RCPT TO:<x@bakery.example>").code()).isEqualTo(250);
        assertThat(c.data(GTUBE.getBytes(UTF_8)).code()).isEqualTo(554);
        assertThat(c.send("RSET").code()).isEqualTo(250);
        assertThat(c.send("MAIL FROM:<a@sender.example>").code()).isEqualTo(250);
        assertThat(c.send("RCPT TO:<y@direct.example>").code()).isEqualTo(250);
        assertThat(c.data(HAM.getBytes(UTF_8)).code()).isEqualTo(250);
        c.send("QUIT");
      }

      HttpResponse<String> r = get(g.ops(), "/metrics", null);
      assertThat(r.statusCode()).isEqualTo(200);
      String body = r.body();
      Exposition e = Exposition.parseText(body);
      assertThat(e.value("mailfilter_smtp_messages_total")).isEqualTo(3);
      assertThat(e.value("mailfilter_smtp_outcomes_total", "outcome", "relayed")).isEqualTo(2);
      assertThat(e.value("mailfilter_smtp_outcomes_total", "outcome", "rejected")).isEqualTo(1);
      assertThat(e.value("mailfilter_smtp_connections_total")).isEqualTo(1);
      assertThat(e.value("mailfilter_smtp_reply_duration_seconds_count")).isEqualTo(3);
      assertThat(e.value("mailfilter_verdicts_total", "action", "reject")).isEqualTo(1);
      assertThat(e.value("mailfilter_verdicts_total", "action", "accept")).isEqualTo(2);
      assertThat(e.value("mailfilter_stage_runs_total", "stage", "data")).isEqualTo(3);
      assertThat(e.value("mailfilter_check_runs_total", "check", "gtube", "stage", "data"))
          .isEqualTo(3);
      assertThat(e.value("mailfilter_check_hits_total", "check", "gtube", "stage", "data"))
          .isEqualTo(1);
      assertThat(e.family("mailfilter_check_duration_seconds").type()).isEqualTo("histogram");
      // max_tenants: 1: the first tenant seen has its own series, the next counts as _other.
      assertThat(
              e.value(
                  "mailfilter_tenant_verdicts_total",
                  "tenant",
                  "acme/bakery/bakery.example",
                  "action",
                  "accept"))
          .isEqualTo(1);
      assertThat(
              e.value(
                  "mailfilter_tenant_verdicts_total",
                  "tenant",
                  "acme/bakery/bakery.example",
                  "action",
                  "reject"))
          .isEqualTo(1);
      assertThat(
              e.value("mailfilter_tenant_verdicts_total", "tenant", "_other", "action", "accept"))
          .isEqualTo(1);
      assertThat(e.has("mailfilter_tenant_verdicts_total", "tenant", "direct/direct.example"))
          .isFalse();
      assertThat(e.value("mailfilter_config_reloads_total", "result", "ok")).isZero();
      String sha =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(g.config())));
      assertThat(e.has("mailfilter_config_info", "sha256", sha)).isTrue();
      assertThat(e.families()).containsKeys("jvm_memory_used_bytes", "jvm_threads_current");
      assertThat(Promtool.checkMetrics(body)).isEqualTo("0\n");

      Exposition om =
          Exposition.parseOpenMetrics(
              get(g.ops(), "/metrics", "application/openmetrics-text; version=1.0.0").body());
      assertThat(om.value("mailfilter_smtp_messages_total")).isEqualTo(3);

      g.stop().countDown();
      g.thread().join(Duration.ofSeconds(60));
      assertThat(g.status().get()).isZero();
      assertThat(sink.dumps()).hasSize(2);
    }
  }

  @Test
  void readyOnceServingThenNotReadyWhileATransactionDrains() throws Exception {
    // smtp-sink run as root works as nobody, who must reach its dump directory.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (SmtpSink sink = SmtpSink.start(dir.resolve("sink"), 16)) {
      Gateway g = start(sink.port(), "");
      await("ready", () -> status(g.ops(), "/health/ready") == 200);
      HttpResponse<String> ready = get(g.ops(), "/health/ready", null);
      String sha =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(g.config())));
      assertThat(ready.body())
          .startsWith("{\"status\":\"ready\",\"ready\":true,")
          .contains("\"config_sha256\":\"" + sha + "\"");
      try (SmtpClient c = SmtpClient.connect(g.smtp(), Duration.ofSeconds(60))) {
        assertThat(c.send("EHLO client.example").code()).isEqualTo(250);
        assertThat(c.send("MAIL FROM:<a@sender.example>").code()).isEqualTo(250);
        assertThat(c.send("RCPT TO:<x@bakery.example>").code()).isEqualTo(250);
        g.stop().countDown(); // as SIGTERM: the transaction in flight holds the drain
        await("not ready", () -> status(g.ops(), "/health/ready") == 503);
        HttpResponse<String> draining = get(g.ops(), "/health/ready", null);
        assertThat(draining.body()).contains("\"status\":\"draining\"", "\"ready\":false");
        assertThat(status(g.ops(), "/health/live")).isEqualTo(200);
        assertThat(status(g.ops(), "/metrics")).isEqualTo(200);
        assertThat(c.data(HAM.getBytes(UTF_8)).code()).isEqualTo(250);
      }
      g.thread().join(Duration.ofSeconds(60));
      assertThat(g.status().get()).isZero();
      assertThat(sink.dumps()).hasSize(1);
      assertThat(status(g.ops(), "/health/live")).isEqualTo(-1); // closed after the drain
    }
  }

  @Test
  void anOpsAddressInUseThatTheFileGaveExitsTwoNamingTheKey() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Path config = dir.resolve("c.yaml");
      Files.writeString(
          config,
          "smtp:\n  listen: 127.0.0.1:0\nops:\n  listen:\n    smtp: 127.0.0.1:"
              + taken.getLocalPort()
              + "\n");
      int code =
          SmtpCommand.run(
              List.of("--config", config.toString()),
              new PrintStream(out, true, UTF_8),
              new PrintStream(err, true, UTF_8));
      assertThat(code).isEqualTo(2);
      assertThat(err.toString(UTF_8))
          .startsWith("mailfilter smtp: ops.listen.smtp 127.0.0.1:" + taken.getLocalPort())
          .contains("cannot listen");
    }
  }

  @Test
  void aPublicOpsAddressWithoutATokenExitsTwo() throws Exception {
    Path config = dir.resolve("c.yaml");
    Files.writeString(config, "ops:\n  listen:\n    smtp: 0.0.0.0:9525\n");
    int code =
        SmtpCommand.run(
            List.of("--config", config.toString()),
            new PrintStream(out, true, UTF_8),
            new PrintStream(err, true, UTF_8));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(UTF_8)).contains("ops.listen.smtp", "ops.token_file");
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
