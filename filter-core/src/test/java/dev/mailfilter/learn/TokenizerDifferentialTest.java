package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The tokenizer's fast paths against {@link ReferenceTokenizer} on seeded random text: mostly
 * ASCII, where the fast paths apply, with the characters at their edges mixed in.
 */
class TokenizerDifferentialTest {
  /**
   * Non-ASCII characters a fast path must hand over: letters and digits of other scripts, case
   * mappings that change the length ({@code İ}, {@code ß}) or map to ASCII (the Kelvin sign),
   * letter-like symbols that are not letters ({@code ²}), a letter that is ({@code ª}), surrogate
   * pairs and lone surrogates, the first non-ASCII char and the last one.
   */
  private static final String EDGES =
      "\u0080\u00aa\u00b2\u00b5\u00c0\u00df\u00e9\u00ff\u0130\u0131\u017f\u03a3\u0663\u212a"
          + "\u2028\u3000\u4e2d\ud83d\ude00\ud800\udc00\uffff";

  @Test
  void wordsAndHashesMatchTheReferenceOnRandomText() {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    for (int round = 0; round < 20_000; round++) {
      String text = randomText(random, random.nextInt(10) == 0 ? 2000 : 60);
      long zone = random.nextLong();
      String context = "seed " + seed + ", round " + round + ", text [" + text + "]";
      assertThat(Tokenizer.words(text))
          .as(context)
          .containsExactlyElementsOf(ReferenceTokenizer.words(text));
      // A list that already holds values, as the body zone's does after its first text.
      int before = random.nextInt(3);
      Features.LongList actual = new Features.LongList(1);
      ReferenceFeatures.LongList expected = new ReferenceFeatures.LongList(1);
      for (int i = 0; i < before; i++) {
        actual.add(i);
        expected.add(i);
      }
      Tokenizer.hashes(text, zone, actual);
      ReferenceTokenizer.hashes(text, zone, expected);
      assertThat(actual.toArray()).as(context).containsExactly(expected.toArray());
    }
  }

  @Test
  void theTokenCapMatchesTheReference() {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    for (int round = 0; round < 20; round++) {
      String text = randomText(random, Tokenizer.MAX_TOKENS_PER_TEXT * 8);
      Features.LongList actual = new Features.LongList(1);
      ReferenceFeatures.LongList expected = new ReferenceFeatures.LongList(1);
      Tokenizer.hashes(text, 7L, actual);
      ReferenceTokenizer.hashes(text, 7L, expected);
      assertThat(actual.toArray()).as("seed %d", seed).containsExactly(expected.toArray());
    }
  }

  /** The over-long word token lower-cases only the first char: every char that may be first. */
  @Test
  void overLongWordsMatchTheReferenceWhateverTheirFirstChar() {
    for (String rest : List.of("a", "A", "\u03a3", "\u0130", "9", "\u00df")) {
      String tail = rest.repeat(Tokenizer.MAX_LENGTH + 6);
      for (char c = 0; c < Character.MAX_VALUE; c++) {
        String text = c + tail;
        Features.LongList actual = new Features.LongList(2);
        ReferenceFeatures.LongList expected = new ReferenceFeatures.LongList(2);
        Tokenizer.hashes(text, 7L, actual);
        ReferenceTokenizer.hashes(text, 7L, expected);
        assertThat(actual.toArray())
            .as("U+%04X then %s", (int) c, rest)
            .containsExactly(expected.toArray());
      }
      String last = Character.MAX_VALUE + tail;
      assertThat(Tokenizer.words(last)).isEqualTo(ReferenceTokenizer.words(last));
    }
  }

  /** Every ASCII char, equally likely, for one in three chars; letters and edges otherwise. */
  private static String randomText(SplittableRandom r, int maxLength) {
    StringBuilder b = new StringBuilder();
    for (int i = r.nextInt(maxLength + 1); i > 0; i--) {
      int kind = r.nextInt(12);
      if (kind < 4) {
        b.append((char) r.nextInt(0x80));
      } else if (kind < 9) {
        b.append((char) ((r.nextBoolean() ? 'a' : 'A') + r.nextInt(26)));
      } else if (kind < 10) {
        b.append(" .-'_@$".charAt(r.nextInt(7)));
      } else if (kind < 11) {
        b.append(EDGES.charAt(r.nextInt(EDGES.length())));
      } else {
        b.append((char) r.nextInt(0x10000));
      }
    }
    return b.toString();
  }
}
