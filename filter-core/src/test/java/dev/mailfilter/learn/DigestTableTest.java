package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DigestTableTest {
  @Test
  void behavesLikeAMapUnderRandomPutsAndRemoves() {
    for (long seed = 1; seed <= 20; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      DigestTable table = new DigestTable(4);
      Map<Long, LearnedMessage> reference = new HashMap<>();
      for (int op = 0; op < 3000; op++) {
        long key = r.nextInt(400) - 5; // small key space: many collisions, overwrites, removals
        if (r.nextInt(3) == 0) {
          table.remove(key);
          reference.remove(key == 0 ? 1 : key);
        } else {
          LearnedMessage m =
              new LearnedMessage(r.nextBoolean() ? Label.SPAM : Label.HAM, (float) r.nextDouble());
          table.put(key, m);
          reference.put(key == 0 ? 1 : key, m);
        }
      }
      String why = "seed " + seed;
      assertThat(table.size()).as(why).isEqualTo(reference.size());
      long spam = reference.values().stream().filter(m -> m.label() == Label.SPAM).count();
      assertThat(table.spam()).as(why).isEqualTo(spam);
      assertThat(table.ham()).as(why).isEqualTo(reference.size() - spam);
      for (long key = -5; key < 400; key++) {
        assertThat(table.get(key))
            .as(why + " key " + key)
            .isEqualTo(reference.get(key == 0 ? 1 : key));
      }
    }
  }
}
