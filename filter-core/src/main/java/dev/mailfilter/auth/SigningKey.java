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

  // The PKCS#8 wrapping of a PKCS#1 RSAPrivateKey: SEQUENCE { INTEGER 0, AlgorithmIdentifier
  // rsaEncryption NULL, OCTET STRING { pkcs1 } }; the JDK reads only PKCS#8.
  private static final byte[] RSA_ALGORITHM_ID = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

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
      der = pkcs1ToPkcs8(der);
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

  private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    byte[] version = {0x02, 0x01, 0x00};
    byte[] octets = concat(new byte[] {0x04}, derLength(pkcs1.length), pkcs1);
    byte[] body = concat(version, RSA_ALGORITHM_ID, octets);
    return concat(new byte[] {0x30}, derLength(body.length), body);
  }

  private static byte[] derLength(int n) {
    if (n < 0x80) {
      return new byte[] {(byte) n};
    }
    if (n < 0x100) {
      return new byte[] {(byte) 0x81, (byte) n};
    }
    if (n < 0x10000) {
      return new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
    }
    return new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  @Override
  public String toString() {
    return "SigningKey[" + algorithm + ", " + source + "]";
  }
}
