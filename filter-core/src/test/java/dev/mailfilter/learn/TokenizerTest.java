package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

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
}
