package dev.mailfilter;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One finding of a check, as Rspamd and SpamAssassin show them: a stable upper-case name users grep
 * for, the score it contributed, and short options saying why (an address, a URL, a defect).
 *
 * @param name upper case letters, digits and underscores, starting with a letter
 * @param score the contribution to the message's score (negative for ham signs)
 * @param options short reasons, possibly none
 */
public record Symbol(String name, double score, List<String> options) {
  private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]*");

  public Symbol {
    Objects.requireNonNull(name, "name");
    checkArgument(NAME.matcher(name).matches(), "symbol name must match [A-Z][A-Z0-9_]*: %s", name);
    checkArgument(Double.isFinite(score), "symbol %s score is not finite: %s", name, score);
    options = List.copyOf(options);
  }

  /** A symbol with options. */
  public static Symbol of(String name, double score, String... options) {
    return new Symbol(name, score, List.of(options));
  }

  /** {@code NAME(1.50)[opt1,opt2]}, the form used in the symbols header and the verdict log. */
  @Override
  public String toString() {
    String s = name + "(" + Scores.format(score) + ")";
    return options.isEmpty() ? s : s + "[" + String.join(",", options) + "]";
  }
}
