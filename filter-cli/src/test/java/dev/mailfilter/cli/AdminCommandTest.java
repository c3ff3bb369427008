package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testkit.Exposition;
import dev.mailfilter.testkit.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminCommandTest {
  @TempDir Path dir;

  /** A running {@code mailfilter admin} in this JVM, stopped by its latch. */
  private record Running(Thread thread, CountDownLatch latch, AtomicInteger status, String out) {
    int stop() throws InterruptedException {
      latch.countDown();
      thread.join(Duration.ofSeconds(20));
      return status.get();
    }
  }

  private Running start(int port, String... extra) throws Exception {
    return startWith(port, List.of("--store", dir.resolve("store").toString()), extra);
  }

  private Running startWith(int port, List<String> store, String... extra) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger status = new AtomicInteger(-1);
    List<String> args = new java.util.ArrayList<>(List.of("--listen", "127.0.0.1:" + port));
    args.addAll(store);
    args.addAll(List.of(extra));
    Thread t =
        Thread.ofVirtual()
            .start(
                () ->
                    status.set(
                        AdminCommand.run(
                            args,
                            new PrintStream(out, true, UTF_8),
                            new PrintStream(err, true, UTF_8),
                            stop)));
    // Poll until it answers (no sleep-and-hope), or it exited.
    Instant deadline = Instant.now().plusSeconds(20);
    while (Instant.now().isBefore(deadline) && t.isAlive()) {
      try {
        get(port, "/openapi.json", null);
        break;
      } catch (ConnectException e) {
        Thread.onSpinWait();
      }
    }
    assertThat(t.isAlive()).as(err.toString(UTF_8)).isTrue();
    return new Running(t, stop, status, out.toString(UTF_8));
  }

  private static HttpResponse<String> get(int port, String path, String key) throws Exception {
    return send(port, "GET", path, key, null);
  }

  private static HttpResponse<String> send(
      int port, String method, String path, String key, String body) throws Exception {
    try (HttpClient c = HttpClient.newHttpClient()) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body));
      if (key != null) {
        b.header("Authorization", "Bearer " + key);
      }
      return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  @Test
  void firstStartPrintsAnOperatorKeyOnceAndTheTreeAndKeysSurviveARestart() throws Exception {
    int port = freePort();
    Running first = start(port);
    String key = first.out().lines().filter(l -> l.startsWith("mfk_")).findFirst().orElseThrow();
    assertThat(get(port, "/v1/resellers", null).statusCode()).isEqualTo(401);
    assertThat(send(port, "POST", "/v1/resellers", key, "{\"name\":\"acme\"}").statusCode())
        .isEqualTo(201);
    assertThat(first.stop()).isZero();
    assertThat(Files.readString(dir.resolve("store/admin-keys.json"), UTF_8))
        .doesNotContain(key.substring(key.indexOf('_', 4) + 1));

    Running second = start(port);
    assertThat(second.out()).doesNotContain("mfk_");
    HttpResponse<String> list = get(port, "/v1/resellers", key);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).contains("reseller:acme");
    assertThat(second.stop()).isZero();
  }

  @Test
  void servesTheTreeFromARealRedisStore() throws Exception {
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"))) {
      int port = freePort();
      Running admin = startWith(port, List.of("--redis", "redis://127.0.0.1:" + redis.port()));
      String key = admin.out().lines().filter(l -> l.startsWith("mfk_")).findFirst().orElseThrow();
      assertThat(send(port, "POST", "/v1/customers", key, "{\"name\":\"direct\"}").statusCode())
          .isEqualTo(201);
      assertThat(
              send(
                      port,
                      "POST",
                      "/v1/customers/direct/domains",
                      key,
                      "{\"name\":\"direct.example\"}")
                  .statusCode())
          .isEqualTo(201);
      HttpResponse<String> got = get(port, "/v1/customers/direct/domains/direct.example", key);
      assertThat(got.statusCode()).isEqualTo(200);
      assertThat(got.headers().firstValue("ETag")).isPresent();
      assertThat(admin.stop()).isZero();
    }
  }

  @Test
  void withoutAStoreOrWithABadAddressOrKeyItExits2SayingWhy() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream e = new PrintStream(err, true, UTF_8);
    PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, UTF_8);
    assertThat(AdminCommand.run(List.of(), o, e)).isEqualTo(2);
    assertThat(err.toString(UTF_8)).contains("--store");
    // With Redis the keys are in the store: a key file of one server is refused.
    assertThat(
            AdminCommand.run(
                List.of("--redis", "redis://127.0.0.1:1", "--keys", dir.resolve("k").toString()),
                o,
                e))
        .isEqualTo(2);
    assertThat(err.toString(UTF_8)).contains("leave out --keys");
    assertThat(AdminCommand.run(List.of("--redis", "redis://127.0.0.1:1"), o, e)).isEqualTo(2);
    assertThat(err.toString(UTF_8)).contains("cannot connect");
    assertThat(AdminCommand.run(List.of("--listen", "nowhere", "--store", "x"), o, e)).isEqualTo(2);
    assertThat(err.toString(UTF_8)).contains("HOST:PORT");
    Path config = dir.resolve("c.yaml");
    Files.writeString(config, "admin:\n  listne: 127.0.0.1:1\n");
    assertThat(AdminCommand.run(List.of("--config", config.toString()), o, e)).isEqualTo(2);
    assertThat(err.toString(UTF_8)).contains("listne");
  }

  @Test
  void theAdminAndClusterSectionsSetTheListenAddressBodyLimitAndStore() throws Exception {
    int port = freePort();
    int opsPort = freePort();
    Path config = dir.resolve("c.yaml");
    Path token = Files.writeString(dir.resolve("metrics.token"), "metrics-token-0123456789\n");
    Files.writeString(
        config,
        "admin:\n  listen: 127.0.0.1:"
            + port
            + "\n  max_body: 2KiB\ncluster:\n  store: file:"
            + dir.resolve("cfgstore")
            + "\nops:\n  token_file: "
            + token
            + "\n  listen:\n    admin: 127.0.0.1:"
            + opsPort
            + "\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger status = new AtomicInteger(-1);
    Thread t =
        Thread.ofVirtual()
            .start(
                () ->
                    status.set(
                        AdminCommand.run(
                            List.of("--config", config.toString()),
                            new PrintStream(out, true, UTF_8),
                            System.err,
                            stop)));
    Instant deadline = Instant.now().plusSeconds(20);
    boolean up = false;
    while (Instant.now().isBefore(deadline) && t.isAlive() && !up) {
      try {
        up = get(port, "/openapi.json", null).statusCode() == 200;
      } catch (ConnectException e) {
        Thread.onSpinWait();
      }
    }
    assertThat(up).isTrue();
    // The key is printed before the server listens.
    String key =
        out.toString(UTF_8).lines().filter(l -> l.startsWith("mfk_")).findFirst().orElseThrow();
    HttpResponse<String> big = send(port, "POST", "/v1/resellers", key, "x".repeat(4096));
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(Files.exists(dir.resolve("cfgstore/admin-keys.json"))).isTrue();
    // The operations endpoint: ready, and the store's figures behind the token of ops.token_file.
    assertThat(get(opsPort, "/health/ready", null).statusCode()).isEqualTo(200);
    assertThat(get(opsPort, "/metrics", null).statusCode()).isEqualTo(401);
    HttpResponse<String> metrics = get(opsPort, "/metrics", "metrics-token-0123456789");
    assertThat(metrics.statusCode()).isEqualTo(200);
    Exposition figures = Exposition.parseText(metrics.body());
    assertThat(figures.value("mailfilter_cluster_store_up")).isEqualTo(1);
    assertThat(figures.value("mailfilter_cluster_store_version")).isGreaterThanOrEqualTo(0);
    assertThat(figures.families()).containsKey("jvm_memory_used_bytes");
    stop.countDown();
    t.join(Duration.ofSeconds(20));
    assertThat(status.get()).isZero();
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }
}
