package dev.mailfilter.spi;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A symbol a check may emit, with its default score. The configuration can override the score
 * ({@code checks.<check>.scores.<SYMBOL>}); the description goes to documentation and {@code
 * mailfilter} output.
 *
 * @param name upper case letters, digits and underscores, starting with a letter
 * @param score the default score
 * @param description one short sentence
 */
public record SymbolDef(String name, double score, String description) {
  private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]*");

  public SymbolDef {
    Objects.requireNonNull(name, "name");
    checkArgument(NAME.matcher(name).matches(), "symbol name must match [A-Z][A-Z0-9_]*: %s", name);
    checkArgument(Double.isFinite(score), "symbol %s default score is not finite: %s", name, score);
    Objects.requireNonNull(description, "description");
  }

  /** A symbol definition. */
  public static SymbolDef of(String name, double score, String description) {
    return new SymbolDef(name, score, description);
  }
}
