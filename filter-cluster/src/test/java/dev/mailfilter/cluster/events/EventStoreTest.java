package dev.mailfilter.cluster.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.cluster.state.RedisEventStore;
import dev.mailfilter.cluster.state.SharedRedis;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.testkit.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bounded stores of the last N events: in memory and on a real redis-server. */
class EventStoreTest {
  private static final Instant T0 = Instant.parse("2026-12-08T00:00:00Z");

  private static List<VerdictEvent> events(int from, int to) {
    List<VerdictEvent> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(Events.event(i, T0.plusSeconds(i), "GB", Action.REJECT, "boss@bakery.example"));
    }
    return out;
  }

  private static List<String> newestIds(EventStore store) {
    List<String> ids = new ArrayList<>();
    assertThat(store.forEachNewest(e -> ids.add(e.transactionId()))).isTrue();
    return ids;
  }

  @Test
  void memoryRingKeepsTheLastNNewestFirst() {
    MemoryEventStore store = MemoryEventStore.create(5);
    store.append(events(0, 3));
    assertThat(newestIds(store)).containsExactly("T2", "T1", "T0");
    store.append(events(3, 12));
    assertThat(store.size()).isEqualTo(5);
    assertThat(newestIds(store)).containsExactly("T11", "T10", "T9", "T8", "T7");
  }

  @Test
  void visitorStopsTheScan() {
    MemoryEventStore store = MemoryEventStore.create(100);
    store.append(events(0, 50));
    List<String> seen = new ArrayList<>();
    store.forEachNewest(e -> seen.add(e.transactionId()) && seen.size() < 3);
    assertThat(seen).containsExactly("T49", "T48", "T47");
  }

  @Test
  void eventsSurviveTheirStoredFormUnchanged() {
    VerdictEvent e =
        new VerdictEvent(
            T0,
            "node\t1",
            "ABC",
            "",
            "2001:db8::1",
            "gb",
            0,
            "",
            Action.ADD_HEADER,
            7.25,
            Double.POSITIVE_INFINITY,
            List.of(Symbol.of("A", 1), Symbol.of("B_2", -2.5, "x y", "z\u001ew")),
            "",
            "",
            List.of("a@x.example", "b@y.example"),
            3,
            true);
    VerdictEvent back = VerdictEvent.decode(e.encoded());
    // Control characters became '?', the country upper case, symbols strongest first.
    assertThat(back.node()).isEqualTo("node?1");
    assertThat(back.country()).isEqualTo("GB");
    assertThat(back.symbols())
        .containsExactly(Symbol.of("B_2", -2.5, "x y", "z?w"), Symbol.of("A", 1));
    assertThat(back).usingRecursiveComparison().ignoringFields("node", "symbols").isEqualTo(e);
  }

  @Test
  void eventsAreCappedInSize() {
    List<String> rcpts = new ArrayList<>();
    List<Symbol> symbols = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      rcpts.add("user" + i + "@x.example");
      symbols.add(Symbol.of("S" + i, i, "o".repeat(1000), "p", "q", "r"));
    }
    VerdictEvent e =
        new VerdictEvent(
            T0,
            "n",
            "t",
            "",
            "192.0.2.1",
            "",
            0,
            "",
            Action.REJECT,
            1,
            5,
            symbols,
            "",
            "s".repeat(5000),
            rcpts,
            0,
            false);
    assertThat(e.recipients()).hasSize(VerdictEvent.MAX_RECIPIENTS);
    assertThat(e.moreRecipients()).isEqualTo(35);
    assertThat(e.symbols()).hasSize(VerdictEvent.MAX_SYMBOLS);
    assertThat(e.symbols().get(0).name()).isEqualTo("S39");
    assertThat(e.symbols().get(0).options()).hasSize(VerdictEvent.MAX_OPTIONS);
    assertThat(e.sender()).hasSize(VerdictEvent.MAX_TEXT);
    // The worst case of the stored form stays a few kilobytes.
    assertThat(e.encoded().length()).isLessThan(4_000);
  }

  @Test
  void typicalEventIsAFewHundredBytesInTheRing() {
    MemoryEventStore store = MemoryEventStore.create(1000);
    store.append(events(0, 1000));
    long perEvent = store.encodedBytes() / 1000;
    assertThat(perEvent).isBetween(100L, 400L);
  }

  @Test
  void quarterMillionEventsStayWithinTheirBound() {
    MemoryEventStore store = MemoryEventStore.create(EventSettings.DEFAULT_CAPACITY);
    List<VerdictEvent> batch = new ArrayList<>();
    for (int i = 0; i < 300_000; i++) {
      batch.add(
          Events.event(
              i,
              T0.plusMillis(i),
              i % 3 == 0 ? "GB" : "US",
              Action.REJECT,
              "user" + (i % 1000) + "@bakery.example"));
      if (batch.size() == 10_000) {
        store.append(batch);
        batch.clear();
      }
    }
    assertThat(store.size()).isEqualTo(250_000);
    // The ring's slots (a reference and a byte[] header of 16 bytes each) and the encodings.
    long bytes = store.encodedBytes() + 250_000L * (8 + 16);
    System.out.printf(
        "250,000 events: %.1f MB (%d bytes an event)%n", bytes / 1e6, bytes / 250_000);
    assertThat(bytes).isLessThan(100_000_000L);
    // The hourly rebuild: figures and map over the whole ring (printed, not asserted: a timing).
    long start = System.nanoTime();
    EventViews.View v =
        EventViews.of(
                store,
                java.time.Duration.ofHours(1),
                java.time.Clock.fixed(T0.plusSeconds(400), java.time.ZoneOffset.UTC))
            .view(EventScope.all(), java.time.Duration.ofDays(30));
    System.out.printf(
        "rebuild of the map and figures over 250,000 events: %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    assertThat(v.stats().total()).isEqualTo(250_000);
  }

  @Test
  void undecodableEntryIsSkippedAndCounted() {
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> VerdictEvent.decode("junk")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("junk");
  }

  @Test
  void redisStreamIsCappedAndReadNewestFirstAcrossPages(@TempDir Path dir) throws Exception {
    try (RedisServer server = RedisServer.primary(dir.resolve("redis"));
        SharedRedis redis =
            SharedRedis.connect(
                StateSettings.redis("redis://127.0.0.1:" + server.port())
                    .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(1)))) {
      assertThat(redis.awaitAvailable(Duration.ofSeconds(10))).isTrue();
      RedisEventStore store = RedisEventStore.on(redis, 1500);
      for (int i = 0; i < 5000; i += 500) {
        assertThat(store.append(events(i, i + 500))).isTrue();
      }
      // MAXLEN ~ trims whole macro nodes: at least the capacity, a little more at most.
      assertThat(store.size()).isBetween(1500L, 1500L + 200);
      List<String> ids = newestIds(store);
      assertThat(ids).hasSize((int) store.size());
      assertThat(ids.subList(0, 3)).containsExactly("T4999", "T4998", "T4997");
      // Newest first and in order across the pages of 1000.
      for (int i = 0; i < ids.size(); i++) {
        assertThat(ids.get(i)).isEqualTo("T" + (4999 - i));
      }
    }
  }
}
