package dev.mailfilter.cluster.events;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The verdict events (top-level section {@code events}): whether every verdict is recorded, how
 * many of the last events are kept, and the GeoIP databases that give each client its country and
 * autonomous system. Where they are kept follows {@code shared_state}: in its Redis when one is
 * configured (every node writes one capped stream, any node's pages read it), else in the node's
 * memory.
 *
 * @param enabled whether verdicts are recorded
 * @param capacity how many of the most recent events are kept (cluster-wide with Redis)
 * @param queue how many events may wait for the background writer; more are dropped and counted
 * @param countryDb a GeoIP2/GeoLite2 Country or City database; none: events have no country
 * @param asnDb a GeoLite2 ASN or GeoIP2 ISP database; none: events have no ASN
 * @param node this node's name in the events; the host name by default
 * @param mapRefresh how long a rendered map or statistics page is reused (at most an hour)
 * @param publicUrl the address browsers reach the web pages at ({@code https://mail.example.net}),
 *     for the map's iframe snippet; empty: the web server's listening address
 */
public record EventSettings(
    boolean enabled,
    int capacity,
    int queue,
    Optional<Path> countryDb,
    Optional<Path> asnDb,
    String node,
    Duration mapRefresh,
    String publicUrl) {

  /** The section {@code events}. */
  public static final ConfigSection<EventSettings> SECTION =
      ConfigSection.of("events", EventSettings::parse);

  /** The default number of events kept: the last 250,000. */
  public static final int DEFAULT_CAPACITY = 250_000;

  public EventSettings {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    if (queue < 1) {
      throw new IllegalArgumentException("queue must be at least 1, got " + queue);
    }
    Objects.requireNonNull(countryDb, "countryDb");
    Objects.requireNonNull(asnDb, "asnDb");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(publicUrl, "publicUrl");
    if (mapRefresh.isNegative() || mapRefresh.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("map refresh must be within an hour, got " + mapRefresh);
    }
  }

  /** Recording on, 250,000 events, no GeoIP databases. */
  public static EventSettings defaults() {
    return new EventSettings(
        true,
        DEFAULT_CAPACITY,
        10_000,
        Optional.empty(),
        Optional.empty(),
        hostName(),
        Duration.ofHours(1),
        "");
  }

  /** These settings with GeoIP databases. */
  public EventSettings withGeoIp(Optional<Path> country, Optional<Path> asn) {
    return new EventSettings(enabled, capacity, queue, country, asn, node, mapRefresh, publicUrl);
  }

  /** These settings with another capacity and queue. */
  public EventSettings withCapacity(int events, int queueLength) {
    return new EventSettings(
        enabled, events, queueLength, countryDb, asnDb, node, mapRefresh, publicUrl);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  private static void check(ConfigNode g, String key, Optional<Path> country, Optional<Path> asn) {
    try {
      GeoIp.open(country, asn).close(); // the recorder opens its own
    } catch (IOException e) {
      throw g.error(key, e.getMessage());
    }
  }

  private static EventSettings parse(ConfigNode n) {
    EventSettings d = defaults();
    boolean enabled = n.bool("enabled", d.enabled);
    int capacity = (int) n.integer("capacity", d.capacity, 1, 50_000_000);
    int queue = (int) n.integer("queue", d.queue, 1, 1_000_000);
    String node = n.string("node", d.node);
    Duration refresh = n.duration("map_refresh", d.mapRefresh);
    String publicUrl = n.string("public_url", "");
    if (!publicUrl.isEmpty()
        && !(publicUrl.startsWith("https://") || publicUrl.startsWith("http://"))) {
      throw n.error("public_url", "expected an http:// or https:// URL, got " + publicUrl);
    }
    if (refresh.compareTo(Duration.ofHours(1)) > 0) {
      throw n.error(
          "map_refresh", "at most 1h (the map is refreshed at least hourly), got " + refresh);
    }
    ConfigNode g = n.section("geoip");
    Optional<Path> country = g.optionalString("country").map(Path::of);
    Optional<Path> asn = g.optionalString("asn").map(Path::of);
    g.rejectUnread(List.of());
    n.rejectUnread(List.of());
    // A configured database that does not open is refused at load, naming its key: a typo in a
    // path must not silently give a map without countries.
    check(g, "country", country, Optional.empty());
    check(g, "asn", Optional.empty(), asn);
    return new EventSettings(enabled, capacity, queue, country, asn, node, refresh, publicUrl);
  }
}
