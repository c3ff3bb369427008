package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileModelStoreTest {
  @TempDir Path dir;

  private ModelSettings settings(Path file) {
    return ModelSettings.builder().path(file).hashBits(16).minTraining(0, 0).build();
  }

  @Test
  void roundTripsWeightsCountsAndLearnedMessages() throws Exception {
    Path file = dir.resolve("model.bin");
    SplittableRandom r = new SplittableRandom(11);
    List<Document> probe = new ArrayList<>();
    Document first = SpamModelTest.message(r, Label.SPAM, 0);
    double[] before;
    try (SpamModel m = SpamModel.open(settings(file))) {
      m.learn(first, Label.SPAM);
      for (int i = 1; i < 40; i++) {
        m.learn(SpamModelTest.message(r, Label.HAM, i), Label.HAM);
      }
      for (int i = 0; i < 10; i++) {
        probe.add(SpamModelTest.message(r, i % 2 == 0 ? Label.SPAM : Label.HAM, 100 + i));
      }
      before = probe.stream().mapToDouble(d -> m.classify(d).probability()).toArray();
    }
    try (SpamModel again = SpamModel.open(settings(file))) {
      assertThat(again.counts()).isEqualTo(new TrainingCounts(39, 1));
      assertThat(probe.stream().mapToDouble(d -> again.classify(d).probability()).toArray())
          .containsExactly(before);
      assertThat(again.learn(first, Label.SPAM)).isEqualTo(LearnOutcome.ALREADY_LEARNED);
      assertThat(again.unlearn(first)).isTrue();
    }
    try (SpamModel third = SpamModel.open(settings(file))) {
      assertThat(third.counts()).isEqualTo(new TrainingCounts(39, 0));
    }
  }

  @Test
  void keepsItsOwnSizeWhenOpenedWithOtherSettings() throws Exception {
    Path file = dir.resolve("m");
    try (SpamModel m = SpamModel.open(settings(file))) {
      m.learn(SpamModelTest.message(new SplittableRandom(1), Label.HAM, 1), Label.HAM);
    }
    try (FileModelStore s = FileModelStore.open(file, 20)) {
      assertThat(s.hashBits()).isEqualTo(16);
    }
  }

  @Test
  void refusesADamagedFileNamingIt() throws Exception {
    Path file = dir.resolve("model.bin");
    try (SpamModel m = SpamModel.open(settings(file))) {
      m.learn(SpamModelTest.message(new SplittableRandom(1), Label.HAM, 1), Label.HAM);
    }
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(file, bytes);
    assertThatThrownBy(() -> FileModelStore.open(file, 16))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("checksum");
    Files.write(file, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> FileModelStore.open(file, 16))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("too short");
  }

  @Test
  void refusesAWeightIndexOrCountOutOfRangeEvenWithAValidChecksum() throws Exception {
    Path file = dir.resolve("model.bin");
    try (SpamModel m = SpamModel.open(settings(file))) {
      m.learn(SpamModelTest.message(new SplittableRandom(1), Label.HAM, 1), Label.HAM);
    }
    byte[] good = Files.readAllBytes(file);
    // Header: magic, version, hash bits, feature set, layout, bias, weight count; then the first
    // (index, weight) pair.
    byte[] badIndex = good.clone();
    java.nio.ByteBuffer.wrap(badIndex).putInt(28, 1 << 16);
    writeWithCrc(file, badIndex);
    assertThatThrownBy(() -> FileModelStore.open(file, 16))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("weight index out of range: 65536");
    byte[] badCount = good.clone();
    java.nio.ByteBuffer.wrap(badCount).putInt(24, 1 << 16);
    writeWithCrc(file, badCount);
    assertThatThrownBy(() -> FileModelStore.open(file, 16))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bad weight count 65536");
  }

  @Test
  void aModelWithManyWeightsIsWrittenDenseAndReadBackAcrossChunks() throws Exception {
    // 2^20 weights, a third of them set, and 150,000 learned messages: a version 2 file of some
    // 6 MB, so every part of it crosses the reader's 1 MB chunks.
    Path file = dir.resolve("dense.bin");
    SplittableRandom r = new SplittableRandom(20261204);
    int bits = 20;
    float[] expected = new float[1 << bits];
    int[] all = new int[1 << bits];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    try (FileModelStore s = FileModelStore.open(file, bits)) {
      for (int i = 0; i < 150_000; i++) {
        int[] some = new int[3];
        for (int k = 0; k < some.length; k++) {
          some[k] = r.nextInt(1 << bits);
        }
        float delta = (float) r.nextDouble(-1, 1);
        Label label = r.nextBoolean() ? Label.SPAM : Label.HAM;
        s.apply(some, delta, 0.001f, i * 7919L, Optional.of(new LearnedMessage(label, delta)));
        for (int k : some) {
          expected[k] += delta;
        }
      }
      s.commit();
    }
    byte[] bytes = Files.readAllBytes(file);
    assertThat(java.nio.ByteBuffer.wrap(bytes).getInt(4)).as("version").isEqualTo(3);
    assertThat(java.nio.ByteBuffer.wrap(bytes).getInt(16)).as("layout").isEqualTo(2);
    assertThat(bytes).hasSize(24 + 4 * (1 << bits) + 4 + 150_000 * 13 + 1 + 4);
    try (FileModelStore s = FileModelStore.open(file, 12)) {
      assertThat(s.hashBits()).isEqualTo(bits);
      float[] got = new float[all.length];
      s.weights(all, got);
      assertThat(got).isEqualTo(expected);
      assertThat(s.counts().ham() + s.counts().spam()).isEqualTo(150_000);
      assertThat(s.learned(149_999 * 7919L)).isPresent();
      assertThat(s.learned(7L)).isEmpty();
    }
    // A damaged weight is caught by the checksum; a dense file cut short with a valid one is
    // refused before its weights are believed.
    bytes[4 + 4 * 1000] ^= 0x08;
    Files.write(file, bytes);
    assertThatThrownBy(() -> FileModelStore.open(file, 12))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("checksum");
    byte[] cut = java.util.Arrays.copyOf(bytes, 24 + 4 * 1000 + 4);
    writeWithCrc(file, cut);
    assertThatThrownBy(() -> FileModelStore.open(file, 12))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("1048576 weights do not fit");
  }

  @Test
  void aSmallModelStaysSparse() throws Exception {
    Path file = dir.resolve("small.bin");
    try (SpamModel m = SpamModel.open(settings(file))) {
      m.learn(SpamModelTest.message(new SplittableRandom(1), Label.HAM, 1), Label.HAM);
    }
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(file));
    assertThat(b.getInt(4)).as("version").isEqualTo(3);
    assertThat(b.getInt(12)).as("feature set").isEqualTo(Features.CURRENT_SET);
    assertThat(b.getInt(16)).as("layout").isEqualTo(1);
  }

  /** Writes the bytes with a correct CRC-32 in their last four. */
  private static void writeWithCrc(Path file, byte[] bytes) throws IOException {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(bytes, 0, bytes.length - 4);
    java.nio.ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
    Files.write(file, bytes);
  }

  @Test
  void inMemoryStoreWritesNothing() throws Exception {
    try (SpamModel m = SpamModel.open(ModelSettings.builder().hashBits(12).build())) {
      m.learn(SpamModelTest.message(new SplittableRandom(1), Label.HAM, 1), Label.HAM);
      m.commit();
    }
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  /**
   * A child JVM learns and commits in a loop; killing it at random moments must always leave a
   * model file that loads, holding one of the committed states (a multiple of the batch size).
   */
  @Test
  void aKillDuringTrainingLeavesTheLastCommittedModel() throws Exception {
    Path file = dir.resolve("model.bin");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int round = 0; round < 3; round++) {
      Process child =
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  CrashingTrainer.class.getName(),
                  file.toString(),
                  Integer.toString(round))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("child-" + round + ".log").toFile())
              .start();
      try {
        // Wait until at least one commit landed (or a bounded time), then kill mid-training.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long sizeSeen = Files.exists(file) ? Files.size(file) : -1;
        while (System.nanoTime() < deadline && child.isAlive()) {
          if (Files.exists(file) && Files.size(file) != sizeSeen) {
            break;
          }
          Thread.sleep(5); // polling a condition with a deadline, not waiting for time
        }
        assertThat(child.isAlive())
            .as("child exited early; see " + dir.resolve("child-" + round + ".log"))
            .isTrue();
        Thread.sleep(50 + 70L * round);
      } finally {
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      try (FileModelStore store = FileModelStore.open(file, 16)) {
        TrainingCounts c = store.counts();
        assertThat((c.ham() + c.spam()) % CrashingTrainer.BATCH).as("round " + round).isZero();
        assertThat(c.ham() + c.spam()).isPositive();
      }
    }
  }
}
