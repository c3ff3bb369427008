package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading the STARTTLS certificate and key, and every way they can be unusable. */
class SmtpTlsTest {
  @TempDir Path dir;

  @Test
  void loadsAnRsaAndAnEcPair() throws Exception {
    TestCertificates.Pair rsa = TestCertificates.rsa(dir, "rsa");
    TestCertificates.Pair ec = TestCertificates.ec(dir, "ec");
    assertThat(SmtpTls.load(rsa.certificate(), rsa.key()).certificate())
        .isEqualTo(rsa.certificate());
    assertThat(SmtpTls.load(ec.certificate(), ec.key()).key()).isEqualTo(ec.key());
  }

  @Test
  void aMissingFileIsNamed() throws Exception {
    TestCertificates.Pair rsa = TestCertificates.rsa(dir, "rsa");
    Path missing = dir.resolve("nope.key");
    assertThatThrownBy(() -> SmtpTls.load(rsa.certificate(), missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key " + missing + ": no such file");
    assertThatThrownBy(() -> SmtpTls.load(missing, rsa.key()))
        .hasMessage("certificate " + missing + ": no such file");
  }

  @Test
  void aKeyOfAnotherCertificateIsRefusedNamingBothFiles() throws Exception {
    TestCertificates.Pair one = TestCertificates.rsa(dir, "one");
    TestCertificates.Pair two = TestCertificates.rsa(dir, "two");
    TestCertificates.Pair ec = TestCertificates.ec(dir, "ec");
    assertThatThrownBy(() -> SmtpTls.load(one.certificate(), two.key()))
        .hasMessage(
            "key " + two.key() + " does not belong to the certificate in " + one.certificate());
    assertThatThrownBy(() -> SmtpTls.load(one.certificate(), ec.key()))
        .hasMessageContaining("does not belong");
  }

  @Test
  void aPkcs1KeyIsRefusedWithTheConversionCommand() throws Exception {
    TestCertificates.Pair rsa = TestCertificates.rsa(dir, "rsa");
    Path pkcs1 = TestCertificates.traditional(rsa);
    assertThat(Files.readString(pkcs1)).contains("BEGIN RSA PRIVATE KEY");
    assertThatThrownBy(() -> SmtpTls.load(rsa.certificate(), pkcs1))
        .hasMessageContaining("key " + pkcs1 + ": RSA PRIVATE KEY is not PKCS#8")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void filesSwappedOrNotPemAreRefused() throws Exception {
    TestCertificates.Pair rsa = TestCertificates.rsa(dir, "rsa");
    assertThatThrownBy(() -> SmtpTls.load(rsa.key(), rsa.certificate()))
        .hasMessage("certificate " + rsa.key() + ": no PEM \"BEGIN CERTIFICATE\" block");
    Path junk = Files.writeString(dir.resolve("junk.pem"), "hello\n");
    assertThatThrownBy(() -> SmtpTls.load(rsa.certificate(), junk))
        .hasMessage("key " + junk + ": no PEM block");
    Path broken =
        Files.writeString(
            dir.resolve("broken.crt"),
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assertThatThrownBy(() -> SmtpTls.load(broken, rsa.key()))
        .hasMessageStartingWith("certificate " + broken + ": not a valid PEM certificate");
  }

  @Test
  void theSmtpSectionNeedsBothFilesAndNamesABadOne() throws Exception {
    TestCertificates.Pair rsa = TestCertificates.rsa(dir, "rsa");
    SmtpSettings s =
        FilterConfig.builder()
            .section(SmtpSettings.SECTION)
            .yaml(
                "smtp:\n  tls:\n    certificate: "
                    + rsa.certificate()
                    + "\n    key: "
                    + rsa.key()
                    + "\n")
            .build()
            .section(SmtpSettings.SECTION);
    assertThat(s.tls()).contains(SmtpTls.load(rsa.certificate(), rsa.key()));
    assertThat(SmtpSettings.defaults().tls()).isEmpty();
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .section(SmtpSettings.SECTION)
                    .yaml("smtp:\n  tls:\n    certificate: " + rsa.certificate() + "\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("smtp.tls.key")
        .hasMessageContaining("is required with tls.certificate");
    Path missing = dir.resolve("missing.key");
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .section(SmtpSettings.SECTION)
                    .yaml(
                        "smtp:\n  tls:\n    certificate: "
                            + rsa.certificate()
                            + "\n    key: "
                            + missing
                            + "\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("key " + missing + ": no such file");
  }
}
