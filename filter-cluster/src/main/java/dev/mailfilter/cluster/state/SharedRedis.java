package dev.mailfilter.cluster.state;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection of one node to the shared Redis, for the shared-state checks: one thread-safe
 * Lettuce connection for all sessions (Lettuce pipelines concurrent commands on it), opened in the
 * background, reconnected by Lettuce after a restart or a Sentinel failover.
 *
 * <p>A session never waits on Redis past its deadline: every {@linkplain #call call} waits at most
 * the smaller of the configured timeout and the time the caller has left, and answers empty when
 * Redis is not connected, failed or was too slow. The caller then uses its local state. After a
 * failure the node keeps to its local state for {@link StateSettings#retryAfter()} before trying
 * Redis again, so that a dead or hung Redis costs sessions nothing rather than a timeout each.
 */
public final class SharedRedis implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SharedRedis.class);

  /** Connections shared by the checks of successive filters (reloads) with the same settings. */
  private static final Map<StateSettings, SharedRedis> SHARED = new ConcurrentHashMap<>();

  /** Keys as UTF-8 strings, values as bytes: the codec of the model's blob. */
  private static final RedisCodec<String, byte[]> BYTES =
      RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private final StateSettings settings;
  private final RedisClient client;
  private volatile StatefulRedisConnection<String, String> connection;
  private volatile StatefulRedisConnection<String, byte[]> bytesConnection;
  private final AtomicBoolean connecting = new AtomicBoolean();
  private final AtomicLong downUntilNanos = new AtomicLong(System.nanoTime());
  private final AtomicBoolean down = new AtomicBoolean();
  private volatile boolean closed;

  private SharedRedis(StateSettings settings) {
    if (!settings.shared()) {
      throw new IllegalArgumentException("no Redis configured in " + settings);
    }
    this.settings = settings;
    this.client = RedisClient.create(uri(settings));
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            // Commands fail at once while disconnected instead of queueing up behind a dead
            // server: the check falls back to its local state then.
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(
                SocketOptions.builder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .keepAlive(true)
                    .build())
            .build());
  }

  /** A new connection of its own, for tests and tools; {@link #close()} closes it. */
  public static SharedRedis connect(StateSettings settings) {
    return new SharedRedis(settings);
  }

  /**
   * The connection of this process for these settings, shared by the checks of every filter built
   * from them, so that a reload does not reconnect. Lives until the process exits.
   */
  public static SharedRedis shared(StateSettings settings) {
    return SHARED.computeIfAbsent(settings, SharedRedis::new);
  }

  /** The settings. */
  public StateSettings settings() {
    return settings;
  }

  /** A key under the configured prefix. */
  public String key(String suffix) {
    return settings.prefix() + suffix;
  }

  private static RedisURI uri(StateSettings s) {
    return s.server().orElseThrow();
  }

  /**
   * The string connection when it is open, else empty after starting to open it in the background
   * (unless a failure is recent).
   */
  private Optional<StatefulRedisConnection<String, String>> connection() {
    StatefulRedisConnection<String, String> c = connection;
    if (c != null) {
      return Optional.of(c);
    }
    startConnecting();
    return Optional.empty();
  }

  private void startConnecting() {
    if (closed || System.nanoTime() - downUntilNanos.get() < 0) {
      return;
    }
    if (!connecting.compareAndSet(false, true)) {
      return;
    }
    Thread.ofVirtual()
        .name("shared-redis-connect")
        .start(
            () -> {
              try {
                StatefulRedisConnection<String, String> c = client.connect();
                if (closed) {
                  c.close();
                } else {
                  connection = c;
                  up();
                }
              } catch (RuntimeException e) {
                failed(e);
              } finally {
                connecting.set(false);
              }
            });
  }

  /**
   * Starts connecting if not connected and waits up to {@code wait} for the connection: for
   * start-up and background work, never a session.
   *
   * @return whether calls go to Redis now
   */
  public boolean awaitAvailable(Duration wait) throws InterruptedException {
    long end = System.nanoTime() + wait.toNanos();
    while (!available()) {
      if (System.nanoTime() - end >= 0) {
        return false;
      }
      if (connection == null) {
        startConnecting();
      }
      Thread.sleep(10);
    }
    return true;
  }

  /** Whether calls go to Redis now (connected and no recent failure). */
  public boolean available() {
    return connection != null && System.nanoTime() - downUntilNanos.get() >= 0;
  }

  /**
   * Runs a command and waits for its answer at most the smaller of the configured timeout and
   * {@code budget}; empty when Redis is not connected, fails or is too slow.
   *
   * @throws InterruptedException when interrupted while waiting (the stage's deadline)
   */
  <T> Optional<T> call(
      Function<RedisAsyncCommands<String, String>, RedisFuture<T>> command, Duration budget)
      throws InterruptedException {
    if (System.nanoTime() - downUntilNanos.get() < 0) {
      return Optional.empty();
    }
    Optional<StatefulRedisConnection<String, String>> c = connection();
    if (c.isEmpty()) {
      return Optional.empty();
    }
    return await(command.apply(c.get().async()), budget);
  }

  /**
   * Runs a Lua script by its digest, sending its text only when the server does not know it yet
   * (after a restart or a failover); empty as {@link #call} is.
   */
  <T> Optional<T> eval(
      Script script, ScriptOutputType type, List<String> keys, List<String> args, Duration budget)
      throws InterruptedException {
    String[] k = keys.toArray(String[]::new);
    String[] a = args.toArray(String[]::new);
    if (System.nanoTime() - downUntilNanos.get() < 0) {
      return Optional.empty();
    }
    Optional<StatefulRedisConnection<String, String>> c = connection();
    if (c.isEmpty()) {
      return Optional.empty();
    }
    long start = System.nanoTime();
    RedisFuture<T> f = c.get().async().evalsha(script.sha1(), type, k, a);
    try {
      T value = f.get(wait(budget).toNanos(), TimeUnit.NANOSECONDS);
      up();
      return Optional.of(value);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RedisNoScriptException) {
        Duration left = budget.minusNanos(System.nanoTime() - start);
        return await(c.get().async().<T>eval(script.text(), type, k, a), left);
      }
      failed(e.getCause());
      return Optional.empty();
    } catch (TimeoutException e) {
      f.cancel(false);
      failed(e);
      return Optional.empty();
    }
  }

  /**
   * Runs a script without waiting for its answer (a write nobody waits for, such as a verdict's
   * count); a failure is noted as {@link #call}'s is. Does nothing while Redis is unavailable.
   */
  void send(Script script, List<String> keys, List<String> args) {
    if (System.nanoTime() - downUntilNanos.get() < 0) {
      return;
    }
    Optional<StatefulRedisConnection<String, String>> c = connection();
    if (c.isEmpty()) {
      return;
    }
    String[] k = keys.toArray(String[]::new);
    String[] a = args.toArray(String[]::new);
    c.get()
        .async()
        .<Long>eval(script.text(), ScriptOutputType.INTEGER, k, a)
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                failed(e);
              }
            });
  }

  /**
   * Runs a command on the connection whose values are bytes (the model's blob); waits as {@link
   * #call} does, but opens that connection on first use in the calling thread: for background work
   * only, never a session.
   */
  <T> Optional<T> callBytes(
      Function<RedisAsyncCommands<String, byte[]>, RedisFuture<T>> command, Duration budget)
      throws InterruptedException {
    StatefulRedisConnection<String, byte[]> c = bytesConnection;
    if (c == null) {
      synchronized (this) {
        if (bytesConnection == null && !closed) {
          try {
            bytesConnection = client.connect(BYTES);
          } catch (RuntimeException e) {
            failed(e);
            return Optional.empty();
          }
        }
        c = bytesConnection;
      }
      if (c == null) {
        return Optional.empty();
      }
    }
    return await(command.apply(c.async()), budget);
  }

  private Duration wait(Duration budget) {
    Duration t = settings.timeout();
    return budget.compareTo(t) < 0 ? (budget.isNegative() ? Duration.ZERO : budget) : t;
  }

  private <T> Optional<T> await(RedisFuture<T> f, Duration budget) throws InterruptedException {
    try {
      T value = f.get(wait(budget).toNanos(), TimeUnit.NANOSECONDS);
      up();
      return Optional.of(value);
    } catch (ExecutionException e) {
      failed(e.getCause());
      return Optional.empty();
    } catch (TimeoutException e) {
      f.cancel(false);
      failed(e);
      return Optional.empty();
    }
  }

  private void failed(Throwable e) {
    downUntilNanos.set(System.nanoTime() + settings.retryAfter().toNanos());
    if (down.compareAndSet(false, true)) {
      // Logged once per outage, not per call: a dead Redis would flood the log otherwise.
      LOG.warn(
          "shared state: Redis unavailable ({}); using local state, retrying after {}",
          Objects.toString(e.getMessage(), e.getClass().getSimpleName()),
          settings.retryAfter());
    }
  }

  private void up() {
    if (down.compareAndSet(true, false)) {
      LOG.info("shared state: Redis available again at {}", Instant.now());
    }
  }

  @Override
  public void close() {
    closed = true;
    SHARED.remove(settings, this);
    StatefulRedisConnection<String, String> c = connection;
    if (c != null) {
      c.close();
    }
    StatefulRedisConnection<String, byte[]> b = bytesConnection;
    if (b != null) {
      b.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
