package dev.mailfilter.smtp;

import dev.mailfilter.testkit.DebianPackage;
import dev.mailfilter.testkit.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed test certificates for {@code localhost}, made by {@code openssl} (Debian package
 * openssl) in the test's temporary directory: no private key is ever committed.
 */
final class TestCertificates {
  static final Path OPENSSL = Path.of("/usr/bin/openssl");

  /** A certificate and its key, as PEM files. */
  record Pair(Path certificate, Path key) {
    /** A client context that trusts this certificate only. */
    SSLContext trustingClient() throws Exception {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      try (InputStream in = Files.newInputStream(certificate)) {
        trust.setCertificateEntry(
            "server", CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, tmf.getTrustManagers(), null);
      return c;
    }
  }

  private TestCertificates() {}

  /** An RSA 2048 pair; the key is PKCS#8 (OpenSSL 3's default). */
  static Pair rsa(Path dir, String name) throws IOException {
    return make(dir, name, "rsa:2048");
  }

  /** An EC P-256 pair. */
  static Pair ec(Path dir, String name) throws IOException {
    return make(dir, name, "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1");
  }

  /** The key rewritten in the traditional form, {@code BEGIN RSA PRIVATE KEY} (PKCS#1). */
  static Path traditional(Pair pair) throws IOException {
    Path out = pair.key().resolveSibling(pair.key().getFileName() + ".pkcs1");
    openssl("pkey", "-in", pair.key().toString(), "-traditional", "-out", out.toString());
    return out;
  }

  private static Pair make(Path dir, String name, String... newKey) throws IOException {
    Path cert = dir.resolve(name + ".crt");
    Path key = dir.resolve(name + ".key");
    List<String> args = new ArrayList<>(List.of("req", "-x509", "-newkey"));
    args.addAll(List.of(newKey));
    args.addAll(
        List.of(
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
            "subjectAltName=DNS:localhost,IP:127.0.0.1"));
    openssl(args.toArray(new String[0]));
    return new Pair(cert, key);
  }

  /** A test certificate authority: a self-signed CA certificate and its key. */
  static Pair authority(Path dir, String name) throws IOException {
    Path cert = dir.resolve(name + ".crt");
    Path key = dir.resolve(name + ".key");
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key.toString(),
        "-out",
        cert.toString(),
        "-days",
        "2",
        "-subj",
        "/CN=mailfilter test CA " + name,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
    return new Pair(cert, key);
  }

  /**
   * A server certificate issued by {@code ca} for the subjectAltName entries {@code san} (e.g.
   * {@code DNS:mx.test.local,IP:127.0.0.1}); the key is PKCS#8.
   */
  static Pair issued(Path dir, String name, Pair ca, String san) throws IOException {
    Path cert = dir.resolve(name + ".crt");
    Path key = dir.resolve(name + ".key");
    Path csr = dir.resolve(name + ".csr");
    Path ext =
        Files.writeString(
            dir.resolve(name + ".ext"),
            "subjectAltName=" + san + "\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n");
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key.toString(),
        "-out",
        csr.toString(),
        "-subj",
        "/CN=" + name);
    openssl(
        "x509",
        "-req",
        "-in",
        csr.toString(),
        "-CA",
        ca.certificate().toString(),
        "-CAkey",
        ca.key().toString(),
        "-set_serial",
        Long.toString(System.nanoTime()),
        "-days",
        "2",
        "-extfile",
        ext.toString(),
        "-out",
        cert.toString());
    return new Pair(cert, key);
  }

  private static void openssl(String... args) throws IOException {
    DebianPackage.require(OPENSSL, "openssl");
    List<String> cmd = new ArrayList<>(List.of(OPENSSL.toString()));
    cmd.addAll(List.of(args));
    Processes.Result r = Processes.run(cmd, Duration.ofSeconds(60));
    if (r.exit() != 0) {
      throw new AssertionError("openssl " + String.join(" ", args) + ": " + r.output());
    }
  }
}
