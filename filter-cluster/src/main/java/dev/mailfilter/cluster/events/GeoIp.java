package dev.mailfilter.cluster.events;

import com.maxmind.db.CHMCache;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.AsnResponse;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.model.CountryResponse;
import com.maxmind.geoip2.record.Country;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The country and autonomous system of a client address, from MaxMind GeoIP2 / GeoLite2 databases
 * (Country or City, and ASN or ISP) read with MaxMind's own reader. The files are opened once
 * (memory-mapped) and read by any number of threads; results are cached per database node.
 *
 * <p>Without a database the place is {@link Place#UNKNOWN}: the map then has no countries, which a
 * node logs once at start. A configured path that does not open is an error at start.
 */
public final class GeoIp implements Closeable {
  private final Optional<DatabaseReader> country;
  private final boolean countryIsCity;
  private final Optional<DatabaseReader> asn;
  private final boolean asnIsIsp;

  /**
   * Where a client is.
   *
   * @param country ISO 3166-1 alpha-2, upper case; empty when unknown
   * @param asn the autonomous system number; 0 when unknown
   * @param asOrg the autonomous system's organisation; empty when unknown
   */
  public record Place(String country, long asn, String asOrg) {
    /** Nothing known. */
    public static final Place UNKNOWN = new Place("", 0, "");

    public Place {
      Objects.requireNonNull(country, "country");
      Objects.requireNonNull(asOrg, "asOrg");
    }
  }

  private GeoIp(Optional<DatabaseReader> country, Optional<DatabaseReader> asn) {
    this.country = country;
    this.countryIsCity = country.map(r -> type(r).contains("city")).orElse(false);
    this.asn = asn;
    this.asnIsIsp = asn.map(r -> type(r).contains("isp")).orElse(false);
  }

  /** No databases: every place is unknown. */
  public static GeoIp none() {
    return new GeoIp(Optional.empty(), Optional.empty());
  }

  /**
   * Opens the databases given.
   *
   * @param countryDb a GeoIP2/GeoLite2 Country or City database
   * @param asnDb a GeoLite2 ASN or GeoIP2 ISP database
   * @throws IOException when a file does not open or is not a MaxMind database of that kind
   */
  public static GeoIp open(Optional<Path> countryDb, Optional<Path> asnDb) throws IOException {
    Optional<DatabaseReader> c = Optional.empty();
    Optional<DatabaseReader> a = Optional.empty();
    try {
      if (countryDb.isPresent()) {
        c = Optional.of(reader(countryDb.get(), "country", "country", "city", "enterprise"));
      }
      if (asnDb.isPresent()) {
        a = Optional.of(reader(asnDb.get(), "ASN", "asn", "isp"));
      }
      return new GeoIp(c, a);
    } catch (IOException | RuntimeException e) {
      if (c.isPresent()) {
        c.get().close();
      }
      throw e;
    }
  }

  private static DatabaseReader reader(Path file, String what, String... types) throws IOException {
    DatabaseReader r;
    try {
      r = new DatabaseReader.Builder(file.toFile()).withCache(new CHMCache()).build();
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          "GeoIP " + what + " database " + file + " does not open: " + e.getMessage(), e);
    }
    String type = type(r);
    for (String t : types) {
      if (type.contains(t)) {
        return r;
      }
    }
    r.close();
    throw new IOException(
        "GeoIP "
            + what
            + " database "
            + file
            + " is a "
            + r.getMetadata().getDatabaseType()
            + " database, expected one of "
            + String.join(", ", types));
  }

  private static String type(DatabaseReader r) {
    return r.getMetadata().getDatabaseType().toLowerCase(Locale.ROOT);
  }

  /** Whether a country database is open. */
  public boolean hasCountries() {
    return country.isPresent();
  }

  /** Whether an ASN database is open. */
  public boolean hasAsns() {
    return asn.isPresent();
  }

  /**
   * The place of an address; unknown parts stay empty. Never throws for an address a database does
   * not know (a private network, say).
   */
  public Place lookup(InetAddress address) {
    Objects.requireNonNull(address, "address");
    String cc = "";
    long number = 0;
    String org = "";
    try {
      if (country.isPresent()) {
        Optional<Country> found =
            countryIsCity
                ? country.get().tryCity(address).map(CityResponse::getCountry)
                : country.get().tryCountry(address).map(CountryResponse::getCountry);
        if (found.isPresent() && found.get().getIsoCode() != null) {
          cc = found.get().getIsoCode();
        }
      }
      if (asn.isPresent()) {
        if (asnIsIsp) {
          var isp = asn.get().tryIsp(address);
          if (isp.isPresent() && isp.get().getAutonomousSystemNumber() != null) {
            number = isp.get().getAutonomousSystemNumber();
            org = Objects.toString(isp.get().getAutonomousSystemOrganization(), "");
          }
        } else {
          Optional<AsnResponse> found = asn.get().tryAsn(address);
          if (found.isPresent() && found.get().getAutonomousSystemNumber() != null) {
            number = found.get().getAutonomousSystemNumber();
            org = Objects.toString(found.get().getAutonomousSystemOrganization(), "");
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("GeoIP lookup of " + address.getHostAddress() + " failed", e);
    } catch (GeoIp2Exception e) {
      return new Place(cc, number, org);
    }
    return new Place(cc, number, org);
  }

  @Override
  public void close() throws IOException {
    if (country.isPresent()) {
      country.get().close();
    }
    if (asn.isPresent()) {
      asn.get().close();
    }
  }
}
