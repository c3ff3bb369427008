package dev.mailfilter.learn;

import java.nio.file.Path;
import java.util.SplittableRandom;

/** Run in a child JVM by {@link FileModelStoreTest}: learns and commits until it is killed. */
public final class CrashingTrainer {
  static final int BATCH = 50;

  private CrashingTrainer() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    SplittableRandom r = new SplittableRandom(Long.parseLong(args[1]));
    try (SpamModel m =
        SpamModel.open(ModelSettings.builder().path(file).hashBits(20).minTraining(0, 0).build())) {
      for (int n = 0; ; n++) {
        Label label = r.nextBoolean() ? Label.SPAM : Label.HAM;
        m.learn(SpamModelTest.message(r, label, (int) r.nextLong(1L << 30)), label);
        if ((n + 1) % BATCH == 0) {
          m.commit();
        }
      }
    }
  }
}
