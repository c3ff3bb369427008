package dev.mailfilter.dns.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BlockedBloomFilterTest {
  @Test
  void neverForgetsAKeyAndPinsItsFalsePositivesForAFixedSeed() {
    BlockedBloomFilter f = BlockedBloomFilter.create(100_000, 14);
    SplittableRandom r = new SplittableRandom(7);
    long[] keys = new long[100_000];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = r.nextLong();
      f.put(keys[i]);
    }
    for (long k : keys) {
      assertThat(f.mightContain(k)).isTrue();
    }
    int fp = 0;
    for (int i = 0; i < 1_000_000; i++) {
      if (f.mightContain(r.nextLong())) {
        fp++;
      }
    }
    assertThat(fp).isEqualTo(1909);
    assertThat(f.sizeBytes()).isEqualTo(175_040);
    assertThat(f.keyCount()).isEqualTo(100_000);
  }

  @Test
  void rejectsSizesItCannotHold() {
    assertThatThrownBy(() -> BlockedBloomFilter.create(-1, 10))
        .hasMessage("expectedKeys must be >= 0: -1");
    assertThatThrownBy(() -> BlockedBloomFilter.create(10, 0.5))
        .hasMessage("bitsPerKey must be in [1, 64]: 0.5");
    assertThatThrownBy(() -> BlockedBloomFilter.create(Long.MAX_VALUE / 64, 60))
        .hasMessageStartingWith("too many keys for one filter");
  }
}
