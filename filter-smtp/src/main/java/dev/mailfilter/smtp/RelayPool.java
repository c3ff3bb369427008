package dev.mailfilter.smtp;

import dev.mailfilter.tenant.Route;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Idle relay connections kept for reuse, per destination (the route: host, MX or not, port, TLS
 * policy), as Postfix's connection cache: bounded per destination and in total, each kept at most
 * the idle time, and closed after a number of transactions. A connection is taken out while in use,
 * so no two transactions share one.
 *
 * <p>A virtual thread closes the connections whose idle time is over, so that a quiet destination
 * is not held open. Thread-safe.
 */
final class RelayPool implements AutoCloseable {
  private final int perDestination;
  private final int total;
  private final long idleNanos;
  private final int maxTransactions;
  private final Map<Route, ArrayDeque<RelayConnection>> idle = new HashMap<>(); // guarded by this
  private int size; // guarded by this
  private boolean closed; // guarded by this
  private Thread expiry; // guarded by this; started with the first idle connection

  RelayPool(RelaySettings s) {
    this.perDestination = s.poolSizePerDestination();
    this.total = s.poolSize();
    this.idleNanos = s.poolIdleTime().toNanos();
    this.maxTransactions = s.maxTransactionsPerConnection();
  }

  private boolean enabled() {
    return perDestination > 0 && total > 0 && idleNanos > 0;
  }

  /** An idle connection to {@code route} that is still within its idle time, or null. */
  RelayConnection take(Route route) {
    List<RelayConnection> stale = new ArrayList<>();
    RelayConnection found = null;
    synchronized (this) {
      ArrayDeque<RelayConnection> q = idle.get(route);
      long now = System.nanoTime();
      while (q != null && !q.isEmpty()) {
        // The most recently used first: the least likely to have been closed by the server.
        RelayConnection c = q.pollLast();
        size--;
        if (now - c.idleSince() < idleNanos) {
          found = c;
          break;
        }
        stale.add(c);
      }
      if (q != null && q.isEmpty()) {
        idle.remove(route);
      }
    }
    // The QUITs must not delay the message that is waiting for a connection.
    stale.forEach(RelayPool::closeLater);
    return found;
  }

  /**
   * Keeps {@code c} for the next transaction to {@code route}, or closes it when the pool is full,
   * closed, or the connection has carried its maximum of transactions.
   */
  void give(Route route, RelayConnection c) {
    synchronized (this) {
      ArrayDeque<RelayConnection> q = idle.computeIfAbsent(route, r -> new ArrayDeque<>());
      if (!closed
          && enabled()
          && c.transactions() < maxTransactions
          && q.size() < perDestination
          && size < total) {
        c.idleFrom(System.nanoTime());
        q.addLast(c);
        size++;
        if (expiry == null) {
          long tick = Math.max(Duration.ofMillis(50).toNanos(), idleNanos / 2);
          expiry = Thread.ofVirtual().name("smtp-relay-pool-expiry").start(() -> expireLoop(tick));
        }
        return;
      }
      if (q.isEmpty()) {
        idle.remove(route);
      }
    }
    // The client is waiting for its reply; the QUIT need not hold it up.
    closeLater(c);
  }

  private static void closeLater(RelayConnection c) {
    Thread.ofVirtual().name("smtp-relay-quit").start(c::quitAndClose);
  }

  /** Idle connections now, over all destinations. */
  synchronized int size() {
    return size;
  }

  /** Closes the connections whose idle time is over. */
  void expire() {
    List<RelayConnection> stale = new ArrayList<>();
    synchronized (this) {
      long now = System.nanoTime();
      for (Iterator<ArrayDeque<RelayConnection>> qs = idle.values().iterator(); qs.hasNext(); ) {
        ArrayDeque<RelayConnection> q = qs.next();
        // Oldest first: the deque is in the order the connections went idle.
        while (!q.isEmpty() && now - q.peekFirst().idleSince() >= idleNanos) {
          stale.add(q.pollFirst());
          size--;
        }
        if (q.isEmpty()) {
          qs.remove();
        }
      }
    }
    stale.forEach(RelayConnection::quitAndClose);
  }

  private void expireLoop(long tickNanos) {
    while (true) {
      try {
        Thread.sleep(Duration.ofNanos(tickNanos));
      } catch (InterruptedException e) {
        return;
      }
      synchronized (this) {
        if (closed) {
          return;
        }
      }
      expire();
    }
  }

  /**
   * Closes every idle connection, QUIT first, all at once and waiting at most about 2 s for the
   * servers' replies; connections in use are closed when given back.
   */
  @Override
  public void close() {
    List<RelayConnection> all = new ArrayList<>();
    Thread t;
    synchronized (this) {
      closed = true;
      idle.values().forEach(all::addAll);
      idle.clear();
      size = 0;
      t = expiry;
    }
    if (t != null) {
      t.interrupt();
    }
    List<Thread> quits =
        all.stream()
            .map(c -> Thread.ofVirtual().name("smtp-relay-quit").start(c::quitAndClose))
            .toList();
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    for (Thread q : quits) {
      try {
        q.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    // A server that has not answered by now is cut off.
    all.forEach(RelayConnection::close);
  }
}
