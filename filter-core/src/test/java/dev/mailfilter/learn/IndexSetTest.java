package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.learn.SpamModel.IndexSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IndexSetTest {
  @Test
  void keepsTheFirstOccurrenceOrderAcrossGrowthAndReuse() {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    for (int round = 0; round < 150; round++) {
      // A set handed from message to message, as classification does, whatever sizes they have.
      IndexSet set = IndexSet.take();
      Set<Integer> expected = new LinkedHashSet<>();
      int n = random.nextInt(4) == 0 ? random.nextInt(40_000) : random.nextInt(3000);
      // Few distinct values make duplicates common; the extremes of the range are values too.
      int bound = random.nextBoolean() ? 1 << 22 : 1 + random.nextInt(2 * n + 1);
      for (int i = 0; i < n; i++) {
        int v =
            switch (random.nextInt(50)) {
              case 0 -> 0;
              case 1 -> Integer.MAX_VALUE - 1;
              default -> random.nextInt(bound);
            };
        set.add(v);
        expected.add(v);
      }
      assertThat(set.toArray())
          .as("seed %d, round %d", seed, round)
          .containsExactly(expected.stream().mapToInt(Integer::intValue).toArray());
      IndexSet.release(set);
    }
  }

  @Test
  void aReleasedSetComesBackEmpty() {
    IndexSet set = IndexSet.take();
    for (int i = 0; i < 5000; i++) {
      set.add(i * 7);
    }
    IndexSet.release(set);
    IndexSet again = IndexSet.take();
    assertThat(again.size()).isZero();
    again.add(7);
    again.add(3);
    again.add(7);
    assertThat(again.toArray()).containsExactly(7, 3);
    IndexSet.release(again);
  }
}
