package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableSortedMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Score thresholds mapped to actions, as Rspamd's {@code actions} block: a message gets the action
 * with the highest threshold its score reaches (ties go to the more severe action), or {@link
 * Action#ACCEPT}. Actions without a threshold are never chosen by score.
 *
 * @param byAction the threshold of each score-driven action; {@link Action#ACCEPT} and {@link
 *     Action#TEMPFAIL} cannot have one
 */
public record Thresholds(Map<Action, Double> byAction) {
  public Thresholds {
    byAction = ImmutableSortedMap.copyOf(byAction);
    for (Map.Entry<Action, Double> e : byAction.entrySet()) {
      checkArgument(
          e.getKey() != Action.ACCEPT && e.getKey() != Action.TEMPFAIL,
          "no threshold allowed for %s",
          e.getKey());
      checkArgument(Double.isFinite(e.getValue()), "threshold not finite: %s", e);
    }
  }

  /** The built-in thresholds: add_header at 6, reject at 15 (Rspamd's defaults). */
  public static Thresholds defaults() {
    return new Thresholds(Map.of(Action.ADD_HEADER, 6.0, Action.REJECT, 15.0));
  }

  /** The threshold of an action, if it has one. */
  public OptionalDouble threshold(Action action) {
    Double d = byAction.get(action);
    return d == null ? OptionalDouble.empty() : OptionalDouble.of(d);
  }

  /** The action a score maps to. */
  public Action actionFor(double score) {
    Action best = Action.ACCEPT;
    double bestThreshold = Double.NEGATIVE_INFINITY;
    for (Map.Entry<Action, Double> e : byAction.entrySet()) {
      double t = e.getValue();
      if (score >= t
          && (t > bestThreshold || (t == bestThreshold && e.getKey().compareTo(best) > 0))) {
        best = e.getKey();
        bestThreshold = t;
      }
    }
    return best;
  }

  /**
   * The score from which a message counts as spam: the lowest threshold of an action that {@link
   * Action#isSpam() is spam}, or infinity when none has one.
   */
  public double required() {
    double min = Double.POSITIVE_INFINITY; // a loop, not a stream: this runs for every verdict
    for (Map.Entry<Action, Double> e : byAction.entrySet()) {
      if (e.getKey().isSpam()) {
        min = Math.min(min, e.getValue());
      }
    }
    return min;
  }
}
