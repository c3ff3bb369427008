package dev.mailfilter.cluster.events;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Symbol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Events and the GeoIP test databases for the tests. */
final class Events {
  static final Path GEOIP = shared().resolve("corpora/geoip/maxmind-MaxMind-DB/test-data");
  static final Path COUNTRY_DB = GEOIP.resolve("GeoIP2-Country-Test.mmdb");
  static final Path ASN_DB = GEOIP.resolve("GeoLite2-ASN-Test.mmdb");

  /** 81.2.69.142 is GB in the test database; 216.160.83.56 is US. */
  static final String GB_IP = "81.2.69.142";

  static final String US_IP = "216.160.83.56";

  private Events() {}

  /** {@code ../shared} from the worktree, whether the tests run in the module or the root. */
  private static Path shared() {
    Path shared = Path.of(System.getProperty("mailfilter.shared", "../shared"));
    if (!shared.isAbsolute() && !Files.isDirectory(shared.resolve("corpora"))) {
      shared = Path.of("..").resolve(shared);
    }
    return shared.normalize();
  }

  static GeoIp testGeoIp() throws Exception {
    return GeoIp.open(Optional.of(COUNTRY_DB), Optional.of(ASN_DB));
  }

  /** An event numbered {@code n} (its transaction id is {@code T<n>}). */
  static VerdictEvent event(int n, Instant time, String country, Action action, String rcpt) {
    return new VerdictEvent(
        time,
        "node1",
        "T" + n,
        "Q" + n,
        "192.0.2." + (n % 250),
        country,
        country.isEmpty() ? 0 : 64512 + n % 3,
        country.isEmpty() ? "" : "AS of " + country,
        action,
        action == Action.REJECT ? 15.5 : 1.0,
        6.0,
        List.of(Symbol.of("BAYES_SPAM", 5.0, "0.99"), Symbol.of("RBL_HIT", 3.0, "zen")),
        rcpt.endsWith("@bakery.example") ? "acme/bakery/bakery.example" : "",
        "sender" + n + "@spam.example",
        List.of(rcpt),
        0,
        false);
  }
}
