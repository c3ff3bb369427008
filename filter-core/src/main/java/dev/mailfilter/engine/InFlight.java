package dev.mailfilter.engine;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sessions an engine has opened and not yet closed, and the gate that stops new ones once the
 * engine closes. A lock and a condition rather than a monitor: the closing thread waits here, and a
 * virtual thread waiting on a monitor would pin its carrier on Java 21; rather than a {@link
 * java.util.concurrent.Phaser}, whose 65,535 parties a busy server could exceed.
 */
final class InFlight {
  private static final Duration LONGEST = Duration.ofDays(365 * 100);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private long open; // guarded by lock
  private boolean closed; // guarded by lock

  /** Counts one more session in; false once the gate is closed. */
  boolean enter() {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      open++;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Counts a session out. */
  void exit() {
    lock.lock();
    try {
      if (--open == 0) {
        idle.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Sessions opened and not closed. */
  long open() {
    lock.lock();
    try {
      return open;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes the gate and waits up to {@code grace} for the open sessions to close.
   *
   * @return the sessions still open when the wait ended (0: all finished)
   * @throws InterruptedException when the waiting thread is interrupted; the gate stays closed
   */
  long closeAndAwait(Duration grace) throws InterruptedException {
    lock.lock();
    try {
      closed = true;
      // Capped: a configured wait of centuries is a wait without end, not an overflow.
      long nanos = grace.compareTo(LONGEST) > 0 ? LONGEST.toNanos() : grace.toNanos();
      while (open > 0 && nanos > 0) {
        nanos = idle.awaitNanos(nanos);
      }
      return open;
    } finally {
      lock.unlock();
    }
  }
}
