package dev.mailfilter.auth;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAKey;
import java.util.Locale;

/**
 * The signing algorithms a verifier may accept today: {@code rsa-sha256} (RFC 6376) and {@code
 * ed25519-sha256} (RFC 8463: PureEdDSA over the SHA-256 hash of the canonical header data). {@code
 * rsa-sha1} is recognised only to be refused (RFC 8301), as are RSA keys under 1024 bits.
 */
public enum DkimAlgorithm {
  /** RSASSA-PKCS1-v1_5 with SHA-256. */
  RSA_SHA256("rsa-sha256", "rsa"),
  /** Ed25519 over the SHA-256 hash (RFC 8463 section 3). */
  ED25519_SHA256("ed25519-sha256", "ed25519");

  /** RFC 8301 section 3.2: verifiers must not accept shorter RSA keys. */
  public static final int MIN_RSA_BITS = 1024;

  private final String tag;
  private final String keyType;

  DkimAlgorithm(String tag, String keyType) {
    this.tag = tag;
    this.keyType = keyType;
  }

  /** The name as written in {@code a=}. */
  public String tag() {
    return tag;
  }

  /** The key record's {@code k=} this algorithm needs. */
  public String keyType() {
    return keyType;
  }

  /** The hash name a key record's {@code h=} lists for this algorithm. */
  public String hashName() {
    return "sha256";
  }

  /**
   * The algorithm an {@code a=} value names (any case).
   *
   * @throws DkimException for {@code rsa-sha1} (RFC 8301) and for unknown names
   */
  public static DkimAlgorithm of(String tag) {
    String t = tag.toLowerCase(Locale.ROOT);
    for (DkimAlgorithm a : values()) {
      if (a.tag.equals(t)) {
        return a;
      }
    }
    if (t.equals("rsa-sha1")) {
      throw new DkimException("rsa-sha1 is not accepted (RFC 8301)");
    }
    throw new DkimException("unknown algorithm a=" + TagList.abbreviate(tag));
  }

  /**
   * Whether {@code signature} is valid for {@code data} (the canonical header octets) under {@code
   * key}.
   *
   * @throws DkimException if the key does not suit this algorithm or is an RSA key under {@link
   *     #MIN_RSA_BITS}
   */
  public boolean verify(PublicKey key, byte[] data, byte[] signature) {
    checkKey(key);
    try {
      Signature s = engine();
      s.initVerify(key);
      s.update(input(data));
      return s.verify(signature);
    } catch (InvalidKeyException e) {
      throw new DkimException(tag + " cannot use a " + key.getAlgorithm() + " key", e);
    } catch (java.security.SignatureException e) {
      return false; // a malformed signature value (wrong length) is simply not valid
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(tag + " is missing from this Java platform", e);
    }
  }

  /**
   * Signs {@code data} (the canonical header octets): for DKIM, ARC-Message-Signature and ARC-Seal.
   *
   * @throws DkimException if the key does not suit this algorithm or is an RSA key under {@link
   *     #MIN_RSA_BITS}
   */
  public byte[] sign(PrivateKey key, byte[] data) {
    checkKey(key);
    try {
      Signature s = engine();
      s.initSign(key);
      s.update(input(data));
      return s.sign();
    } catch (InvalidKeyException e) {
      throw new DkimException(tag + " cannot use a " + key.getAlgorithm() + " key", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(tag + " is missing from this Java platform", e);
    }
  }

  private void checkKey(java.security.Key key) {
    String alg = key.getAlgorithm();
    boolean ok =
        this == RSA_SHA256
            ? alg.equals("RSA")
            : alg.equals("Ed25519") || alg.equals("EdDSA") || alg.equals("1.3.101.112");
    if (!ok) {
      throw new DkimException(tag + " cannot use a " + alg + " key");
    }
    if (key instanceof RSAKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
      throw new DkimException(
          "RSA key of "
              + rsa.getModulus().bitLength()
              + " bits is shorter than "
              + MIN_RSA_BITS
              + " (RFC 8301)");
    }
  }

  private Signature engine() throws GeneralSecurityException {
    return Signature.getInstance(this == RSA_SHA256 ? "SHA256withRSA" : "Ed25519");
  }

  private byte[] input(byte[] data) {
    // RFC 8463 section 3: Ed25519 signs the SHA-256 hash, not the data itself.
    return this == ED25519_SHA256 ? Canonicalization.sha256().digest(data) : data;
  }
}
