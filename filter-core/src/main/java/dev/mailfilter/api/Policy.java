package dev.mailfilter.api;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The filtering policy that applies to a recipient: the thresholds of the actions and the
 * per-tenant adjustments of the verdict. The engine judges a transaction by the policy of its
 * recipient group (see {@link VerdictScope}).
 *
 * @param name the policy's name for logs, e.g. {@code default}, a customer or a domain
 * @param thresholds the score thresholds of the actions
 * @param actionOverrides an action replaced by another after scoring, e.g. {@code quarantine} by
 *     {@code add_header} where a tenant has no quarantine; applied once, not chained
 * @param resultHeaders whether the result headers ({@code X-Spam-*}) are added
 * @param symbolRules per-symbol and per-group scores and switches
 */
public record Policy(
    String name,
    Thresholds thresholds,
    Map<Action, Action> actionOverrides,
    boolean resultHeaders,
    SymbolRules symbolRules) {
  public Policy {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(thresholds, "thresholds");
    Map<Action, Action> copy = new EnumMap<>(Action.class);
    copy.putAll(actionOverrides);
    for (Map.Entry<Action, Action> e : copy.entrySet()) {
      if (e.getKey() == Action.TEMPFAIL) {
        // A failed check's tempfail is no judgement a tenant can turn into delivery.
        throw new IllegalArgumentException("tempfail cannot be overridden: " + e);
      }
    }
    actionOverrides = Map.copyOf(copy);
    Objects.requireNonNull(symbolRules, "symbolRules");
  }

  /** A policy of thresholds only: no overrides, result headers on, every symbol as scored. */
  public Policy(String name, Thresholds thresholds) {
    this(name, thresholds, Map.of(), true, SymbolRules.NONE);
  }

  /** The action this policy applies in place of one reached by score or demanded by a check. */
  public Action effectiveAction(Action action) {
    return actionOverrides.getOrDefault(action, action);
  }
}
