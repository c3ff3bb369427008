package dev.mailfilter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.TlsInfo;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The connection facts in the verdict log line. */
class VerdictLogTest {
  @Test
  void plainClientIsJustItsAddress() {
    assertThat(Engine.clientForLog(Connection.of(InetAddresses.forString("192.0.2.1"))))
        .isEqualTo("192.0.2.1");
  }

  @Test
  void proxyTlsAndAuthFollowTheRealClient() {
    Connection c =
        Connection.of(InetAddresses.forString("10.0.0.5"), 3000, null)
            .proxiedFor(new InetSocketAddress("198.51.100.77", 51234))
            .withTls(TlsInfo.of("TLSv1.3", "TLS_AES_128_GCM_SHA256"))
            .withAuthenticatedUser("alice");
    assertThat(Engine.clientForLog(c))
        .isEqualTo("198.51.100.77 proxy=10.0.0.5 tls=TLSv1.3/TLS_AES_128_GCM_SHA256 auth=alice");
    assertThat(
            Engine.clientForLog(
                Connection.of(InetAddresses.forString("192.0.2.1")).withTls(TlsInfo.UNKNOWN)))
        .isEqualTo("192.0.2.1 tls=?/?");
  }

  @Test
  void timeIsMillisecondsWithThreeDecimals() {
    assertThat(Engine.millis(0)).isEqualTo("0.000ms");
    assertThat(Engine.millis(999)).isEqualTo("0.000ms");
    assertThat(Engine.millis(7_000)).isEqualTo("0.007ms");
    assertThat(Engine.millis(42_900)).isEqualTo("0.042ms");
    assertThat(Engine.millis(123_456)).isEqualTo("0.123ms");
    assertThat(Engine.millis(1_005_000)).isEqualTo("1.005ms");
    assertThat(Engine.millis(12_340_000_000L)).isEqualTo("12340.000ms");
    assertThat(Engine.millis(-5)).isEqualTo("0.000ms");
  }
}
