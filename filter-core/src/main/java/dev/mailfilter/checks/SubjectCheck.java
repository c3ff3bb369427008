package dev.mailfilter.checks;

import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.util.List;
import java.util.Optional;

/**
 * Subjects that shout: all capitals (SpamAssassin's SUBJ_ALL_CAPS) or runs of {@code !?$} (Rspamd's
 * SUBJ_EXCESS... family), and a missing Subject. Looks at the decoded Subject.
 */
public final class SubjectCheck extends LocalCheck {
  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of("MISSING_SUBJECT", 1.0, "the Subject header is missing or empty"),
          SymbolDef.of("SUBJ_ALL_CAPS", 1.5, "the Subject is written in capitals only"),
          SymbolDef.of("SUBJ_EXCESS_PUNCT", 1.0, "the Subject is heavy with ! ? and $"));

  private final int minCapsLetters;
  private final int maxPunctuation;

  private SubjectCheck(int minCapsLetters, int maxPunctuation) {
    super("subject", Stage.HEADERS, SYMBOLS);
    this.minCapsLetters = minCapsLetters;
    this.maxPunctuation = maxPunctuation;
  }

  /** Factory for {@code checks.subject}: options {@code min_caps_letters}, {@code max_punct}. */
  public static SubjectCheck create(CheckSetup setup) {
    ConfigNode o = setup.options();
    return new SubjectCheck(
        (int) o.integer("min_caps_letters", 10, 1, 1000), (int) o.integer("max_punct", 3, 1, 1000));
  }

  @Override
  public void run(CheckContext ctx) {
    Optional<String> subject = ctx.message().subject();
    if (subject.isEmpty() || subject.get().isBlank()) {
      ctx.addSymbol("MISSING_SUBJECT");
      return;
    }
    String s = subject.get();
    int upper = 0;
    int lower = 0;
    int punct = 0;
    int run = 0;
    int maxRun = 0;
    int words = 0;
    boolean inWord = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isUpperCase(cp)) {
        upper++;
      } else if (Character.isLowerCase(cp)) {
        lower++;
      }
      boolean letter = Character.isLetter(cp);
      if (letter && !inWord) {
        words++;
      }
      inWord = letter;
      if (cp == '!' || cp == '?' || cp == '$') {
        punct++;
        run++;
        maxRun = Math.max(maxRun, run);
      } else {
        run = 0;
      }
    }
    if (upper >= minCapsLetters && lower == 0 && words >= 2) {
      ctx.addSymbol("SUBJ_ALL_CAPS");
    }
    if (punct > maxPunctuation || maxRun >= 3) {
      ctx.addSymbol("SUBJ_EXCESS_PUNCT", HeaderCheck.clip(s));
    }
  }
}
