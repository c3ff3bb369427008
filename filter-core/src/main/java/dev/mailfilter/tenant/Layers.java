package dev.mailfilter.tenant;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Policy;
import dev.mailfilter.api.SymbolRules;
import dev.mailfilter.api.SymbolRules.Rule;
import dev.mailfilter.api.Thresholds;
import dev.mailfilter.config.AccessList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings resolved so far on the way down the tree, one level folded in at a time. Copied per
 * node that sets something, so a sibling never sees another's settings.
 */
final class Layers {
  private final Map<Action, Double> thresholds = new EnumMap<>(Action.class);
  private final Map<Action, Action> overrides = new EnumMap<>(Action.class);
  private boolean quarantine = true;
  private boolean resultHeaders = true;
  private AccessList allow;
  private AccessList block;
  private final Map<String, Rule> symbols = new HashMap<>();
  private final Map<String, Rule> groupSwitches = new HashMap<>();
  private final Map<String, Rule> groupFactors = new HashMap<>();

  /**
   * The global level: the configuration's thresholds, no lists of its own (the engine has them).
   */
  Layers(Thresholds global) {
    thresholds.putAll(global.byAction());
    allow = AccessList.empty();
    block = AccessList.empty();
  }

  private Layers(Layers o) {
    thresholds.putAll(o.thresholds);
    overrides.putAll(o.overrides);
    quarantine = o.quarantine;
    resultHeaders = o.resultHeaders;
    allow = o.allow;
    block = o.block;
    symbols.putAll(o.symbols);
    groupSwitches.putAll(o.groupSwitches);
    groupFactors.putAll(o.groupFactors);
  }

  /** These layers with one more level at {@code depth} laid over them; this one is unchanged. */
  Layers with(LevelSettings s, int depth) {
    Layers l = new Layers(this);
    l.thresholds.putAll(s.thresholds());
    for (Action a : s.thresholdsOff()) {
      l.thresholds.remove(a);
    }
    l.overrides.putAll(s.actionOverrides());
    s.quarantine().ifPresent(q -> l.quarantine = q);
    s.resultHeaders().ifPresent(h -> l.resultHeaders = h);
    // Lists add up down the tree: a reseller's block list keeps blocking for its customers.
    l.allow = l.allow.union(s.allow());
    l.block = l.block.union(s.block());
    Map<String, Rule> level = new HashMap<>();
    for (String name : s.symbolsEnabled()) {
      level.put(name, new Rule(depth, true, Double.NaN));
    }
    for (Map.Entry<String, Double> e : s.scores().entrySet()) {
      level.put(e.getKey(), new Rule(depth, true, e.getValue()));
    }
    for (String name : s.symbolsDisabled()) {
      // Disable wins at equal level, over an enable or a score of the same level.
      Rule r = level.get(name);
      level.put(name, new Rule(depth, false, r == null ? Double.NaN : r.value()));
    }
    for (Map.Entry<String, Rule> e : level.entrySet()) {
      Rule r = e.getValue();
      Rule before = l.symbols.get(e.getKey());
      if (!r.hasValue() && before != null && before.hasValue()) {
        // An on/off switch does not forget a score set higher up: each key resolves on its own.
        r = new Rule(depth, r.enabled(), before.value());
      }
      l.symbols.put(e.getKey(), r);
    }
    for (String g : s.groupsEnabled()) {
      l.groupSwitches.put(g, new Rule(depth, true, Double.NaN));
    }
    for (String g : s.groupsDisabled()) {
      l.groupSwitches.put(g, new Rule(depth, false, Double.NaN));
    }
    for (Map.Entry<String, Double> e : s.groupFactors().entrySet()) {
      l.groupFactors.put(e.getKey(), new Rule(depth, true, e.getValue()));
    }
    return l;
  }

  /** The effective policy of these layers. */
  TenantPolicy policy(String name) {
    Map<Action, Action> o = new EnumMap<>(Action.class);
    o.putAll(overrides);
    if (!quarantine) {
      o.putIfAbsent(Action.QUARANTINE, Action.ADD_HEADER);
    }
    Policy p =
        new Policy(
            name,
            new Thresholds(thresholds),
            o,
            resultHeaders,
            new SymbolRules(symbols, groupSwitches, groupFactors));
    return new TenantPolicy(p, allow, block);
  }
}
