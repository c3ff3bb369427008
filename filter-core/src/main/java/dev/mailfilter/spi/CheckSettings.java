package dev.mailfilter.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An enabled check with its configured scores and time limit.
 *
 * @param check the check
 * @param scores the score of every symbol the check declares: its default, or the configured
 *     override
 * @param timeout a limit shorter than the stage's deadline, if configured
 */
public record CheckSettings(Check check, Map<String, Double> scores, Optional<Duration> timeout) {
  public CheckSettings {
    Objects.requireNonNull(check, "check");
    scores = Map.copyOf(scores);
    Objects.requireNonNull(timeout, "timeout");
  }

  /** A check with its default scores and no own time limit. */
  public static CheckSettings withDefaults(Check check) {
    Map<String, Double> scores = new java.util.HashMap<>();
    for (SymbolDef d : check.symbols()) {
      scores.put(d.name(), d.score());
    }
    return new CheckSettings(check, scores, Optional.empty());
  }
}
