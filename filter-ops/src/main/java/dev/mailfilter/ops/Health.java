package dev.mailfilter.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a node tells a load balancer: live while the process serves this endpoint; ready only once
 * its configuration is loaded and its listener is up, and no longer once it drains at shutdown, so
 * that the balancer stops sending before the listener closes. Thread-safe.
 */
public final class Health {
  /** The node's state, in the order a node goes through them. */
  public enum State {
    /** Loading the configuration or binding the listener: not ready yet. */
    STARTING,
    /** Serving: ready. */
    READY,
    /** Shutting down, letting work in flight finish: not ready any more. */
    DRAINING;

    String jsonName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One answer to a probe.
   *
   * @param state the state
   * @param reason why, in words for the operator (no tenant names: the health probe is not
   *     authenticated)
   * @param details more facts for the operator (the store's state, the configuration version), each
   *     a string or a number
   */
  public record Status(State state, String reason, Map<String, Object> details) {
    public Status {
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(reason, "reason");
      details = Map.copyOf(details);
    }

    /** Whether the balancer may send: {@link State#READY}. */
    public boolean ready() {
      return state == State.READY;
    }
  }

  private volatile State state = State.STARTING;
  private volatile String reason;
  private volatile Supplier<Map<String, Object>> details = Map::of;

  private Health(String reason) {
    this.reason = reason;
  }

  /** A node that is starting, for {@code reason} ({@code "loading the configuration"}). */
  public static Health starting(String reason) {
    return new Health(Objects.requireNonNull(reason, "reason"));
  }

  /** Ready, for {@code reason} ({@code "listening on 127.0.0.1:25"}). */
  public void ready(String reason) {
    set(State.READY, reason);
  }

  /** Draining, for {@code reason} ({@code "SIGTERM: draining"}); it stays so. */
  public void draining(String reason) {
    set(State.DRAINING, reason);
  }

  private synchronized void set(State next, String why) {
    Objects.requireNonNull(why, "reason");
    if (state == State.DRAINING) {
      return; // a node that drains never becomes ready again
    }
    reason = why;
    state = next;
  }

  /**
   * Facts added to every answer, asked at each probe (e.g. whether the shared store answers); they
   * do not change readiness: a node with its store down keeps filtering on its last good
   * configuration.
   */
  public void details(Supplier<Map<String, Object>> details) {
    this.details = Objects.requireNonNull(details, "details");
  }

  /** The answer now. */
  public synchronized Status status() {
    Map<String, Object> d;
    try {
      d = new LinkedHashMap<>(details.get());
    } catch (RuntimeException e) {
      d = new LinkedHashMap<>(Map.of("details_error", String.valueOf(e.getMessage())));
    }
    return new Status(state, reason, d);
  }

  /** The answer as the JSON body of {@code /health/ready}: {@code {"status":"ready",...}}. */
  static String json(Status s) {
    StringBuilder b = new StringBuilder();
    b.append("{\"status\":\"").append(s.state().jsonName()).append("\",\"ready\":");
    b.append(s.ready()).append(",\"reason\":");
    quote(b, s.reason());
    new java.util.TreeMap<>(s.details())
        .forEach(
            (k, v) -> {
              b.append(',');
              quote(b, k);
              b.append(':');
              if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                b.append(n);
              } else if (v instanceof Boolean bool) {
                b.append(bool);
              } else {
                quote(b, String.valueOf(v));
              }
            });
    return b.append("}\n").toString();
  }

  static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
