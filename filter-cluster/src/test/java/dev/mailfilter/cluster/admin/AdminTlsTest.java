package dev.mailfilter.cluster.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.cluster.FileTenantStore;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.smtp.SmtpTls;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API over HTTPS with a certificate made by {@code openssl} (Debian package openssl), and
 * plain HTTP refused on an address other than loopback unless explicitly allowed.
 */
class AdminTlsTest {
  @TempDir Path dir;

  /** A self-signed pair for localhost and 127.0.0.1, made now: no key is committed. */
  Path[] pair() throws Exception {
    Path cert = dir.resolve("admin.crt");
    Path key = dir.resolve("admin.key");
    Process p =
        new ProcessBuilder(
                "/usr/bin/openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return new Path[] {cert, key};
  }

  static SSLContext trusting(Path cert) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(cert)) {
      trust.setCertificateEntry(
          "admin", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(null, tmf.getTrustManagers(), null);
    return c;
  }

  static AdminSettings settings(String yaml) {
    FilterConfig.Builder b = FilterConfig.builder();
    b.section(AdminSettings.SECTION);
    return b.yaml(yaml).build().section(AdminSettings.SECTION);
  }

  @Test
  void theApiIsServedOverHttpsWithTheConfiguredCertificate() throws Exception {
    Path[] pair = pair();
    AdminSettings s =
        settings(
            "admin:\n  listen: 127.0.0.1:0\n  tls:\n    certificate: "
                + pair[0]
                + "\n    key: "
                + pair[1]
                + "\n");
    assertThat(s.tls()).isPresent();
    ApiKeys keys = ApiKeys.inMemory();
    String operator = keys.issue("ops", Role.OPERATOR, TenantPath.root()).key();
    try (FileTenantStore store = FileTenantStore.open(dir.resolve("store"));
        AdminServer server =
            AdminServer.builder()
                .listen(s.listen())
                .tls(s.tls().get())
                .keys(keys)
                .api(AdminApi.over(store))
                .start()) {
      int port = server.address().getPort();
      try (HttpClient https =
          HttpClient.newBuilder()
              .sslContext(trusting(pair[0]))
              .connectTimeout(Duration.ofSeconds(10))
              .build()) {
        HttpResponse<String> r =
            https.send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/v1/resellers"))
                    .header("Authorization", "Bearer " + operator)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.sslSession()).isPresent();
        assertThat(r.sslSession().get().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
      }
      // Plain HTTP to the HTTPS port gets no API answer.
      try (HttpClient plain =
          HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
        assertThatThrownBy(
                () ->
                    plain.send(
                        HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/v1/resellers"))
                            .header("Authorization", "Bearer " + operator)
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                        HttpResponse.BodyHandlers.ofString()))
            .isInstanceOf(java.io.IOException.class);
      }
    }
  }

  @Test
  void plainHttpOnAnAddressOtherThanLoopbackIsAConfigurationError() {
    assertThatThrownBy(() -> settings("admin:\n  listen: 0.0.0.0:8025\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.listen")
        .hasMessageContaining("admin.tls")
        .hasMessageContaining("allow_plain_http");
    assertThat(settings("admin:\n  listen: 0.0.0.0:8025\n  allow_plain_http: true\n").listen())
        .isEqualTo(new InetSocketAddress("0.0.0.0", 8025));
    assertThat(settings("admin:\n  listen: 127.0.0.1:8025\n").tls()).isEmpty();
    assertThat(settings("admin:\n  listen: \"[::1]:8025\"\n").tls()).isEmpty();
    // In code too: the builder refuses to start it.
    assertThatThrownBy(
            () ->
                AdminServer.builder()
                    .listen(new InetSocketAddress("0.0.0.0", 0))
                    .keys(ApiKeys.inMemory())
                    .api(AdminApi.over(FileTenantStore.open(dir.resolve("s"))))
                    .start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("in clear");
  }

  @Test
  void aBadCertificateOrAMissingKeyIsAConfigurationErrorNamingTheKey() throws Exception {
    Path[] pair = pair();
    assertThatThrownBy(() -> settings("admin:\n  tls:\n    certificate: " + pair[0] + "\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.tls.key");
    Files.writeString(dir.resolve("junk.pem"), "not a certificate");
    assertThatThrownBy(
            () ->
                settings(
                    "admin:\n  tls:\n    certificate: "
                        + dir.resolve("junk.pem")
                        + "\n    key: "
                        + pair[1]
                        + "\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.tls.certificate");
    assertThat(List.of(SmtpTls.protocols())).containsExactly("TLSv1.3", "TLSv1.2");
  }
}
