package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cluster.RedisTenantStore;
import dev.mailfilter.cluster.Settings;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.WriteResult;
import dev.mailfilter.testkit.FreePort;
import dev.mailfilter.testkit.Processes;
import dev.mailfilter.testkit.RedisServer;
import dev.mailfilter.testkit.SmtpClient;
import io.lettuce.core.RedisURI;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mailfilter smtp} and {@code mailfilter milter} with a {@code cluster.store}: the filter
 * follows the tenant store (the commands run for real against a real Redis), starts from the last
 * good tree on disk while the store is down, and a configuration without the section is served as
 * before (the other command tests).
 */
class ClusterNodeCommandTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void theGatewayFollowsTheStoreAndStartsFromItsLastGoodTreeWhileTheStoreIsDown() throws Exception {
    int port = FreePort.tcp();
    Path config = dir.resolve("node.yaml");
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"))) {
      Files.writeString(config, nodeConfig(port, redis.port()));
      try (RedisTenantStore admin = store(redis)) {
        TenantPath bakery = tree(admin);
        admin.create(
            bakery.child(TenantPath.Kind.DOMAIN, "bakery.example"),
            Settings.empty(),
            Optional.empty(),
            "test");

        Running gw = smtp(config);
        try {
          awaitRcpt(port, "bob@bakery.example", 250);
          assertThat(rcpt(port, "x@new.example")).isEqualTo(550);
          // A domain added through the store is served without touching the file.
          WriteResult w =
              admin.create(
                  bakery.child(TenantPath.Kind.DOMAIN, "new.example"),
                  Settings.empty(),
                  Optional.empty(),
                  "test");
          assertThat(w).isInstanceOf(WriteResult.Written.class);
          awaitRcpt(port, "x@new.example", 250);
        } finally {
          assertThat(gw.stop()).as("exit status; stderr: %s", err.toString(UTF_8)).isZero();
        }
      }
      assertThat(dir.resolve("state/snapshot.json")).content().contains("new.example");
      redis.kill();
    }

    // The store is gone: the gateway starts from the tree it kept and serves both domains.
    Running gw = smtp(config);
    try {
      awaitRcpt(port, "x@new.example", 250);
      assertThat(rcpt(port, "bob@bakery.example")).isEqualTo(250);
      assertThat(rcpt(port, "x@elsewhere.example")).isEqualTo(550);
    } finally {
      assertThat(gw.stop()).isZero();
    }
  }

  @Test
  void domainOptionsAreRefusedWithAClusterStore() throws IOException {
    Path config = dir.resolve("node.yaml");
    Files.writeString(config, nodeConfig(FreePort.tcp(), FreePort.tcp()));
    int status =
        SmtpCommand.run(
            List.of("--config", config.toString(), "--domain", "a.example=127.0.0.1:25"),
            new PrintStream(out, true, UTF_8),
            new PrintStream(err, true, UTF_8));
    assertThat(status).isEqualTo(2);
    assertThat(err.toString(UTF_8))
        .startsWith("mailfilter smtp: --domain cannot be combined with cluster.store");
  }

  @Test
  void aBadStoreAddressExitsTwoNamingTheKey() throws IOException {
    Path config = dir.resolve("node.yaml");
    Files.writeString(config, "cluster:\n  store: memcached://127.0.0.1:1\n");
    int status =
        SmtpCommand.run(
            List.of("--config", config.toString()),
            new PrintStream(out, true, UTF_8),
            new PrintStream(err, true, UTF_8));
    assertThat(status).isEqualTo(2);
    assertThat(err.toString(UTF_8))
        .contains("cluster.store")
        .contains("redis (the redis: section)");
  }

  @Test
  void theMilterFollowsTheStoreAndKeepsItsTreeOnDisk() throws Exception {
    int port = FreePort.tcp();
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"));
        RedisTenantStore admin = store(redis)) {
      TenantPath bakery = tree(admin);
      Path config = dir.resolve("milter.yaml");
      Files.writeString(
          config,
          "milter:\n  listen: inet:127.0.0.1:"
              + port
              + "\nredis:\n  uri: redis://127.0.0.1:"
              + redis.port()
              + "\ncluster:\n  store: redis\n  state_dir: "
              + dir.resolve("state")
              + "\n");
      Path log = dir.resolve("milter.log");
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  Main.class.getName(),
                  "milter",
                  "--config",
                  config.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      try {
        admin.create(
            bakery.child(TenantPath.Kind.DOMAIN, "milter.example"),
            Settings.empty(),
            Optional.empty(),
            "test");
        Path kept = dir.resolve("state/snapshot.json");
        assertThat(
                Processes.await(
                    Duration.ofSeconds(60),
                    () -> read(kept).contains("milter.example") || !p.isAlive()))
            .as("the milter's node kept the store's tree; log: %s", read(log))
            .isTrue();
        assertThat(p.isAlive()).as("log: %s", read(log)).isTrue();
      } finally {
        p.destroy(); // SIGTERM: drains, closes the node and its store
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(p.exitValue()).as("exit status; log: %s", read(log)).isZero();
      assertThat(read(log)).doesNotContain("Exception");
    }
  }

  private String nodeConfig(int smtpPort, int redisPort) {
    return "smtp:\n  listen: 127.0.0.1:"
        + smtpPort
        + "\n  host_name: gw.example\n  drain_timeout: 2s\nredis:\n  uri: redis://127.0.0.1:"
        + redisPort
        + "\ncluster:\n  store: redis\n  state_dir: "
        + dir.resolve("state")
        + "\n";
  }

  private static RedisTenantStore store(RedisServer redis) {
    return RedisTenantStore.connect(
        RedisTenantStore.Options.of(RedisURI.create("127.0.0.1", redis.port())));
  }

  /** A reseller with a route (port 1: nothing is relayed here) and a customer; the customer. */
  private static TenantPath tree(RedisTenantStore admin) {
    TenantPath acme = TenantPath.reseller("acme");
    admin.create(
        acme,
        Settings.of(Map.of("route", Map.of("host", "127.0.0.1", "port", 1, "tls", "none"))),
        Optional.empty(),
        "test");
    TenantPath bakery = acme.child(TenantPath.Kind.CUSTOMER, "bakery");
    admin.create(bakery, Settings.empty(), Optional.empty(), "test");
    return bakery;
  }

  private record Running(Thread thread, CountDownLatch latch, AtomicInteger status) {
    int stop() throws InterruptedException {
      latch.countDown();
      thread.join(Duration.ofSeconds(30));
      return status.get();
    }
  }

  private Running smtp(Path config) {
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
    return new Running(t, stop, status);
  }

  private static void awaitRcpt(int port, String rcpt, int code) throws InterruptedException {
    boolean ok =
        Processes.await(
            Duration.ofSeconds(30),
            () -> {
              try {
                return rcpt(port, rcpt) == code;
              } catch (IOException e) {
                return false; // not listening yet
              }
            });
    assertThat(ok).as("RCPT TO:<%s> answered %d", rcpt, code).isTrue();
  }

  /** The reply code to {@code RCPT TO:<rcpt>} in a new connection. */
  private static int rcpt(int port, String rcpt) throws IOException {
    try (SmtpClient c = SmtpClient.connect(port, Duration.ofSeconds(10))) {
      c.greeting();
      c.send("HELO c.example");
      c.send("MAIL FROM:<a@sender.example>");
      return c.send("RCPT TO:<" + rcpt + ">").code();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
