package dev.mailfilter.ops;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's operations endpoint on the JDK's HTTP server, one virtual thread per request:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the registry in the Prometheus text format 0.0.4, or OpenMetrics 1.0
 *       when the Accept header asks for it (as Prometheus does); with a token, only for {@code
 *       Authorization: Bearer TOKEN}, else 401;
 *   <li>{@code GET /health/live}: 200 while the process serves this endpoint;
 *   <li>{@code GET /health/ready}: 200 when {@link Health} says ready, else 503; a JSON body with
 *       the state and its reason either way.
 * </ul>
 *
 * Other paths are 404, other methods than GET and HEAD 405.
 */
public final class OpsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
  private static final String JSON = "application/json; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;
  private final PrometheusRegistry registry;
  private final Health health;
  private final Optional<byte[]> token;
  private final ExpositionFormats formats = ExpositionFormats.init();

  private OpsServer(
      HttpServer server,
      ExecutorService executor,
      PrometheusRegistry registry,
      Health health,
      Optional<byte[]> token) {
    this.server = server;
    this.executor = executor;
    this.registry = registry;
    this.health = health;
    this.token = token;
  }

  /** A new registry holding the JVM's figures: memory, GC, threads, classes, buffer pools. */
  public static PrometheusRegistry registryWithJvm() {
    PrometheusRegistry r = new PrometheusRegistry();
    JvmMetrics.builder().register(r);
    return r;
  }

  /**
   * Binds {@code listen} and serves.
   *
   * @param token the bearer token {@code /metrics} demands; empty: none
   * @throws IOException when the address cannot be bound
   */
  public static OpsServer start(
      InetSocketAddress listen, PrometheusRegistry registry, Health health, Optional<String> token)
      throws IOException {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(health, "health");
    token.ifPresent(
        t -> {
          if (t.length() < 16) {
            throw new IllegalArgumentException(
                "the metrics token must have at least 16 characters, it has " + t.length());
          }
        });
    HttpServer http = HttpServer.create(listen, 16);
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    http.setExecutor(executor);
    OpsServer ops =
        new OpsServer(http, executor, registry, health, token.map(t -> t.getBytes(UTF_8)));
    http.createContext("/", ops::handle);
    http.start();
    return ops;
  }

  /** The bound address (its port when port 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Stops at once: probes and scrapes are short and may be retried. */
  @Override
  public void close() {
    server.stop(0);
    executor.close();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      boolean known =
          path.equals("/metrics") || path.equals("/health/live") || path.equals("/health/ready");
      if (!known) {
        send(ex, 404, "text/plain; charset=utf-8", "not found: try /metrics, /health/ready\n");
        return;
      }
      String method = ex.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        send(ex, 405, "text/plain; charset=utf-8", "only GET and HEAD\n");
        return;
      }
      switch (path) {
        case "/health/live" -> send(ex, 200, JSON, "{\"status\":\"live\"}\n");
        case "/health/ready" -> {
          Health.Status s = health.status();
          send(ex, s.ready() ? 200 : 503, JSON, Health.json(s));
        }
        default -> metrics(ex);
      }
    } catch (RuntimeException e) {
      LOG.warn("ops: {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e);
      try {
        send(ex, 500, "text/plain; charset=utf-8", "internal error\n");
      } catch (IOException | RuntimeException ignored) {
        // the answer had begun; the client sees a cut response
      }
    }
  }

  private void metrics(HttpExchange ex) throws IOException {
    if (token.isPresent() && !authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"mailfilter metrics\"");
      send(ex, 401, "text/plain; charset=utf-8", "a bearer token is needed (ops.token_file)\n");
      return;
    }
    ExpositionFormatWriter writer = writer(ex.getRequestHeaders().getFirst("Accept"));
    MetricSnapshots snapshots = registry.scrape();
    ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
    writer.write(body, snapshots);
    send(ex, 200, writer.getContentType(), body.toByteArray());
  }

  /** OpenMetrics when asked for, else the text format 0.0.4: never protobuf, not built in. */
  private ExpositionFormatWriter writer(String accept) {
    OpenMetricsTextFormatWriter om = formats.getOpenMetricsTextFormatWriter();
    if (accept != null && om.accepts(accept)) {
      return om;
    }
    return formats.getPrometheusTextFormatWriter();
  }

  private boolean authorized(String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = header.substring(7).strip().getBytes(UTF_8);
    return MessageDigest.isEqual(given, token.get());
  }

  private static void send(HttpExchange ex, int status, String type, String body)
      throws IOException {
    send(ex, status, type, body.getBytes(UTF_8));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
