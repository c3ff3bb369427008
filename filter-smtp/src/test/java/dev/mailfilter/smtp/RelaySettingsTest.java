package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code smtp.relay} keys: the trust bundle and its errors, the pool and lookup settings. */
class RelaySettingsTest {
  @TempDir Path dir;

  private static SmtpSettings parse(String yaml) {
    return FilterConfig.builder()
        .section(SmtpSettings.SECTION)
        .yaml(yaml)
        .build()
        .section(SmtpSettings.SECTION);
  }

  @Test
  void defaultsUseTheJdkTrustStoreAndAPoolOfShortLivedConnections() {
    RelaySettings d = SmtpSettings.defaults().relay();
    assertThat(d).isEqualTo(RelaySettings.defaults());
    assertThat(d.trustCertificates()).isEmpty();
    assertThat(d.poolIdleTime()).isEqualTo(Duration.ofSeconds(2));
    assertThat(parse("smtp:\n  listen: 127.0.0.1:2525\n").relay()).isEqualTo(d);
  }

  @Test
  void everyKeyIsRead() throws Exception {
    TestCertificates.Pair ca = TestCertificates.authority(dir, "ca");
    RelaySettings r =
        parse(
                "smtp:\n  relay:\n    trust_certificates: "
                    + ca.certificate()
                    + "\n    lookup_timeout: 3s\n    pool_size_per_destination: 2\n"
                    + "    pool_size: 7\n    pool_idle_time: 500ms\n"
                    + "    max_transactions_per_connection: 9\n")
            .relay();
    assertThat(r.trustCertificates()).hasSize(1);
    assertThat(r.trustCertificates().getFirst().getSubjectX500Principal().getName())
        .contains("mailfilter test CA ca");
    assertThat(r)
        .isEqualTo(
            new RelaySettings(
                r.trustCertificates(), Duration.ofSeconds(3), 2, 7, Duration.ofMillis(500), 9, 25));
  }

  @Test
  void aTrustBundleThatCannotBeUsedIsAnErrorNamingTheFile() throws Exception {
    Path missing = dir.resolve("missing-ca.pem");
    assertThatThrownBy(() -> parse("smtp:\n  relay:\n    trust_certificates: " + missing + "\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("smtp.relay.trust_certificates: certificate " + missing + ": no such file");
    Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
    assertThatThrownBy(() -> parse("smtp:\n  relay:\n    trust_certificates: " + junk + "\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(junk + ": no PEM \"BEGIN CERTIFICATE\" block");
  }

  @Test
  void badValuesAreRefusedWithTheValue() {
    assertThatThrownBy(() -> parse("smtp:\n  relay:\n    pool_size: -1\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("smtp.relay.pool_size");
    assertThatThrownBy(() -> parse("smtp:\n  relay:\n    max_transactions_per_connection: 0\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max_transactions_per_connection");
    assertThatThrownBy(() -> parse("smtp:\n  relay:\n    lookup_timeout: 0s\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("lookup_timeout must be positive, got PT0S");
    assertThatThrownBy(() -> parse("smtp:\n  relay:\n    mx_port: 0\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("smtp.relay.mx_port");
    assertThatThrownBy(() -> parse("smtp:\n  stats_interval: -1s\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("smtp.stats_interval");
    assertThatThrownBy(() -> parse("smtp:\n  relay:\n    pool_sise: 3\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pool_sise");
  }
}
