package dev.mailfilter.cluster.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.config.ConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Country and ASN from MaxMind's test databases (../shared/corpora/geoip). */
class GeoIpTest {
  @Test
  void knownAddressesHaveTheirCountries() throws Exception {
    try (GeoIp geo = Events.testGeoIp()) {
      assertThat(geo.lookup(InetAddresses.forString(Events.GB_IP)).country()).isEqualTo("GB");
      assertThat(geo.lookup(InetAddresses.forString(Events.US_IP)).country()).isEqualTo("US");
    }
  }

  @Test
  void asnDatabaseGivesNumberAndOrganisation() throws Exception {
    try (GeoIp geo = Events.testGeoIp()) {
      // GeoLite2-ASN-Test: 1.128.0.0/11 is AS1221 Telstra Pty Ltd.
      GeoIp.Place p = geo.lookup(InetAddresses.forString("1.128.0.1"));
      assertThat(p.asn()).isEqualTo(1221);
      assertThat(p.asOrg()).isEqualTo("Telstra Pty Ltd");
    }
  }

  @Test
  void cityDatabaseServesAsCountryDatabase() throws Exception {
    try (GeoIp geo =
        GeoIp.open(Optional.of(Events.GEOIP.resolve("GeoIP2-City-Test.mmdb")), Optional.empty())) {
      assertThat(geo.lookup(InetAddresses.forString(Events.GB_IP)).country()).isEqualTo("GB");
    }
  }

  @Test
  void unknownAndPrivateAddressesHaveNoPlace() throws Exception {
    try (GeoIp geo = Events.testGeoIp()) {
      assertThat(geo.lookup(InetAddresses.forString("10.1.2.3"))).isEqualTo(GeoIp.Place.UNKNOWN);
      assertThat(geo.lookup(InetAddresses.forString("::1"))).isEqualTo(GeoIp.Place.UNKNOWN);
    }
    try (GeoIp none = GeoIp.none()) {
      assertThat(none.lookup(InetAddresses.forString(Events.GB_IP))).isEqualTo(GeoIp.Place.UNKNOWN);
    }
  }

  @Test
  void missingOrWrongDatabaseIsRefusedWithItsPath() {
    assertThatThrownBy(
            () -> GeoIp.open(Optional.of(Path.of("/nonexistent.mmdb")), Optional.empty()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("/nonexistent.mmdb");
    // An ASN database where a country database is expected.
    assertThatThrownBy(() -> GeoIp.open(Optional.of(Events.ASN_DB), Optional.empty()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("GeoLite2-ASN");
  }

  @Test
  void configuredPathThatDoesNotOpenIsAConfigErrorAndAbsentIsNot() {
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .yaml("events:\n  geoip:\n    country: /nonexistent/GeoLite2-Country.mmdb\n")
                    .section(EventSettings.SECTION)
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("events.geoip.country");
    EventSettings absent =
        FilterConfig.builder()
            .section(EventSettings.SECTION)
            .build()
            .section(EventSettings.SECTION);
    assertThat(absent.countryDb()).isEmpty();
    assertThat(absent.capacity()).isEqualTo(250_000);
  }
}
