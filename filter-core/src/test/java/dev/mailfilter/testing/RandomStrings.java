package dev.mailfilter.testing;

import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Seeded random strings over a small alphabet, for property tests that compare a hand-written
 * routine with the definition it replaced. The seed comes from {@code -Dmailfilter.seed} or is
 * drawn afresh; every case carries it, so an assertion message can name the failing run.
 */
public final class RandomStrings {
  /** One generated string and the seed of the run that made it. */
  public record Case(long seed, String text) {
    /** {@code seed N, [text]}: for {@code as(...)} in assertions. */
    public String describe() {
      return "seed " + seed + ", [" + text + "]";
    }
  }

  private RandomStrings() {}

  /**
   * Calls {@code test} on {@code count} strings of up to {@code maxLength} chars of the alphabet.
   */
  public static void forEach(int count, String alphabet, int maxLength, Consumer<Case> test) {
    long seed = Long.getLong("mailfilter.seed", new SplittableRandom().nextLong());
    SplittableRandom random = new SplittableRandom(seed);
    for (int n = 0; n < count; n++) {
      StringBuilder sb = new StringBuilder();
      int length = random.nextInt(maxLength + 1);
      for (int i = 0; i < length; i++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      test.accept(new Case(seed, sb.toString()));
    }
  }
}
