package dev.mailfilter.tenant;

import dev.mailfilter.api.Action;
import dev.mailfilter.config.AccessList;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.DidYouMean;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings one tree node sets itself, every key optional; what a node leaves out it inherits.
 * Parsed from the node's keys (see docs/tenants.md for each).
 */
record LevelSettings(
    Map<Action, Double> thresholds,
    Set<Action> thresholdsOff,
    Map<Action, Action> actionOverrides,
    Optional<Boolean> quarantine,
    Optional<Boolean> resultHeaders,
    AccessList allow,
    AccessList block,
    Map<String, Double> scores,
    Set<String> symbolsEnabled,
    Set<String> symbolsDisabled,
    Set<String> groupsEnabled,
    Set<String> groupsDisabled,
    Map<String, Double> groupFactors) {

  /** The keys a node of any level may set, besides its children and its route. */
  static final List<String> KEYS =
      List.of(
          "actions",
          "action_overrides",
          "quarantine",
          "result_headers",
          "lists",
          "scores",
          "symbols_enabled",
          "symbols_disabled",
          "groups_enabled",
          "groups_disabled",
          "group_factors");

  /** Whether the node sets nothing of the policy (it may still set a route or children). */
  boolean isEmpty() {
    return thresholds.isEmpty()
        && thresholdsOff.isEmpty()
        && actionOverrides.isEmpty()
        && quarantine.isEmpty()
        && resultHeaders.isEmpty()
        && allow.isEmpty()
        && block.isEmpty()
        && scores.isEmpty()
        && symbolsEnabled.isEmpty()
        && symbolsDisabled.isEmpty()
        && groupsEnabled.isEmpty()
        && groupsDisabled.isEmpty()
        && groupFactors.isEmpty();
  }

  /** What the symbols and groups may be named: the configured checks and their symbols. */
  record Names(Set<String> symbols, Set<String> groups) {}

  /** A node that sets nothing. */
  static final LevelSettings EMPTY =
      new LevelSettings(
          Map.of(),
          Set.of(),
          Map.of(),
          Optional.empty(),
          Optional.empty(),
          AccessList.empty(),
          AccessList.empty(),
          Map.of(),
          Set.of(),
          Set.of(),
          Set.of(),
          Set.of(),
          Map.of());

  static LevelSettings parse(ConfigNode n, boolean subdomains, Names names) {
    if (n.keys().isEmpty()) {
      return EMPTY; // most of a provider's domains: no accessor calls, no child nodes
    }
    Map<Action, Double> thresholds = new EnumMap<>(Action.class);
    Set<Action> off = EnumSet.noneOf(Action.class);
    ConfigNode actions = n.section("actions");
    for (String key : actions.keys()) {
      Action a = scoredAction(actions, key);
      if (!actions.has(key)) {
        actions.optionalNumber(key); // marks it read
        off.add(a);
      } else {
        thresholds.put(a, actions.optionalNumber(key).getAsDouble());
      }
    }
    Map<Action, Action> overrides = new EnumMap<>(Action.class);
    ConfigNode ov = n.section("action_overrides");
    for (String key : ov.keys()) {
      Action from = action(ov, key);
      Action to = ov.enumValue(key, Action.class, null);
      if (to == null) {
        throw ov.error(key, "expected the action to apply instead, e.g. add_header");
      }
      if (from == Action.TEMPFAIL || from == Action.ACCEPT) {
        throw ov.error(key, from.configName() + " cannot be overridden");
      }
      overrides.put(from, to);
    }
    Optional<Boolean> quarantine =
        n.has("quarantine") ? Optional.of(n.bool("quarantine", true)) : Optional.empty();
    n.bool("quarantine", true);
    Optional<Boolean> headers =
        n.has("result_headers") ? Optional.of(n.bool("result_headers", true)) : Optional.empty();
    n.bool("result_headers", true);
    ConfigNode lists = n.section("lists");
    AccessList allow = AccessList.parse(lists.section("allow"), subdomains);
    AccessList block = AccessList.parse(lists.section("block"), subdomains);
    Map<String, Double> scores = new HashMap<>();
    ConfigNode sc = n.section("scores");
    for (String key : sc.keys()) {
      known(sc, key, names.symbols(), "symbol");
      if (!sc.has(key)) {
        throw sc.error(key, "expected a score (to turn a symbol off, list it in symbols_disabled)");
      }
      scores.put(key, sc.number(key, 0));
    }
    Set<String> symOn = names(n, "symbols_enabled", names.symbols(), "symbol");
    Set<String> symOff = names(n, "symbols_disabled", names.symbols(), "symbol");
    Set<String> grpOn = names(n, "groups_enabled", names.groups(), "group");
    Set<String> grpOff = names(n, "groups_disabled", names.groups(), "group");
    Map<String, Double> factors = new HashMap<>();
    ConfigNode gf = n.section("group_factors");
    for (String key : gf.keys()) {
      known(gf, key, names.groups(), "group");
      double f = gf.number(key, 1);
      if (f < 0) {
        throw gf.error(key, "a factor must be 0 or more, got " + f);
      }
      factors.put(key, f);
    }
    return new LevelSettings(
        Map.copyOf(thresholds),
        Set.copyOf(off),
        Map.copyOf(overrides),
        quarantine,
        headers,
        allow,
        block,
        Map.copyOf(scores),
        symOn,
        symOff,
        grpOn,
        grpOff,
        Map.copyOf(factors));
  }

  private static Action scoredAction(ConfigNode n, String key) {
    Action a = action(n, key);
    if (a == Action.ACCEPT || a == Action.TEMPFAIL) {
      throw n.error(key, a.configName() + " has no threshold");
    }
    return a;
  }

  private static Action action(ConfigNode n, String key) {
    for (Action a : Action.values()) {
      if (a.configName().equals(key)) {
        return a;
      }
    }
    Set<String> all = new TreeSet<>();
    for (Action a : Action.values()) {
      all.add(a.configName());
    }
    throw n.error(key, "unknown action" + DidYouMean.suggest(key, all));
  }

  private static void known(ConfigNode n, String key, Set<String> known, String what) {
    if (!known.contains(key)) {
      throw n.error(key, "unknown " + what + DidYouMean.suggest(key, known));
    }
  }

  private static Set<String> names(ConfigNode n, String key, Set<String> known, String what) {
    List<String> list = n.strings(key);
    for (int i = 0; i < list.size(); i++) {
      if (!known.contains(list.get(i))) {
        throw new ConfigException(
            n.path(key) + "[" + i + "]",
            "unknown " + what + DidYouMean.suggest(list.get(i), known));
      }
    }
    return Set.copyOf(list);
  }
}
