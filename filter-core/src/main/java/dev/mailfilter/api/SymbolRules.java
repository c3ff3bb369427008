package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Per-tenant changes to symbols, applied when a verdict is computed, in the manner of Rspamd's
 * layered settings. A symbol belongs to a group (the check that declares it). Each rule records the
 * depth of the tenant level that set it (0 = the global configuration, higher = more specific);
 * between a symbol's rule and its group's, the more specific wins, and at equal depth the symbol's
 * own rule wins.
 *
 * @param symbols rules by symbol name: on or off, and optionally a score
 * @param groupSwitches rules by group name: on or off
 * @param groupFactors rules by group name: a factor for the scores of the group's symbols
 */
public record SymbolRules(
    Map<String, Rule> symbols, Map<String, Rule> groupSwitches, Map<String, Rule> groupFactors) {
  /** No rules: every symbol counts as its check scored it. */
  public static final SymbolRules NONE = new SymbolRules(Map.of(), Map.of(), Map.of());

  public SymbolRules {
    symbols = Map.copyOf(symbols);
    groupSwitches = Map.copyOf(groupSwitches);
    groupFactors = Map.copyOf(groupFactors);
  }

  /**
   * One setting.
   *
   * @param depth the depth of the tenant level that set it, 0 for global
   * @param enabled whether the symbol or group counts
   * @param value a symbol's score or a group's factor; NaN when the rule only switches
   */
  public record Rule(int depth, boolean enabled, double value) {
    public Rule {
      checkArgument(depth >= 0, "depth must be >= 0: %s", depth);
      checkArgument(!Double.isInfinite(value), "value not finite: %s", value);
    }

    /** Whether the rule carries a score or a factor. */
    public boolean hasValue() {
      return !Double.isNaN(value);
    }
  }

  /** Whether there are no rules. */
  public boolean isEmpty() {
    return symbols.isEmpty() && groupSwitches.isEmpty() && groupFactors.isEmpty();
  }

  /**
   * Whether a rule switches {@code group} off: the check of that name still runs, and neither its
   * symbols nor the actions it demands count (a tenant turning DMARC or virus rejects off).
   */
  public boolean groupOff(String group) {
    Rule r = groupSwitches.get(group);
    return r != null && !r.enabled();
  }

  /**
   * The symbols after the rules: switched-off ones left out, scores replaced or scaled.
   *
   * @param groupOf the group of a symbol name, null when it has none
   */
  public List<Symbol> apply(List<Symbol> in, Function<String, String> groupOf) {
    if (isEmpty()) {
      return in;
    }
    List<Symbol> out = new ArrayList<>(in.size());
    for (Symbol s : in) {
      Rule own = symbols.get(s.name());
      String group = groupOf.apply(s.name());
      Rule onOff = group == null ? null : groupSwitches.get(group);
      Rule factor = group == null ? null : groupFactors.get(group);
      boolean enabled = true;
      if (own != null && (onOff == null || own.depth() >= onOff.depth())) {
        enabled = own.enabled();
      } else if (onOff != null) {
        enabled = onOff.enabled();
      }
      if (!enabled) {
        continue;
      }
      double score = s.score();
      if (own != null && own.hasValue() && (factor == null || own.depth() >= factor.depth())) {
        score = own.value();
      } else if (factor != null) {
        score = s.score() * factor.value();
      }
      out.add(score == s.score() ? s : new Symbol(s.name(), score, s.options()));
    }
    return out;
  }
}
