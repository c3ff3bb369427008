package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokenizerTest {
  @Test
  void splitsOnPunctuationAndLowerCases() {
    assertThat(Tokenizer.words("FREE money!!! Click <here>, now."))
        .containsExactly("free", "money", "click", "here", "now");
  }

  @Test
  void keepsInnerPunctuationOfAddressesPricesAndContractions() {
    assertThat(Tokenizer.words("mail john.doe@example.com for $100.00, don't wait - ok"))
        .containsExactly("mail", "john.doe@example.com", "for", "$100.00", "don't", "wait", "ok");
  }

  @Test
  void dropsSingleCharactersAndFoldsOverlongWords() {
    assertThat(Tokenizer.words("a I x " + "Q".repeat(57))).containsExactly("skip:q:50");
  }

  @Test
  void lowerCasesWithoutTheDefaultLocale() {
    // Under a Turkish default locale "I" would lower-case to a dotless i.
    assertThat(Tokenizer.words("INVOICE")).containsExactly("invoice");
  }

  @Test
  void boundsTheTokensOfOneText() {
    String text = "ab ".repeat(Tokenizer.MAX_TOKENS_PER_TEXT * 2);
    assertThat(Tokenizer.words(text)).hasSize(Tokenizer.MAX_TOKENS_PER_TEXT);
  }

  /** Characters that stress the hash path: case pairs, non-ASCII letters, inner punctuation. */
  private static final String ALPHABET =
      "aZk09 .-'_@$\t\n!<>\u00e9\u0130\u212a\u03a3\u00df\ud83d\ude00x";

  @Test
  void hashingInPlaceMatchesHashingTheWords() {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    long zone = Features.seed("body");
    for (int round = 0; round < 2000; round++) {
      StringBuilder b = new StringBuilder();
      int len = random.nextInt(80);
      for (int i = 0; i < len; i++) {
        b.append(
            random.nextInt(4) == 0
                ? ALPHABET.charAt(random.nextInt(ALPHABET.length()))
                : (char) ('A' + random.nextInt(58)));
      }
      String text = b.toString();
      List<String> words = Tokenizer.words(text);
      Features.LongList hashes = new Features.LongList(4);
      Tokenizer.hashes(text, zone, hashes);
      long[] expected = words.stream().mapToLong(w -> Features.hash(zone, w)).toArray();
      assertThat(hashes.toArray()).as("seed %d, text [%s]", seed, text).containsExactly(expected);
    }
  }

  @Test
  void hashingInPlaceKeepsTheTokenCap() {
    String text = "ab ".repeat(Tokenizer.MAX_TOKENS_PER_TEXT * 2);
    Features.LongList hashes = new Features.LongList(4);
    Tokenizer.hashes(text, 1L, hashes);
    assertThat(hashes.size()).isEqualTo(Tokenizer.MAX_TOKENS_PER_TEXT);
  }
}
