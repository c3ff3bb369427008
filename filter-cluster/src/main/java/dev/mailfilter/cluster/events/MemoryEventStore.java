package dev.mailfilter.cluster.events;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The events of one node in its memory: a ring of the last {@code capacity} events, each kept as
 * its encoded line in UTF-8 (typically 150 to 400 bytes, against about three times that as
 * objects), decoded when read. The ring's array of references is allocated at once (8 bytes a slot
 * with compressed pointers off, 4 with them on); the events fill it as they come.
 */
public final class MemoryEventStore implements EventStore {
  private final byte[][] ring;
  private int next; // the slot the next event goes to
  private int count;
  private final AtomicLong undecodable = new AtomicLong();

  private MemoryEventStore(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.ring = new byte[capacity][];
  }

  /** An empty store of this many events. */
  public static MemoryEventStore create(int capacity) {
    return new MemoryEventStore(capacity);
  }

  @Override
  public boolean append(List<VerdictEvent> events) {
    byte[][] encoded = new byte[events.size()][];
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = EventCodec.encode(events.get(i)).getBytes(StandardCharsets.UTF_8);
    }
    synchronized (this) {
      for (byte[] e : encoded) {
        ring[next] = e;
        next = (next + 1) % ring.length;
        count = Math.min(count + 1, ring.length);
      }
    }
    return true;
  }

  @Override
  public boolean forEachNewest(Predicate<VerdictEvent> visitor) {
    byte[][] copy;
    synchronized (this) {
      // Copy the references, not the events, and decode outside the lock: a page that reads the
      // whole ring does not hold up the writer.
      copy = new byte[count][];
      for (int i = 0; i < count; i++) {
        copy[i] = ring[Math.floorMod(next - 1 - i, ring.length)];
      }
    }
    for (byte[] e : copy) {
      VerdictEvent v;
      try {
        v = EventCodec.decode(new String(e, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException bad) {
        undecodable.incrementAndGet();
        continue;
      }
      if (!visitor.test(v)) {
        break;
      }
    }
    return true;
  }

  @Override
  public synchronized long size() {
    return count;
  }

  @Override
  public int capacity() {
    return ring.length;
  }

  @Override
  public long undecodable() {
    return undecodable.get();
  }

  /** The bytes held by the stored events' encodings, for the memory bound. */
  public synchronized long encodedBytes() {
    long sum = 0;
    for (byte[] e : ring) {
      sum += e == null ? 0 : e.length;
    }
    return sum;
  }
}
