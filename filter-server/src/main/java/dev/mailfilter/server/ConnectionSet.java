package dev.mailfilter.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A server's open connections, each run on a virtual thread of its own, and their graceful drain at
 * shutdown: connections between messages close at once, those with a message in flight may finish
 * it up to a deadline, and what is left then is cut. Thread-safe.
 *
 * @param <C> the server's connection
 */
public final class ConnectionSet<C extends ConnectionSet.Member> {
  /** A connection as the set needs it. */
  public interface Member extends Runnable {
    /** Closes the connection now unless a message is in flight; the shutdown's first sweep. */
    void closeIfIdle();

    /** Closes the connection whatever it is doing; the drain timeout's last resort. */
    void forceClose();
  }

  /** How long the threads of cut connections get to end, after the drain timeout. */
  private static final Duration AFTER_CUT = Duration.ofSeconds(5);

  private final Map<C, Thread> threads = new ConcurrentHashMap<>();

  /**
   * Runs {@code connection} on a new virtual thread named {@code threadName} and keeps it until
   * {@link #ended}.
   */
  public void start(C connection, String threadName) {
    Objects.requireNonNull(connection, "connection");
    Thread t = Thread.ofVirtual().name(threadName).unstarted(connection);
    threads.put(connection, t);
    t.start();
  }

  /** Forgets {@code connection}; its thread calls this when it is done. */
  public void ended(C connection) {
    threads.remove(connection);
  }

  /** The connections open now, e.g. for a watchdog's look; a live view. */
  public Set<C> open() {
    return threads.keySet();
  }

  /**
   * Closes the idle connections, waits up to {@code timeout} for the threads of the others, then
   * force-closes those still running and gives their threads a few seconds to end.
   *
   * @return how many connections were still busy at the timeout and were cut
   */
  public int drain(Duration timeout) {
    for (C c : threads.keySet()) {
      c.closeIfIdle();
    }
    List<Thread> running = new ArrayList<>(threads.values());
    long deadline = System.nanoTime() + timeout.toNanos();
    int cut = 0;
    for (Thread t : running) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        join(t, Duration.ofNanos(left));
      }
      if (t.isAlive()) {
        cut++;
      }
    }
    if (cut > 0) {
      for (C c : threads.keySet()) {
        c.forceClose();
      }
      for (Thread t : running) {
        join(t, AFTER_CUT);
      }
    }
    return cut;
  }

  /** Waits for {@code t} up to {@code timeout}; an interrupt ends the wait and stays set. */
  public static void join(Thread t, Duration timeout) {
    if (t == null) {
      return;
    }
    try {
      t.join(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
