package dev.mailfilter.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.learn.Document;
import dev.mailfilter.learn.Label;
import dev.mailfilter.learn.ModelSettings;
import dev.mailfilter.learn.SpamModel;
import dev.mailfilter.testkit.Processes;
import dev.mailfilter.testkit.RedisServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training events from one node reach the model of every node through one elected trainer, on a
 * real redis-server.
 */
class ModelSyncTest {
  private static final Duration POLL = Duration.ofMillis(50);
  private static final Duration LEASE = Duration.ofMillis(600);
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private LocalRedis local;
  private RedisServer server;
  private SharedRedis redis;

  @BeforeEach
  void start() throws Exception {
    local = LocalRedis.start(dir, Duration.ofSeconds(5), Duration.ofMillis(100));
    server = local.server();
    redis = local.redis();
  }

  @AfterEach
  void stop() {
    local.close();
  }

  private ModelSettings model(String node) {
    return ModelSettings.builder()
        .path(dir.resolve(node).resolve("model.bin"))
        .hashBits(12)
        .build();
  }

  private static byte[] message(String subject, String body) {
    return ("From: a@example.com\r\nTo: b@example.org\r\nSubject: "
            + subject
            + "\r\n\r\n"
            + body
            + "\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static Optional<Label> learnedAs(Path file, ModelSettings s, byte[] msg)
      throws Exception {
    try (SpamModel m = SpamModel.open(s.toBuilder().path(file).build())) {
      return m.learnedAs(Document.fromMessage(msg));
    }
  }

  @Test
  void anEventPublishedOnOneNodeReachesTheModelOfEveryNodeAsOneVersion() throws Exception {
    byte[] spam = message("cheap pills", "buy cheap pills now, limited offer");
    byte[] ham = message("minutes", "the minutes of yesterday's meeting are attached");
    try (ModelSync a = ModelSync.start(redis, model("a"), "a", POLL, LEASE);
        ModelSync b = ModelSync.start(redis, model("b"), "b", POLL, LEASE)) {
      TrainingEvents fromB = TrainingEvents.on(redis, "b", 1 << 20);
      assertThat(fromB.publish(spam, Label.SPAM, Duration.ofSeconds(5))).isPresent();
      assertThat(fromB.publish(ham, Label.HAM, Duration.ofSeconds(5))).isPresent();

      assertThat(
              Processes.await(
                  WAIT,
                  () ->
                      a.installedVersion() >= 1
                          && a.installedVersion() == b.installedVersion()
                          && learned(dir.resolve("a/model.bin"), spam).isPresent()
                          && learned(dir.resolve("a/model.bin"), ham).isPresent()))
          .isTrue();
      Thread.sleep(POLL.multipliedBy(4).toMillis());
      assertThat(a.installedVersion()).isEqualTo(b.installedVersion());
      assertThat(Files.readAllBytes(dir.resolve("a/model.bin")))
          .isEqualTo(Files.readAllBytes(dir.resolve("b/model.bin")));
      ModelSettings s = model("a");
      assertThat(learnedAs(dir.resolve("b/model.bin"), s, spam)).contains(Label.SPAM);
      assertThat(learnedAs(dir.resolve("b/model.bin"), s, ham)).contains(Label.HAM);
    }
  }

  @Test
  void whenTheTrainerStopsAnotherNodeTakesTheLeaseAndGoesOnFromThePublishedModel()
      throws Exception {
    byte[] first = message("first", "the first message ever reported");
    byte[] second = message("second", "a second message reported later");
    TrainingEvents events = TrainingEvents.on(redis, "c", 1 << 20);
    ModelSync a = ModelSync.start(redis, model("a"), "a", POLL, LEASE);
    events.publish(first, Label.SPAM, Duration.ofSeconds(5));
    assertThat(Processes.await(WAIT, () -> a.installedVersion() >= 1)).isTrue();
    String holder = redis.call(c -> c.get(redis.key(ModelSync.LEASE)), Duration.ofSeconds(2)).get();
    assertThat(holder).isEqualTo("a");
    a.close();

    try (ModelSync b = ModelSync.start(redis, model("b"), "b", POLL, LEASE)) {
      events.publish(second, Label.HAM, Duration.ofSeconds(5));
      assertThat(
              Processes.await(
                  WAIT,
                  () ->
                      b.installedVersion() >= 2
                          && learned(dir.resolve("b/model.bin"), second).isPresent()))
          .isTrue();
      // b started from a's published model: the first event is still in it, applied once.
      assertThat(learnedAs(dir.resolve("b/model.bin"), model("b"), first)).contains(Label.SPAM);
      assertThat(redis.call(c -> c.get(redis.key(ModelSync.LEASE)), Duration.ofSeconds(2)))
          .contains("b");
    }
  }

  @Test
  void aNodeKeepsItsLastModelWhileRedisIsDown() throws Exception {
    byte[] spam = message("offer", "an offer you cannot refuse");
    try (ModelSync a = ModelSync.start(redis, model("a"), "a", POLL, LEASE)) {
      TrainingEvents.on(redis, "a", 1 << 20).publish(spam, Label.SPAM, Duration.ofSeconds(5));
      assertThat(Processes.await(WAIT, () -> a.installedVersion() >= 1)).isTrue();
      byte[] before = Files.readAllBytes(dir.resolve("a/model.bin"));
      server.kill();
      Thread.sleep(POLL.multipliedBy(5).toMillis());
      assertThat(Files.readAllBytes(dir.resolve("a/model.bin"))).isEqualTo(before);
      assertThat(learnedAs(dir.resolve("a/model.bin"), model("a"), spam)).contains(Label.SPAM);
      // A report while Redis is down is refused, so the caller can tell the user.
      assertThat(
              TrainingEvents.on(redis, "a", 1 << 20)
                  .publish(spam, Label.HAM, Duration.ofMillis(500)))
          .isEmpty();
    }
  }

  private Optional<Label> learned(Path file, byte[] msg) {
    try {
      if (!Files.exists(file)) {
        return Optional.empty();
      }
      return learnedAs(file, model("x"), msg);
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
