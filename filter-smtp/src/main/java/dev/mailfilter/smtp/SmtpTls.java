package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The server side of STARTTLS (RFC 3207): a certificate chain and its private key, read from PEM
 * files when the configuration is loaded, so that a bad pair is a configuration error and a reload
 * picks up renewed files.
 *
 * <p>Equal when the file names are equal, so that {@link SmtpSettings} compare by what the
 * configuration says; a renewed certificate under the same names is still read on each load.
 */
public final class SmtpTls {
  /** TLS 1.0 and 1.1 are deprecated (RFC 8996). */
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

  private final Path certificate;
  private final Path key;
  private final SSLContext context;

  private SmtpTls(Path certificate, Path key, SSLContext context) {
    this.certificate = certificate;
    this.key = key;
    this.context = context;
  }

  /**
   * Reads a PEM certificate chain (the server's certificate first) and its PEM PKCS#8 private key
   * (RSA or EC, not encrypted).
   *
   * @throws IllegalArgumentException naming the file when a file cannot be read or parsed, or when
   *     the key does not belong to the certificate
   */
  public static SmtpTls load(Path certificate, Path key) {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
    List<X509Certificate> chain = readChain(certificate);
    PrivateKey privateKey = readKey(key);
    checkPair(chain.getFirst(), privateKey, certificate, key);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] password = new char[0];
      store.setKeyEntry("smtp", privateKey, password, chain.toArray(new Certificate[0]));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, new SecureRandom());
      return new SmtpTls(certificate, key, context);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(
          "cannot use " + certificate + " with " + key + ": " + e.getMessage(), e);
    }
  }

  /** The certificate chain's file. */
  public Path certificate() {
    return certificate;
  }

  /** The private key's file. */
  public Path key() {
    return key;
  }

  /**
   * The server context of this pair, for another server of the same node that serves TLS with it
   * (the admin API's HTTPS); use TLS 1.2 or later ({@link #protocols()}).
   */
  public SSLContext serverContext() {
    return context;
  }

  /** The protocols offered: TLS 1.3 and 1.2 (RFC 8996 deprecates the older ones). */
  public static String[] protocols() {
    return PROTOCOLS.clone();
  }

  /**
   * Layers a server-side TLS socket over {@code plain}, TLS 1.2 or later only. The caller has
   * discarded whatever plain text was read ahead, so nothing is passed on as already consumed.
   */
  SSLSocket wrap(java.net.Socket plain) throws IOException {
    SSLSocket ssl =
        (SSLSocket)
            context
                .getSocketFactory()
                .createSocket(
                    plain, plain.getInetAddress().getHostAddress(), plain.getPort(), true);
    ssl.setUseClientMode(false);
    SSLParameters p = ssl.getSSLParameters();
    p.setProtocols(PROTOCOLS);
    ssl.setSSLParameters(p);
    return ssl;
  }

  private static String read(Path file, String what) {
    try {
      return Files.readString(file, US_ASCII);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(what + " " + file + ": no such file", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          what + " " + file + ": cannot be read: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(what + " " + file + ": not a PEM text file", e);
    }
  }

  static List<X509Certificate> readChain(Path file) {
    String text = read(file, "certificate");
    if (!text.contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException(
          "certificate " + file + ": no PEM \"BEGIN CERTIFICATE\" block");
    }
    try {
      CertificateFactory f = CertificateFactory.getInstance("X.509");
      List<X509Certificate> chain =
          f.generateCertificates(new ByteArrayInputStream(text.getBytes(US_ASCII))).stream()
              .map(X509Certificate.class::cast)
              .toList();
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("certificate " + file + ": no certificate in it");
      }
      return chain;
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          "certificate " + file + ": not a valid PEM certificate: " + e.getMessage(), e);
    }
  }

  private static PrivateKey readKey(Path file) {
    String text = read(file, "key");
    Matcher m = PEM.matcher(text);
    if (!m.find()) {
      throw new IllegalArgumentException("key " + file + ": no PEM block");
    }
    String type = m.group(1);
    switch (type) {
      case "PRIVATE KEY" -> {}
      case "RSA PRIVATE KEY", "EC PRIVATE KEY" ->
          throw new IllegalArgumentException(
              "key "
                  + file
                  + ": "
                  + type
                  + " is not PKCS#8; convert it with"
                  + " openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
      case "ENCRYPTED PRIVATE KEY" ->
          throw new IllegalArgumentException(
              "key " + file + ": encrypted keys are not supported (a server restarts unattended)");
      default ->
          throw new IllegalArgumentException(
              "key " + file + ": expected a PEM \"PRIVATE KEY\" block, found \"" + type + "\"");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("key " + file + ": bad base64: " + e.getMessage(), e);
    }
    for (String algorithm : List.of("RSA", "EC")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (InvalidKeySpecException e) {
        // try the next algorithm
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("key " + file + ": " + e.getMessage(), e);
      }
    }
    throw new IllegalArgumentException("key " + file + ": not an RSA or EC PKCS#8 private key");
  }

  /** A signature made with the key must verify with the certificate's public key. */
  private static void checkPair(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> throw new IllegalArgumentException("key " + keyFile + ": not RSA or EC");
        };
    boolean matches;
    try {
      byte[] probe = "mailfilter STARTTLS key check".getBytes(US_ASCII);
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(probe);
      byte[] signature = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(cert.getPublicKey());
      verify.update(probe);
      matches = verify.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false; // e.g. an EC key with an RSA certificate
    }
    if (!matches) {
      throw new IllegalArgumentException(
          "key " + keyFile + " does not belong to the certificate in " + certFile);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SmtpTls t && t.certificate.equals(certificate) && t.key.equals(key);
  }

  @Override
  public int hashCode() {
    return Objects.hash(certificate, key);
  }

  @Override
  public String toString() {
    return "SmtpTls[certificate=" + certificate + ", key=" + key + "]";
  }
}
