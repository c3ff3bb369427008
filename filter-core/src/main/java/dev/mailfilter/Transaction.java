package dev.mailfilter;

import dev.mailfilter.check.Key;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/** The memo cache of one transaction, shared by its checks ({@code computeIfAbsent}). */
final class Transaction {
  private final Map<Key<?>, FutureTask<?>> cache = new ConcurrentHashMap<>();

  /**
   * The value for a key, computed once. The first caller runs the computation on its own thread;
   * concurrent callers wait for it. A failed computation is dropped from the cache so a later
   * caller may retry, and its exception reaches every waiting caller.
   */
  @SuppressWarnings("unchecked")
  <T> T computeIfAbsent(Key<T> key, Supplier<? extends T> compute) {
    FutureTask<T> mine = new FutureTask<>(compute::get);
    FutureTask<T> task = (FutureTask<T>) cache.putIfAbsent(key, mine);
    if (task == null) {
      task = mine;
      task.run();
    }
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
