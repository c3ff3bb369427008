package dev.mailfilter.cluster.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.cluster.ClusterNode;
import dev.mailfilter.cluster.RedisTenantStore;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.state.SharedRedis;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.cluster.state.TrainingEvents;
import dev.mailfilter.testkit.Processes;
import dev.mailfilter.testkit.RedisServer;
import io.lettuce.core.RedisURI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/feedback}: a user's "this is spam / not spam" on a message of their scope becomes
 * a training event, and through the elected trainer the next model version on every node (real
 * redis-server, real nodes).
 */
class FeedbackApiTest {
  @TempDir Path dir;

  private static final byte[] SPAM =
      ("From: Deals <deals@offers.example>\r\nTo: boss@bakery.example\r\nSubject: cheap pills\r\n"
              + "\r\nBuy cheap pills now, limited offer, click here today.\r\n")
          .getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HAM =
      ("From: Anna <anna@bakery.example>\r\nTo: boss@bakery.example\r\nSubject: minutes\r\n"
              + "\r\nThe minutes of yesterday's meeting are attached, see you on Monday.\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  private static String body(TenantPath tenant, String label, byte[] message) {
    return "{\"tenant\":\""
        + tenant
        + "\",\"label\":\""
        + label
        + "\",\"message\":\""
        + Base64.getEncoder().encodeToString(message)
        + "\"}";
  }

  private static RedisTenantStore store(RedisServer redis) {
    return RedisTenantStore.connect(
        RedisTenantStore.Options.of(RedisURI.create("127.0.0.1", redis.port())));
  }

  private static Path nodeConfig(Path dir, String node, int port) throws Exception {
    Files.createDirectories(dir.resolve(node));
    Path f = dir.resolve(node).resolve("mailfilter.yaml");
    Files.writeString(
        f,
        """
        reload: {watch_interval: 0}
        model: {path: %s, required: false, min_ham: 1, min_spam: 1}
        redis: {uri: "redis://127.0.0.1:%d"}
        model_sync: {enabled: true, node: %s, poll: 50ms, lease: 600ms}
        """
            .formatted(dir.resolve(node).resolve("model.bin"), port, node),
        StandardCharsets.UTF_8);
    return f;
  }

  private static Optional<String> bayes(ClusterNode node, byte[] message) {
    return node
        .filters()
        .classify(
            message,
            Envelope.of(
                InetAddresses.forString("192.0.2.1"),
                "mail.example.org",
                "deals@offers.example",
                List.of()))
        .symbols()
        .stream()
        .map(s -> s.name())
        .filter(n -> n.startsWith("BAYES_"))
        .findFirst();
  }

  @Test
  void aUsersFeedbackOnNodeAIsTheNextModelVersionOnNodesAAndB() throws Exception {
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"));
        SharedRedis shared =
            SharedRedis.connect(StateSettings.redis("redis://127.0.0.1:" + redis.port()));
        RedisTenantStore storeA = store(redis);
        RedisTenantStore storeB = store(redis);
        ClusterNode a =
            ClusterNode.start(nodeConfig(dir, "a", redis.port()), dir.resolve("a/s"), storeA);
        ClusterNode b =
            ClusterNode.start(nodeConfig(dir, "b", redis.port()), dir.resolve("b/s"), storeB);
        AdminFixture f =
            new AdminFixture(
                store(redis),
                AdminServer.DEFAULT_MAX_BODY,
                true,
                api -> api.withFeedback(TrainingEvents.on(shared, "a", 1 << 20)))) {
      String boss = f.key(Role.USER, AdminFixture.BOSS);
      assertThat(bayes(a, SPAM)).isEmpty();
      AdminFixture.Answer r =
          f.send("POST", "/v1/feedback", boss, body(AdminFixture.BOSS, "spam", SPAM), null);
      assertThat(r.status()).as(r.raw().body()).isEqualTo(201);
      assertThat(r.json().path("event").asText()).matches("\\d+-\\d+");
      assertThat(
              f.send("POST", "/v1/feedback", boss, body(AdminFixture.BOSS, "ham", HAM), null)
                  .status())
          .isEqualTo(201);
      assertThat(
              Processes.await(
                  Duration.ofSeconds(30),
                  () ->
                      a.modelVersion().orElseThrow() >= 1
                          && a.modelVersion().equals(b.modelVersion())
                          && bayes(a, HAM).isPresent()
                          && bayes(b, HAM).isPresent()))
          .isTrue();
      long n = a.modelVersion().orElseThrow();
      assertThat(bayes(b, SPAM).orElseThrow()).isGreaterThan(bayes(b, HAM).orElseThrow());

      byte[] more =
          ("From: x@offers.example\r\nTo: boss@bakery.example\r\nSubject: pills\r\n\r\n"
                  + "Cheap pills, click here.\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      assertThat(
              f.send("POST", "/v1/feedback", boss, body(AdminFixture.BOSS, "spam", more), null)
                  .status())
          .isEqualTo(201);
      assertThat(
              Processes.await(
                  Duration.ofSeconds(30),
                  () ->
                      a.modelVersion().orElseThrow() == n + 1
                          && b.modelVersion().orElseThrow() == n + 1))
          .as("version %d on nodes a and b", n + 1)
          .isTrue();
    }
  }

  @Test
  void feedbackIsAllowedInsideThePrincipalsSubtreeOnlyAndCheckedField() throws Exception {
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"));
        SharedRedis shared =
            SharedRedis.connect(StateSettings.redis("redis://127.0.0.1:" + redis.port()));
        AdminFixture f =
            new AdminFixture(
                store(redis),
                AdminServer.DEFAULT_MAX_BODY,
                true,
                api -> api.withFeedback(TrainingEvents.on(shared, "admin", 1 << 20)))) {
      record Case(Role role, TenantPath scope, TenantPath target, int status) {}
      List<Case> cases =
          List.of(
              new Case(Role.USER, AdminFixture.BOSS, AdminFixture.BOSS, 201),
              new Case(Role.USER, AdminFixture.BOSS, AdminFixture.EVE, 404),
              new Case(Role.USER, AdminFixture.BOSS, AdminFixture.BAKERY_DOMAIN, 404),
              new Case(Role.DOMAIN_ADMIN, AdminFixture.BAKERY_DOMAIN, AdminFixture.BOSS, 201),
              new Case(
                  Role.DOMAIN_ADMIN, AdminFixture.BAKERY_DOMAIN, AdminFixture.BAKERY_DOMAIN, 201),
              new Case(Role.DOMAIN_ADMIN, AdminFixture.BAKERY_DOMAIN, AdminFixture.EVE, 404),
              new Case(Role.CUSTOMER_ADMIN, AdminFixture.BAKERY, AdminFixture.BOSS, 201),
              new Case(Role.CUSTOMER_ADMIN, AdminFixture.BAKERY, AdminFixture.RIVAL_DOMAIN, 404),
              new Case(Role.RESELLER_ADMIN, AdminFixture.ACME, AdminFixture.BAKERY_DOMAIN, 201),
              new Case(Role.RESELLER_ADMIN, AdminFixture.ACME, AdminFixture.ZED, 404),
              new Case(Role.OPERATOR, TenantPath.root(), AdminFixture.EVE, 201),
              new Case(Role.OPERATOR, TenantPath.root(), AdminFixture.ANN, 201));
      for (Case c : cases) {
        String key = f.key(c.role(), c.scope());
        assertThat(
                f.send("POST", "/v1/feedback", key, body(c.target(), "spam", SPAM), null).status())
            .as("%s of %s on %s", c.role(), c.scope(), c.target())
            .isEqualTo(c.status());
      }
      String op = f.key(Role.OPERATOR, TenantPath.root());
      // Not a domain or user; a label that is not spam or ham; not base64; an unknown field.
      assertThat(
              f.send("POST", "/v1/feedback", op, body(AdminFixture.BAKERY, "spam", SPAM), null)
                  .json()
                  .path("fields")
                  .path(0)
                  .path("path")
                  .asText())
          .isEqualTo("tenant");
      assertThat(
              f.send("POST", "/v1/feedback", op, body(AdminFixture.BOSS, "maybe", SPAM), null)
                  .status())
          .isEqualTo(400);
      assertThat(
              f.send(
                      "POST",
                      "/v1/feedback",
                      op,
                      "{\"tenant\":\""
                          + AdminFixture.BOSS
                          + "\",\"label\":\"spam\",\"message\":\"*\"}",
                      null)
                  .status())
          .isEqualTo(400);
      assertThat(
              f.send(
                      "POST",
                      "/v1/feedback",
                      op,
                      body(AdminFixture.BOSS, "spam", SPAM).replace("}", ",\"x\":1}"),
                      null)
                  .status())
          .isEqualTo(400);
      assertThat(
              f.send("POST", "/v1/feedback", null, body(AdminFixture.BOSS, "spam", SPAM), null)
                  .status())
          .isEqualTo(401);
      // Redis gone: the event is not taken, the user is told to retry.
      redis.kill();
      assertThat(
              f.send("POST", "/v1/feedback", op, body(AdminFixture.BOSS, "spam", SPAM), null)
                  .status())
          .isIn(503);
    }
  }

  @Test
  void withoutSharedStateFeedbackAnswers503() throws Exception {
    try (AdminFixture f = new AdminFixture(dir)) {
      String boss = f.key(Role.USER, AdminFixture.BOSS);
      AdminFixture.Answer a =
          f.send("POST", "/v1/feedback", boss, body(AdminFixture.BOSS, "spam", SPAM), null);
      assertThat(a.status()).isEqualTo(503);
      assertThat(a.json().path("message").asText()).contains("redis.uri");
    }
  }
}
