package dev.mailfilter.web;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.cluster.events.EventRecorder;
import dev.mailfilter.cluster.events.EventSettings;
import dev.mailfilter.cluster.events.GeoIp;
import dev.mailfilter.cluster.events.MemoryEventStore;
import dev.mailfilter.spi.VerdictObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Verdict events recorded through a real {@link EventRecorder} with MaxMind's test databases: a
 * spam message from 81.2.69.142 (GB) to boss@bakery.example (inside the fixture's acme branch), one
 * from 216.160.83.56 (US) to eve@rival.example (the other branch), and a ham message.
 */
final class EventsFixture {
  static final String GB_IP = "81.2.69.142";
  static final String US_IP = "216.160.83.56";

  private EventsFixture() {}

  static Path geoip() {
    Path shared = Path.of(System.getProperty("mailfilter.shared", "../shared"));
    if (!shared.isAbsolute() && !Files.isDirectory(shared.resolve("corpora"))) {
      shared = Path.of("..").resolve(shared);
    }
    return shared.resolve("corpora/geoip/maxmind-MaxMind-DB/test-data").normalize();
  }

  /** A store holding the three events, each stamped {@code now}. */
  static MemoryEventStore store(Instant now) throws Exception {
    MemoryEventStore store = MemoryEventStore.create(1000);
    GeoIp geo =
        GeoIp.open(
            Optional.of(geoip().resolve("GeoIP2-Country-Test.mmdb")),
            Optional.of(geoip().resolve("GeoLite2-ASN-Test.mmdb")));
    try (EventRecorder r = EventRecorder.start(EventSettings.defaults(), store, geo)) {
      r.offer(
          outcome(
              "GBTX1",
              GB_IP,
              "spammer@spam.example",
              "boss@bakery.example",
              "acme/bakery/bakery.example",
              Action.REJECT,
              16.5,
              now));
      r.offer(
          outcome(
              "USTX2",
              US_IP,
              "bulk@junk.example",
              "eve@rival.example",
              "other/rival/rival.example",
              Action.REJECT,
              22.0,
              now));
      r.offer(
          outcome(
              "HAMTX3",
              "192.0.2.10",
              "friend@ok.example",
              "boss@bakery.example",
              "acme/bakery/bakery.example",
              Action.ACCEPT,
              -1.0,
              now));
      if (!r.flush(Duration.ofSeconds(10))) {
        throw new IllegalStateException("events not written");
      }
    }
    return store;
  }

  private static VerdictObserver.Outcome outcome(
      String id,
      String ip,
      String sender,
      String rcpt,
      String tenant,
      Action action,
      double score,
      Instant now) {
    return new VerdictObserver.Outcome(
        id,
        Optional.of("Q" + id),
        Connection.of(InetAddresses.forString(ip)),
        "mx.example",
        sender,
        List.of(rcpt),
        List.of(tenant),
        action,
        score,
        6.0,
        score > 6
            ? List.of(Symbol.of("BAYES_SPAM", 9.5, "0.99"), Symbol.of("RBL_ZEN", 7.0, "<b>zen</b>"))
            : List.of(Symbol.of("DKIM_ALLOW", -1.0)),
        now,
        false);
  }
}
