package dev.mailfilter.tenant;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Policy;
import dev.mailfilter.api.Thresholds;
import dev.mailfilter.config.AccessList;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The effective settings of a recipient after layered resolution: the {@link Policy} the verdict is
 * computed with, and the tenant's allow and block lists, which apply alongside the global ones.
 * Resolution shares one instance between all recipients whose levels add nothing of their own, so
 * that comparing two recipients' policies is mostly a reference comparison.
 *
 * @param policy thresholds, action overrides, result headers, symbol rules
 * @param allow senders, sender domains and client networks accepted without checks for this
 *     recipient
 * @param block senders, sender domains and client networks refused for this recipient
 */
public record TenantPolicy(Policy policy, AccessList allow, AccessList block) {
  public TenantPolicy {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(allow, "allow");
    Objects.requireNonNull(block, "block");
  }

  /** A policy with empty lists. */
  public static TenantPolicy of(Policy policy) {
    return new TenantPolicy(policy, AccessList.empty(), AccessList.empty());
  }

  /**
   * Whether two recipients with these policies can share one verdict: the same settings, whatever
   * the policies' names (two domains may set the same thresholds each on their own).
   */
  public boolean sameAs(TenantPolicy other) {
    if (this == other) {
      return true;
    }
    Policy a = policy;
    Policy b = other.policy;
    return a.thresholds().equals(b.thresholds())
        && a.actionOverrides().equals(b.actionOverrides())
        && a.resultHeaders() == b.resultHeaders()
        && a.symbolRules().equals(b.symbolRules())
        && allow.equals(other.allow)
        && block.equals(other.block);
  }

  /**
   * The policy that judges one message for recipients of both policies when the message can have
   * only one verdict (the milter): per action the lower threshold; an override kept only where both
   * agree, except that an override of {@code quarantine} (no quarantine) wins; result headers on if
   * either wants them; symbol rules and allow lists only where both are equal (else none: the
   * global scores and lists); block lists joined.
   */
  public TenantPolicy strictest(TenantPolicy other) {
    if (sameAs(other)) {
      return this;
    }
    Policy a = policy;
    Policy b = other.policy;
    Map<Action, Double> t = new EnumMap<>(Action.class);
    t.putAll(a.thresholds().byAction());
    for (Map.Entry<Action, Double> e : b.thresholds().byAction().entrySet()) {
      t.merge(e.getKey(), e.getValue(), Math::min);
    }
    Map<Action, Action> overrides = new EnumMap<>(Action.class);
    for (Map.Entry<Action, Action> e : a.actionOverrides().entrySet()) {
      if (e.getValue() == b.actionOverrides().get(e.getKey())) {
        overrides.put(e.getKey(), e.getValue());
      }
    }
    Action noQuarantine = a.actionOverrides().get(Action.QUARANTINE);
    if (noQuarantine == null) {
      noQuarantine = b.actionOverrides().get(Action.QUARANTINE);
    }
    if (noQuarantine != null) {
      overrides.put(Action.QUARANTINE, noQuarantine);
    }
    Policy merged =
        new Policy(
            a.name() + "+" + b.name(),
            new Thresholds(t),
            overrides,
            a.resultHeaders() || b.resultHeaders(),
            a.symbolRules().equals(b.symbolRules())
                ? a.symbolRules()
                : dev.mailfilter.api.SymbolRules.NONE);
    return new TenantPolicy(
        merged, allow.equals(other.allow) ? allow : AccessList.empty(), block.union(other.block));
  }
}
