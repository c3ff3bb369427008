package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import java.util.Objects;

/**
 * One finding of a check, as Rspamd and SpamAssassin show them: a stable upper-case name users grep
 * for, the score it contributed, and short options saying why (an address, a URL, a defect).
 *
 * @param name upper case letters, digits and underscores, starting with a letter
 * @param score the contribution to the message's score (negative for ham signs)
 * @param options short reasons, possibly none
 */
public record Symbol(String name, double score, List<String> options) {
  public Symbol {
    Objects.requireNonNull(name, "name");
    checkArgument(isName(name), "symbol name must match [A-Z][A-Z0-9_]*: %s", name);
    checkArgument(Double.isFinite(score), "symbol %s score is not finite: %s", name, score);
    options = List.copyOf(options);
  }

  /** {@code [A-Z][A-Z0-9_]*}, checked for every symbol a check adds: no regex on that path. */
  static boolean isName(String name) {
    if (name.isEmpty() || name.charAt(0) < 'A' || name.charAt(0) > 'Z') {
      return false;
    }
    for (int i = 1; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    return true;
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
