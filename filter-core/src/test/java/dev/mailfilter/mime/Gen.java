package dev.mailfilter.mime;

import java.nio.charset.Charset;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/** Seeded generators for property and differential tests; every failure names its seed. */
final class Gen {
  static final long BASE_SEED = Long.getLong("mailfilter.seed", 20261126L);

  private Gen() {}

  /** Runs {@code body} for {@code cases} seeds derived from the base seed. */
  static void forSeeds(int cases, Consumer<SplittableRandom> body) {
    for (int i = 0; i < cases; i++) {
      long seed = BASE_SEED + i;
      try {
        body.accept(new SplittableRandom(seed));
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(
            "failed for seed "
                + seed
                + " (rerun with -Dmailfilter.seed="
                + seed
                + "): "
                + e.getMessage(),
            e);
      }
    }
  }

  static byte[] bytes(SplittableRandom r, int maxLength) {
    byte[] b = new byte[r.nextInt(maxLength + 1)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  /** Random text from ranges that the given charset can encode. */
  static String text(SplittableRandom r, Charset cs, int maxLength) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(maxLength + 1);
    var enc = cs.newEncoder();
    while (b.length() < n) {
      int cp =
          switch (r.nextInt(6)) {
            case 0, 1 -> 0x20 + r.nextInt(0x5F); // printable ASCII
            case 2 -> 0xA0 + r.nextInt(0x60); // Latin-1 letters
            case 3 -> 0x400 + r.nextInt(0x60); // Cyrillic
            case 4 -> 0x4E00 + r.nextInt(0x500); // CJK
            default -> 0x1F600 + r.nextInt(0x40); // emoji: a surrogate pair
          };
      String s = new String(Character.toChars(cp));
      // Only characters that survive a round trip: windows-31j, for one, encodes U+00A2 but
      // decodes those bytes as U+FFE0.
      if (enc.canEncode(s) && new String(s.getBytes(cs), cs).equals(s)) {
        b.append(s);
      }
    }
    return b.toString();
  }
}
