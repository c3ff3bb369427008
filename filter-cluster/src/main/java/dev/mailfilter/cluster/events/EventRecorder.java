package dev.mailfilter.cluster.events;

import dev.mailfilter.cluster.state.RedisEventStore;
import dev.mailfilter.cluster.state.SharedRedis;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.spi.VerdictObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records verdicts off the mail path: a session hands its outcome to a bounded queue ({@link
 * #offer}, which never blocks and never fails), and one background thread looks up the client's
 * country and ASN, and writes the events to the store in batches. When the queue is full (the store
 * is slow or down) the outcome is dropped and counted ({@link #dropped()}): mail never waits for
 * the map.
 */
public final class EventRecorder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final int BATCH = 500;

  private record Key(EventSettings events, StateSettings state) {}

  /** Recorders shared by the filters of successive reloads with the same settings. */
  private static final Map<Key, EventRecorder> SHARED = new ConcurrentHashMap<>();

  private final EventSettings settings;
  private final EventStore store;
  private final GeoIp geo;
  private final BlockingQueue<VerdictObserver.Outcome> queue;
  private final Thread writer;
  private final AtomicLong offered = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong lost = new AtomicLong();
  private volatile boolean closed;

  private EventRecorder(EventSettings settings, EventStore store, GeoIp geo) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.store = Objects.requireNonNull(store, "store");
    this.geo = Objects.requireNonNull(geo, "geo");
    this.queue = new ArrayBlockingQueue<>(settings.queue());
    this.writer = Thread.ofVirtual().name("verdict-events-writer").start(this::write);
  }

  /**
   * A recorder writing to this store, with these databases; {@link #close()} stops it and closes
   * the store and the databases.
   */
  public static EventRecorder start(EventSettings settings, EventStore store, GeoIp geo) {
    return new EventRecorder(settings, store, geo);
  }

  /**
   * The recorder of this process for these settings: on the shared Redis when {@code state} names
   * one, else in memory. Shared by every filter built from the same settings, so that a reload
   * keeps the events; lives until the process exits.
   *
   * @throws UncheckedIOException when a configured GeoIP database does not open
   */
  public static EventRecorder shared(EventSettings settings, StateSettings state) {
    return SHARED.computeIfAbsent(new Key(settings, state), EventRecorder::open);
  }

  private static EventRecorder open(Key k) {
    GeoIp geo;
    try {
      geo = GeoIp.open(k.events.countryDb(), k.events.asnDb());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!geo.hasCountries()) {
      LOG.info(
          "verdict events: no GeoIP country database (events.geoip.country): events have no"
              + " country, the spam-source map stays empty");
    }
    EventStore store =
        k.state.shared()
            ? RedisEventStore.on(SharedRedis.shared(k.state), k.events.capacity())
            : MemoryEventStore.create(k.events.capacity());
    return new EventRecorder(k.events, store, geo);
  }

  /** The settings. */
  public EventSettings settings() {
    return settings;
  }

  /** The store the events go to, for the pages. */
  public EventStore store() {
    return store;
  }

  /** The GeoIP databases, for a page that places an address. */
  public GeoIp geoIp() {
    return geo;
  }

  /** Hands an outcome to the writer; drops it (counted) when the queue is full. Never blocks. */
  public void offer(VerdictObserver.Outcome outcome) {
    offered.incrementAndGet();
    if (closed || !queue.offer(outcome)) {
      dropped.incrementAndGet();
    }
  }

  /** Outcomes handed to the recorder. */
  public long offered() {
    return offered.get();
  }

  /** Outcomes dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Events the store took. */
  public long written() {
    return written.get();
  }

  /** Events lost because the store failed them (the shared Redis unreachable). */
  public long lost() {
    return lost.get();
  }

  /**
   * Waits until every outcome offered so far is written or lost, for tests and an orderly stop.
   *
   * @return whether that happened within the wait
   */
  public boolean flush(java.time.Duration wait) throws InterruptedException {
    long end = System.nanoTime() + wait.toNanos();
    while (written.get() + lost.get() + dropped.get() < offered.get()) {
      if (System.nanoTime() - end >= 0) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  private void write() {
    List<VerdictObserver.Outcome> batch = new ArrayList<>(BATCH);
    List<VerdictEvent> events = new ArrayList<>(BATCH);
    while (!closed || !queue.isEmpty()) {
      try {
        VerdictObserver.Outcome first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        for (VerdictObserver.Outcome o : batch) {
          events.add(
              VerdictEvent.of(o, geo.lookup(o.connection().clientAddress()), settings.node()));
        }
        boolean ok;
        try {
          ok = store.append(events);
        } catch (RuntimeException e) {
          LOG.warn(
              "verdict events: the store failed a batch of {}: {}", events.size(), e.toString());
          ok = false;
        }
        (ok ? written : lost).addAndGet(events.size());
      } catch (InterruptedException e) {
        if (closed) {
          return;
        }
      } catch (RuntimeException e) {
        // A GeoIP read error (a database file replaced under the mapping): the batch is lost,
        // the writer goes on.
        LOG.warn("verdict events: a batch of {} was lost: {}", batch.size(), e.toString());
        lost.addAndGet(batch.size());
      } finally {
        batch.clear();
        events.clear();
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    SHARED.values().remove(this);
    try {
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writer.interrupt();
    store.close();
    try {
      geo.close();
    } catch (IOException e) {
      LOG.warn("verdict events: closing the GeoIP databases failed: {}", e.toString());
    }
  }
}
