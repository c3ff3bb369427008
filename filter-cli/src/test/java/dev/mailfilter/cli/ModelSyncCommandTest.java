package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.learn.Document;
import dev.mailfilter.learn.Label;
import dev.mailfilter.learn.ModelSettings;
import dev.mailfilter.learn.SpamModel;
import dev.mailfilter.testkit.Processes;
import dev.mailfilter.testkit.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mailfilter train --publish} sends reports to the cluster's trainer, and {@code mailfilter
 * model-sync} (the trainer here) learns them and installs the published version, on a real
 * redis-server.
 */
class ModelSyncCommandTest {
  @TempDir Path dir;

  private static final String SPAM =
      "From: Deals <deals@offers.example>\r\nTo: boss@bakery.example\r\nSubject: cheap pills\r\n"
          + "\r\nBuy cheap pills now, limited offer, click here today.\r\n";
  private static final String HAM =
      "From: Anna <anna@bakery.example>\r\nTo: boss@bakery.example\r\nSubject: minutes\r\n"
          + "\r\nThe minutes of yesterday's meeting are attached, see you on Monday.\r\n";

  private Path config(int port) throws Exception {
    Path f = dir.resolve("node.yaml");
    Files.writeString(
        f,
        """
        model: {path: %s, required: false}
        redis: {uri: "redis://127.0.0.1:%d"}
        model_sync: {node: trainer, poll: 50ms, lease: 600ms}
        """
            .formatted(dir.resolve("model.bin"), port),
        UTF_8);
    return f;
  }

  private Optional<Label> learned(byte[] message) {
    Path file = dir.resolve("model.bin");
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try (SpamModel m = SpamModel.open(ModelSettings.builder().path(file).build())) {
      return m.learnedAs(Document.fromMessage(message));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  @Test
  void publishedReportsAreLearnedByTheTrainerAndInstalledAsOneVersion() throws Exception {
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"))) {
      Path conf = config(redis.port());
      Path spam = dir.resolve("spam");
      Path ham = dir.resolve("ham");
      Files.createDirectories(spam);
      Files.createDirectories(ham);
      Files.writeString(spam.resolve("1.eml"), SPAM, UTF_8);
      Files.writeString(ham.resolve("1.eml"), HAM, UTF_8);

      CountDownLatch stop = new CountDownLatch(1);
      AtomicInteger status = new AtomicInteger(-1);
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Thread t =
          Thread.ofVirtual()
              .start(
                  () ->
                      status.set(
                          ModelSyncCommand.run(
                              List.of("--config", conf.toString()),
                              new PrintStream(new ByteArrayOutputStream(), true, UTF_8),
                              new PrintStream(err, true, UTF_8),
                              stop)));
      try {
        CommandTestSupport.Result r =
            CommandTestSupport.run(
                "train",
                "--publish",
                "--config",
                conf.toString(),
                "--spam",
                spam.toString(),
                "--ham",
                ham.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("published 2 training events");
        assertThat(
                Processes.await(
                    Duration.ofSeconds(30),
                    () ->
                        learned(SPAM.getBytes(UTF_8)).equals(Optional.of(Label.SPAM))
                            && learned(HAM.getBytes(UTF_8)).equals(Optional.of(Label.HAM))))
            .as(err.toString(UTF_8))
            .isTrue();
      } finally {
        stop.countDown();
        t.join();
      }
      assertThat(status.get()).isZero();
    }
  }

  @Test
  void publishWithoutSharedStateExitsTwoNamingTheKey() throws Exception {
    Path f = dir.resolve("plain.yaml");
    Files.writeString(f, "actions: {reject: 15}\n", UTF_8);
    Path spam = dir.resolve("1.eml");
    Files.writeString(spam, SPAM, UTF_8);
    CommandTestSupport.Result r =
        CommandTestSupport.run(
            "train", "--publish", "--config", f.toString(), "--spam", spam.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("redis.uri");
    assertThat(CommandTestSupport.run("train", "--publish", "--spam", spam.toString()).code())
        .isEqualTo(2);
  }

  @Test
  void modelSyncWithoutSharedStateOrModelPathExitsTwoNamingTheKey() throws Exception {
    Path f = dir.resolve("plain.yaml");
    Files.writeString(f, "model: {path: " + dir.resolve("m.bin") + ", required: false}\n", UTF_8);
    CommandTestSupport.Result r = CommandTestSupport.run("model-sync", "--config", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("redis.uri");
    assertThat(CommandTestSupport.run("model-sync").code()).isEqualTo(2);
    assertThat(CommandTestSupport.run("model-sync", "--help").out()).contains("model-sync");
  }
}
