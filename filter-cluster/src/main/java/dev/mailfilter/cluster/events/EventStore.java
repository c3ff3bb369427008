package dev.mailfilter.cluster.events;

import java.util.List;
import java.util.function.Predicate;

/**
 * The most recent verdict events, at most {@link #capacity()} of them: the oldest go when new ones
 * come. {@link MemoryEventStore} keeps them in the node's memory; {@code RedisEventStore} (package
 * {@code dev.mailfilter.cluster.state}) in a capped Redis stream that every node of a cluster
 * writes and any node's pages read.
 *
 * <p>Writes come from one background writer ({@link EventRecorder}), never from a mail session;
 * reads come from the pages. Both are thread-safe.
 */
public interface EventStore extends AutoCloseable {
  /**
   * Adds events, oldest first.
   *
   * @return whether they were stored (false: the shared store is unreachable; they are lost)
   */
  boolean append(List<VerdictEvent> events);

  /**
   * Shows the stored events newest first until the visitor answers false or none are left. Events
   * added meanwhile may or may not be seen; an entry that does not decode is skipped and counted.
   *
   * @return whether every stored event was read (false: the shared store failed part-way)
   */
  boolean forEachNewest(Predicate<VerdictEvent> visitor);

  /** How many events are stored now. */
  long size();

  /** The most events kept. */
  int capacity();

  /** Entries skipped because they did not decode. */
  long undecodable();

  @Override
  default void close() {}
}
