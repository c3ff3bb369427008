package dev.mailfilter.av;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClamdSettingsTest {

  @Test
  void defaultsAreLocalTcpRejectAndTempfail() {
    ClamdSettings d = ClamdSettings.DEFAULTS;
    assertThat(d.address()).isEqualTo(ClamdAddress.tcp("127.0.0.1", 3310));
    assertThat(d.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(d.readTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.maxStreamLength()).isEqualTo(25L * 1024 * 1024);
    assertThat(d.onVirus()).isEqualTo(ClamdSettings.VirusAction.REJECT);
    assertThat(d.onFailure()).isEqualTo(ClamdSettings.FailureAction.TEMPFAIL);
    assertThat(d.poolSize()).isZero();
    assertThat(d.toBuilder().build()).isEqualTo(d);
  }

  @Test
  void badValuesAreRefusedWithTheValue() {
    assertThatThrownBy(() -> ClamdSettings.builder().connectTimeout(Duration.ZERO).build())
        .hasMessageContaining("connectTimeout")
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> ClamdSettings.builder().readTimeout(Duration.ofMillis(-5)).build())
        .hasMessageContaining("readTimeout")
        .hasMessageContaining("PT-0.005S");
    assertThatThrownBy(() -> ClamdSettings.builder().readTimeout(Duration.ofDays(2)).build())
        .hasMessageContaining("PT48H");
    assertThatThrownBy(() -> ClamdSettings.builder().maxStreamLength(0).build())
        .hasMessageContaining("maxStreamLength")
        .hasMessageContaining(": 0");
    assertThatThrownBy(() -> ClamdSettings.builder().maxStreamLength(5L << 30).build())
        .hasMessageContaining(String.valueOf(5L << 30));
    assertThatThrownBy(() -> ClamdSettings.builder().poolSize(-1).build())
        .hasMessageContaining("poolSize")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> ClamdSettings.builder().address(null).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("address");
  }

  @Test
  void virusReplyNamesTheSignatureAndStaysOneValidLine() {
    ClamdSettings d = ClamdSettings.DEFAULTS;
    assertThat(d.virusReplyFor("Eicar-Test-Signature").toWire())
        .isEqualTo("554 5.7.1 Virus found: Eicar-Test-Signature\r\n");
    // clamd's answer is not ours to trust: a CR LF must not forge a second reply line.
    assertThat(d.virusReplyFor("Evil\r\n250 OK").lines())
        .containsExactly("Virus found: Evil??250 OK");
    assertThat(d.virusReplyFor("x".repeat(5000)).lines().getFirst()).hasSize(13 + 200);
  }

  @Test
  void failureReplyDefaultsFollowTheFailureAction() {
    assertThat(ClamdSettings.DEFAULTS.failureReply().toWire())
        .isEqualTo("451 4.7.1 Virus scan unavailable, please try again later\r\n");
    ClamdSettings reject =
        ClamdSettings.builder().onFailure(ClamdSettings.FailureAction.REJECT).build();
    assertThat(reject.failureReply().code()).isEqualTo(554);
    // A default reply is not carried over when the action changes.
    assertThat(
            ClamdSettings.DEFAULTS.toBuilder()
                .onFailure(ClamdSettings.FailureAction.REJECT)
                .build()
                .failureReply())
        .isEqualTo(reject.failureReply());
    assertThatThrownBy(
            () ->
                ClamdSettings.builder()
                    .onFailure(ClamdSettings.FailureAction.REJECT)
                    .failureReply(dev.mailfilter.api.Reply.of(451, "4.7.1", "later"))
                    .build())
        .hasMessageContaining("5xx")
        .hasMessageContaining("451");
    assertThatThrownBy(() -> ClamdSettings.builder().virusReply("250 2.0.0 fine").build())
        .hasMessageContaining("5xx")
        .hasMessageContaining("250 2.0.0 fine");
  }

  @Test
  void parsesAndPrintsAddresses() {
    assertThat(ClamdAddress.parse("tcp:127.0.0.1:3310"))
        .isEqualTo(ClamdAddress.tcp("127.0.0.1", 3310));
    assertThat(ClamdAddress.parse("tcp:[::1]:3310")).isEqualTo(ClamdAddress.tcp("::1", 3310));
    assertThat(ClamdAddress.parse("tcp:clamd.internal:3310").toString())
        .isEqualTo("tcp:clamd.internal:3310");
    assertThat(ClamdAddress.tcp("::1", 3310).toString()).isEqualTo("tcp:[::1]:3310");
    assertThat(ClamdAddress.parse("unix:/run/clamav/clamd.ctl"))
        .isEqualTo(ClamdAddress.unix(Path.of("/run/clamav/clamd.ctl")));
    assertThat(ClamdAddress.parse("unix:/run/clamav/clamd.ctl").toString())
        .isEqualTo("unix:/run/clamav/clamd.ctl");
  }

  @Test
  void badAddressesAreRefusedWithTheText() {
    assertThatThrownBy(() -> ClamdAddress.parse("127.0.0.1:3310"))
        .hasMessageContaining("'127.0.0.1:3310'")
        .hasMessageContaining("tcp:HOST:PORT");
    assertThatThrownBy(() -> ClamdAddress.parse("tcp:localhost")).hasMessageContaining("no port");
    assertThatThrownBy(() -> ClamdAddress.parse("tcp:localhost:http"))
        .hasMessageContaining("'http'");
    assertThatThrownBy(() -> ClamdAddress.parse("tcp:localhost:70000"))
        .hasMessageContaining("70000");
    assertThatThrownBy(() -> ClamdAddress.parse("unix:")).hasMessageContaining("empty socket path");
    assertThatThrownBy(() -> ClamdAddress.parse("tcp::3310")).hasMessageContaining("no port");
  }
}
