package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import dev.mailfilter.config.ConfigException;
import dev.mailfilter.config.ConfigNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private key for DKIM signatures and ARC sets, with the algorithm it signs with: RSA of at least
 * 1024 bits (RFC 8301) signs {@code rsa-sha256}, Ed25519 signs {@code ed25519-sha256} (RFC 8463).
 *
 * @param algorithm what this key signs with
 * @param key the private key
 * @param source where it came from, for messages (a file name, never the key)
 */
public record SigningKey(DkimAlgorithm algorithm, PrivateKey key, String source) {
  private static final Pattern PEM =
      Pattern.compile(
          "-----BEGIN ((?:RSA )?PRIVATE KEY)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  /** Validates. */
  public SigningKey {
    requireNonNull(algorithm, "algorithm");
    requireNonNull(key, "key");
    requireNonNull(source, "source");
  }

  /**
   * Reads a PEM private key file: PKCS#8 ({@code BEGIN PRIVATE KEY}, RSA or Ed25519) or PKCS#1
   * ({@code BEGIN RSA PRIVATE KEY}, as OpenSSL's older tools and the ARC suite write them).
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException naming the file when it holds no usable key: not PEM, another
   *     key type, or RSA under 1024 bits
   */
  public static SigningKey readPem(Path file) throws IOException {
    return fromPem(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
  }

  /**
   * Reads a PEM private key from text; see {@link #readPem}.
   *
   * @param source names the key in error messages
   * @throws IllegalArgumentException naming {@code source} when the text holds no usable key
   */
  public static SigningKey fromPem(String pem, String source) {
    Matcher m = PEM.matcher(pem);
    if (!m.find()) {
      throw new IllegalArgumentException(
          source + ": no PEM private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": bad base64 in the PEM key", e);
    }
    if (m.group(1).startsWith("RSA")) {
      der = Der.rsaPrivateKeyInfo(der);
    }
    PrivateKey key = null;
    for (String type : new String[] {"RSA", "Ed25519"}) {
      try {
        key = KeyFactory.getInstance(type).generatePrivate(new PKCS8EncodedKeySpec(der));
        break;
      } catch (GeneralSecurityException e) {
        // Try the next type; which one the DER holds shows only by trying.
      }
    }
    if (key == null) {
      throw new IllegalArgumentException(source + ": not an RSA or Ed25519 private key");
    }
    if (key instanceof RSAPrivateCrtKey rsa) {
      int bits = rsa.getModulus().bitLength();
      if (bits < 1024) {
        throw new IllegalArgumentException(
            source + ": RSA key of " + bits + " bits; RFC 8301 requires at least 1024");
      }
      return new SigningKey(DkimAlgorithm.RSA_SHA256, key, source);
    }
    return new SigningKey(DkimAlgorithm.ED25519_SHA256, key, source);
  }

  /**
   * The key a configuration section names: the PEM file at {@code key}, checked against the
   * optional {@code algorithm} ({@code rsa-sha256} or {@code ed25519-sha256}). Read at load so that
   * a missing, unreadable or mismatched key stops the configuration, not the first message.
   *
   * @throws ConfigException naming {@code <section>.key} (or {@code .algorithm}) and the file
   */
  static SigningKey fromConfig(ConfigNode o) {
    Optional<String> file = o.optionalString("key");
    if (file.isEmpty() || file.get().isBlank()) {
      throw o.error("key", "required: the path of a PEM private key file");
    }
    Optional<String> algorithm = o.optionalString("algorithm");
    SigningKey key;
    try {
      key = readPem(Path.of(file.get()));
    } catch (IOException e) {
      throw o.error("key", "cannot read " + file.get() + ": " + e);
    } catch (IllegalArgumentException e) {
      throw o.error("key", e.getMessage());
    }
    if (algorithm.isPresent()) {
      DkimAlgorithm want;
      try {
        want = DkimAlgorithm.of(algorithm.get());
      } catch (DkimException e) {
        throw o.error("algorithm", e.getMessage());
      }
      if (want != key.algorithm()) {
        throw o.error(
            "key",
            file.get()
                + " is a "
                + key.algorithm().keyType()
                + " key, but algorithm is "
                + want.tag());
      }
    }
    return key;
  }

  @Override
  public String toString() {
    return "SigningKey[" + algorithm + ", " + source + "]";
  }
}
