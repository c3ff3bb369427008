package dev.mailfilter.engine;

import dev.mailfilter.spi.Key;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * The memo cache of one transaction, shared by its checks ({@code computeIfAbsent}).
 *
 * <p>A computation that asks for its own key, directly or through other keys, would wait for itself
 * forever (until the stage deadline cancels the check). Each entry therefore remembers the thread
 * computing it, and a caller about to wait first follows "the owner of this entry waits for that
 * entry" links: reaching itself means a cycle, reported as an {@link IllegalStateException} naming
 * the key instead of a hang.
 */
final class TransactionCache {
  private final Map<Key<?>, Entry<?>> cache = new ConcurrentHashMap<>();
  // Which entry each blocked thread waits for; guarded by itself. Only touched when a caller finds
  // another thread's computation still running, which is rare, so one lock costs nothing.
  private final Map<Thread, Entry<?>> waiting = new HashMap<>();

  /** A computation that knows the thread running it while it runs. */
  private static final class Entry<T> extends FutureTask<T> {
    final Key<T> key;
    volatile Thread owner;

    Entry(Key<T> key, Supplier<? extends T> compute) {
      super(compute::get);
      this.key = key;
    }

    @Override
    public void run() {
      owner = Thread.currentThread();
      try {
        super.run();
      } finally {
        owner = null;
      }
    }
  }

  /**
   * The value for a key, computed once. The first caller runs the computation on its own thread;
   * concurrent callers wait for it. A failed computation is dropped from the cache so a later
   * caller may retry, and its exception reaches every waiting caller.
   *
   * @throws IllegalStateException naming the key when the computation depends on itself
   */
  @SuppressWarnings("unchecked")
  <T> T computeIfAbsent(Key<T> key, Supplier<? extends T> compute) {
    Entry<T> mine = new Entry<>(key, compute);
    Entry<T> task = (Entry<T>) cache.putIfAbsent(key, mine);
    if (task == null) {
      task = mine;
      task.run();
    } else if (!task.isDone()) {
      return await(key, task);
    }
    return result(key, task);
  }

  private <T> T await(Key<T> key, Entry<T> task) {
    Thread me = Thread.currentThread();
    synchronized (waiting) {
      String cycle = cycle(me, task);
      if (cycle != null) {
        throw new IllegalStateException(
            "computeIfAbsent("
                + key
                + ") called from inside its own computation: a cycle among the transaction's"
                + " cached values ("
                + cycle
                + ")");
      }
      waiting.put(me, task);
    }
    try {
      return result(key, task);
    } finally {
      synchronized (waiting) {
        waiting.remove(me);
      }
    }
  }

  /**
   * The keys from {@code task} back to {@code me} when waiting for it would close a cycle, else
   * null. Called under the lock, so every thread of a cycle but the last is already registered.
   */
  private String cycle(Thread me, Entry<?> task) {
    StringBuilder path = new StringBuilder();
    Entry<?> e = task;
    for (int hops = 0; e != null && hops <= waiting.size(); hops++) {
      path.append(path.length() > 0 ? " -> " : "").append(e.key);
      Thread owner = e.owner;
      if (owner == me) {
        return path.toString();
      }
      if (owner == null) {
        return null; // finished meanwhile
      }
      e = waiting.get(owner);
    }
    return null;
  }

  private <T> T result(Key<T> key, Entry<T> task) {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + key, e);
    } catch (ExecutionException e) {
      cache.remove(key, task);
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("computing " + key + " failed", cause);
    }
  }
}
