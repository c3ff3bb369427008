package dev.mailfilter.milter;

import dev.mailfilter.api.Action;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A snapshot of a milter server's counters since it started. Immutable; take a new one with {@link
 * MilterServer#stats()}.
 *
 * @param connections connections accepted and served
 * @param refusedConnections connections closed at once because {@code max_connections} were open
 * @param openConnections connections open now
 * @param messages messages that reached the end of the message and got a verdict
 * @param verdicts those verdicts by action (every action present, most of them zero)
 * @param refusals refusals before the end of the message, by action: of the session (connect,
 *     HELO), the transaction (MAIL, the end of the header) or one recipient (RCPT)
 * @param protocolErrors connections closed for a malformed packet or a command out of order
 * @param timeouts connections closed because a read waited longer than the read timeout
 * @param p50 the median time mailfilter spent on a message (its commands from MAIL to the reply at
 *     the end of the message, not the MTA's time between them), to within about 10%
 * @param p90 the 90th percentile of that time
 * @param p99 the 99th percentile of that time
 * @param max the longest such time
 */
public record MilterStats(
    long connections,
    long refusedConnections,
    int openConnections,
    long messages,
    Map<Action, Long> verdicts,
    Map<Action, Long> refusals,
    long protocolErrors,
    long timeouts,
    Duration p50,
    Duration p90,
    Duration p99,
    Duration max) {

  /** Copies the maps, with every action present. */
  public MilterStats {
    verdicts = allActions(verdicts);
    refusals = allActions(refusals);
    Objects.requireNonNull(p50, "p50");
    Objects.requireNonNull(p90, "p90");
    Objects.requireNonNull(p99, "p99");
    Objects.requireNonNull(max, "max");
  }

  private static Map<Action, Long> allActions(Map<Action, Long> counts) {
    EnumMap<Action, Long> m = new EnumMap<>(Action.class);
    for (Action a : Action.values()) {
      m.put(a, 0L);
    }
    counts.forEach((k, v) -> m.put(Objects.requireNonNull(k), Objects.requireNonNull(v)));
    return Collections.unmodifiableMap(m);
  }

  /**
   * One log line: {@code connections=3 open=1 refused=0 messages=10 accept=8 reject=2 ... p50=1.2ms
   * p90=2.0ms p99=5.1ms max=7.3ms protocol_errors=0 timeouts=0}; actions with a zero count are left
   * out.
   */
  public String toLogLine() {
    String byAction =
        verdicts.entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .map(e -> e.getKey().configName() + "=" + e.getValue())
            .collect(Collectors.joining(" "));
    String refused =
        refusals.entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .map(e -> "refused_" + e.getKey().configName() + "=" + e.getValue())
            .collect(Collectors.joining(" "));
    return String.format(
        Locale.ROOT,
        "connections=%d open=%d refused_connections=%d messages=%d%s%s p50=%s p90=%s p99=%s"
            + " max=%s protocol_errors=%d timeouts=%d",
        connections,
        openConnections,
        refusedConnections,
        messages,
        byAction.isEmpty() ? "" : " " + byAction,
        refused.isEmpty() ? "" : " " + refused,
        millis(p50),
        millis(p90),
        millis(p99),
        millis(max),
        protocolErrors,
        timeouts);
  }

  /** A duration as milliseconds with one decimal, {@code 1.2ms}. */
  static String millis(Duration d) {
    return String.format(Locale.ROOT, "%.1fms", d.toNanos() / 1e6);
  }
}
