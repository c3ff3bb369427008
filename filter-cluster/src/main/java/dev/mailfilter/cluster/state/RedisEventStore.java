package dev.mailfilter.cluster.state;

import dev.mailfilter.cluster.events.EventStore;
import dev.mailfilter.cluster.events.VerdictEvent;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The verdict events of a whole cluster in one capped Redis stream ({@code <prefix>events}): every
 * node appends its batches with {@code XADD ... MAXLEN ~ capacity} (Redis trims whole macro nodes,
 * so the stream holds the capacity or slightly more), and any node's pages read it newest first
 * with {@code XREVRANGE} in pages. Each entry has one field {@code e}, the event's encoded line.
 *
 * <p>Writes come from the recorder's background thread only; while Redis is unreachable a batch
 * fails at once (the connection's rule) and is counted as lost, never retried into the mail path.
 */
public final class RedisEventStore implements EventStore {
  private static final int PAGE = 1000;
  private static final Duration READ_BUDGET = Duration.ofSeconds(5);

  /** KEYS: the stream. ARGV: the approximate cap, then the encoded events, oldest first. */
  static final Script APPEND =
      Script.of(
          """
          for i = 2, #ARGV do
            redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
          end
          return #ARGV - 1
          """);

  private final SharedRedis redis;
  private final int capacity;
  private final String key;
  private final Function<VerdictEvent, String> encoder;
  private final Function<String, VerdictEvent> decoder;
  private final AtomicLong undecodable = new AtomicLong();

  private RedisEventStore(
      SharedRedis redis,
      int capacity,
      Function<VerdictEvent, String> encoder,
      Function<String, VerdictEvent> decoder) {
    this.redis = Objects.requireNonNull(redis, "redis");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.capacity = capacity;
    this.key = redis.key("events");
    this.encoder = encoder;
    this.decoder = decoder;
  }

  /** A store on this connection keeping about {@code capacity} events. */
  public static RedisEventStore on(SharedRedis redis, int capacity) {
    return new RedisEventStore(redis, capacity, VerdictEvent::encoded, VerdictEvent::decode);
  }

  @Override
  public boolean append(List<VerdictEvent> events) {
    if (events.isEmpty()) {
      return true;
    }
    List<String> args = new ArrayList<>(events.size() + 1);
    args.add(Integer.toString(capacity));
    for (VerdictEvent e : events) {
      args.add(encoder.apply(e));
    }
    try {
      // The writer may wait for the connection (opened in the background at the first use, or
      // after an outage): a session never waits here, and a batch is not lost to a start-up.
      if (!redis.available() && !redis.awaitAvailable(Duration.ofSeconds(10))) {
        return false;
      }
      // Longer than a session's budget: this is the background writer, and a batch of 500 XADDs
      // with trimming can take some milliseconds on a loaded server.
      Optional<Long> n =
          redis.eval(APPEND, ScriptOutputType.INTEGER, List.of(key), args, Duration.ofSeconds(2));
      return n.isPresent();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public boolean forEachNewest(Predicate<VerdictEvent> visitor) {
    Range.Boundary<String> upper = Range.Boundary.unbounded();
    try {
      while (true) {
        Range<String> range = Range.from(Range.Boundary.unbounded(), upper);
        Optional<List<StreamMessage<String, String>>> page =
            redis.call(c -> c.xrevrange(key, range, Limit.from(PAGE)), READ_BUDGET);
        if (page.isEmpty()) {
          return false;
        }
        List<StreamMessage<String, String>> entries = page.get();
        for (StreamMessage<String, String> m : entries) {
          String line = m.getBody().get("e");
          VerdictEvent v;
          try {
            v = decoder.apply(Objects.requireNonNull(line, "no field e"));
          } catch (IllegalArgumentException | NullPointerException bad) {
            undecodable.incrementAndGet();
            continue;
          }
          if (!visitor.test(v)) {
            return true;
          }
        }
        if (entries.size() < PAGE) {
          return true;
        }
        upper = Range.Boundary.excluding(entries.get(entries.size() - 1).getId());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public long size() {
    try {
      return redis.call(c -> c.xlen(key), READ_BUDGET).orElse(0L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public long undecodable() {
    return undecodable.get();
  }
}
