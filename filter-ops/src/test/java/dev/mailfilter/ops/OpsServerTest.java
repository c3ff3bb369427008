package dev.mailfilter.ops;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.FilterReloader;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.testkit.Exposition;
import dev.mailfilter.testkit.Promtool;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpsServerTest {
  private static final byte[] GTUBE =
      ("From: a@example.org\r\nTo: b@example.net\r\nSubject: test\r\n\r\n"
              + "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n")
          .getBytes(UTF_8);
  private static final byte[] HAM =
      "From: a@example.org\r\nTo: b@example.net\r\nSubject: lunch\r\n\r\nAt noon?\r\n"
          .getBytes(UTF_8);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private OpsServer ops;

  @TempDir Path dir;

  @AfterEach
  void close() {
    if (ops != null) {
      ops.close();
    }
  }

  private static Envelope envelope() throws Exception {
    return Envelope.of(
        InetAddress.getByName("192.0.2.7"),
        "mx.example.org",
        "a@example.org",
        List.of("b@example.net"));
  }

  private OpsServer start(PrometheusRegistry registry, Health health, Optional<String> token)
      throws Exception {
    ops =
        OpsServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry, health, token);
    return ops;
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.address().getPort() + path))
            .timeout(Duration.ofSeconds(30));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metricsAreTheFiltersFiguresInTheTextFormatThatPromtoolAccepts() throws Exception {
    try (MailFilter filter = MailFilter.withDefaults()) {
      filter.classify(GTUBE, envelope());
      filter.classify(HAM, envelope());
      PrometheusRegistry registry = OpsServer.registryWithJvm();
      registry.register(FilterMetrics.of(() -> filter));
      start(registry, Health.starting("test"), Optional.empty());

      HttpResponse<String> r = get("/metrics");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type"))
          .hasValue("text/plain; version=0.0.4; charset=utf-8");
      Exposition e = Exposition.parseText(r.body());
      assertThat(e.family("mailfilter_verdicts_total").type()).isEqualTo("counter");
      assertThat(e.value("mailfilter_verdicts_total", "action", "reject")).isEqualTo(1);
      assertThat(e.sum("mailfilter_verdicts_total")).isEqualTo(2);
      assertThat(e.family("mailfilter_check_duration_seconds").type()).isEqualTo("histogram");
      // Every check of the default filter that ran has its runs and a histogram of that count.
      assertThat(e.value("mailfilter_check_runs_total", "check", "gtube", "stage", "data"))
          .isEqualTo(2);
      assertThat(
              e.value("mailfilter_check_duration_seconds_count", "check", "gtube", "stage", "data"))
          .isEqualTo(2);
      assertThat(e.value("mailfilter_check_hits_total", "check", "gtube", "stage", "data"))
          .isEqualTo(1);
      assertThat(e.value("mailfilter_stage_runs_total", "stage", "data")).isEqualTo(2);
      assertThat(e.value("mailfilter_stage_duration_seconds_count", "stage", "data")).isEqualTo(2);
      // The JVM's own figures.
      assertThat(e.families()).containsKeys("jvm_memory_used_bytes", "jvm_threads_current");
      assertThat(e.families().keySet()).anyMatch(n -> n.startsWith("jvm_gc_collection_seconds"));
      assertThat(e.families())
          .containsKeys(
              "jvm_classes_currently_loaded",
              "jvm_buffer_pool_used_bytes",
              "jvm_runtime_info",
              "process_cpu_seconds_total",
              "process_open_fds");

      assertThat(Promtool.checkMetrics(r.body())).isEqualTo("0\n");
    }
  }

  @Test
  void openMetricsIsServedWhenTheAcceptHeaderAsksForIt() throws Exception {
    try (MailFilter filter = MailFilter.withDefaults()) {
      filter.classify(HAM, envelope());
      PrometheusRegistry registry = new PrometheusRegistry();
      registry.register(FilterMetrics.of(() -> filter));
      start(registry, Health.starting("test"), Optional.empty());
      // What Prometheus 2.x sends.
      HttpResponse<String> r =
          get(
              "/metrics",
              "Accept",
              "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                  + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type").orElseThrow())
          .startsWith("application/openmetrics-text; version=1.0.0");
      Exposition e = Exposition.parseOpenMetrics(r.body());
      assertThat(e.family("mailfilter_verdicts").type()).isEqualTo("counter");
      assertThat(e.value("mailfilter_verdicts_total", "action", "accept")).isEqualTo(1);
    }
  }

  @Test
  void readyOnlyOnceReadyAndNeverAgainOnceDraining() throws Exception {
    Health health = Health.starting("loading the configuration");
    health.details(() -> java.util.Map.of("config_version", 7, "store", "down \"a\""));
    start(new PrometheusRegistry(), health, Optional.empty());

    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> starting = get("/health/ready");
    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(starting.body())
        .isEqualTo(
            "{\"status\":\"starting\",\"ready\":false,\"reason\":\"loading the configuration\","
                + "\"config_version\":7,\"store\":\"down \\\"a\\\"\"}\n");
    health.ready("listening on 127.0.0.1:25");
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.headers().firstValue("Content-Type"))
        .hasValue("application/json; charset=utf-8");
    assertThat(ready.body()).startsWith("{\"status\":\"ready\",\"ready\":true,");
    health.draining("SIGTERM: draining");
    health.ready("a late listener");
    HttpResponse<String> draining = get("/health/ready");
    assertThat(draining.statusCode()).isEqualTo(503);
    assertThat(draining.body()).contains("\"status\":\"draining\"", "SIGTERM: draining");
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
  }

  @Test
  void metricsDemandTheBearerTokenWhileHealthStaysOpen() throws Exception {
    String token = "0123456789abcdef-secret";
    start(new PrometheusRegistry(), Health.starting("x"), Optional.of(token));
    HttpResponse<String> none = get("/metrics");
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer");
    assertThat(get("/metrics", "Authorization", "Bearer wrong-token-0000000").statusCode())
        .isEqualTo(401);
    assertThat(get("/metrics", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
    assertThat(get("/health/ready").statusCode()).isEqualTo(503);
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
  }

  @Test
  void otherPathsAre404AndOtherMethods405() throws Exception {
    start(new PrometheusRegistry(), Health.starting("x"), Optional.empty());
    assertThat(get("/").statusCode()).isEqualTo(404);
    assertThat(get("/metrics/../etc").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + ops.address().getPort() + "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  @Test
  void aShortTokenIsRefused() {
    assertThatThrownBy(
            () -> start(new PrometheusRegistry(), Health.starting("x"), Optional.of("short")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 16");
  }

  @Test
  void countersKeepGrowingAcrossReloads() throws Exception {
    Path yaml = dir.resolve("mailfilter.yaml");
    Files.writeString(yaml, "reload:\n  watch_interval: 0\n");
    try (FilterReloader reloader = FilterReloader.start(yaml)) {
      FilterMetrics metrics = FilterMetrics.of(reloader);
      PrometheusRegistry registry = new PrometheusRegistry();
      registry.register(metrics);
      start(registry, Health.starting("x"), Optional.empty());
      reloader.classify(GTUBE, envelope());
      Files.writeString(yaml, "reload:\n  watch_interval: 0\nactions:\n  reject: 500\n");
      reloader.reload();
      reloader.classify(GTUBE, envelope());
      Files.writeString(yaml, "reload:\n  watch_interval: 0\n");
      reloader.reload(); // no scrape between the two reloads: the middle filter still counts
      reloader.classify(HAM, envelope());
      Exposition e = Exposition.parseText(get("/metrics").body());
      assertThat(e.sum("mailfilter_verdicts_total")).isEqualTo(3);
      assertThat(e.value("mailfilter_check_runs_total", "check", "gtube", "stage", "data"))
          .isEqualTo(3);
      assertThat(e.value("mailfilter_config_reloads_total", "result", "ok")).isEqualTo(2);
      assertThat(e.value("mailfilter_config_reloads_total", "result", "failed")).isZero();
      assertThat(e.has("mailfilter_config_info", "sha256", reloader.status().configSha256()))
          .isTrue();
      Files.writeString(yaml, "actions:\n  rejct: 5\n");
      assertThatThrownBy(reloader::reload).isInstanceOf(ConfigException.class);
      reloader.classify(HAM, envelope());
      Exposition after = Exposition.parseText(get("/metrics").body());
      assertThat(after.sum("mailfilter_verdicts_total")).isEqualTo(4);
      assertThat(after.value("mailfilter_config_reloads_total", "result", "failed")).isEqualTo(1);
    }
  }

  @Test
  void aPublicAddressWithoutATokenIsRefusedWithTheKeysPath() {
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .section(OpsSettings.SECTION)
                    .yaml("ops:\n  listen:\n    smtp: 0.0.0.0:9525\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ops.listen.smtp")
        .hasMessageContaining("not a loopback address")
        .hasMessageContaining("ops.token_file");
    FilterConfig ok =
        FilterConfig.builder()
            .section(OpsSettings.SECTION)
            .yaml(
                "ops:\n  token_file: /etc/mailfilter/metrics.token\n  listen:\n"
                    + "    smtp: 0.0.0.0:9525\n    milter: \"off\"\n  max_tenants: 20\n")
            .build();
    OpsSettings s = ok.section(OpsSettings.SECTION);
    assertThat(s.listen(OpsSettings.Node.SMTP)).hasValue(new InetSocketAddress("0.0.0.0", 9525));
    assertThat(s.explicit(OpsSettings.Node.SMTP)).isTrue();
    assertThat(s.listen(OpsSettings.Node.MILTER)).isEmpty();
    assertThat(s.listen(OpsSettings.Node.ADMIN)).hasValue(OpsSettings.Node.ADMIN.defaultAddress());
    assertThat(s.explicit(OpsSettings.Node.ADMIN)).isFalse();
    assertThat(s.maxTenants()).isEqualTo(20);
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .section(OpsSettings.SECTION)
                    .yaml("ops:\n  listen:\n    smtpp: 127.0.0.1:1\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ops.listen.smtpp");
  }
}
