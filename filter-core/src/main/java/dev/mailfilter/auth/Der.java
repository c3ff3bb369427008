package dev.mailfilter.auth;

/**
 * The little DER that the JDK's key factories need around the bare PKCS#1 RSA keys DKIM meets: key
 * records with an RSAPublicKey ({@link DkimKey}) and OpenSSL's older {@code BEGIN RSA PRIVATE KEY}
 * files ({@link SigningKey}); the JDK reads only SubjectPublicKeyInfo and PKCS#8.
 */
final class Der {
  // AlgorithmIdentifier { rsaEncryption, NULL }
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

  private Der() {}

  /** A PKCS#1 RSAPublicKey wrapped in a SubjectPublicKeyInfo. */
  static byte[] rsaPublicKeyInfo(byte[] pkcs1) {
    byte[] bitString = tlv(0x03, concat(new byte[] {0}, pkcs1));
    return tlv(0x30, concat(RSA_ALGORITHM_ID, bitString));
  }

  /**
   * A PKCS#1 RSAPrivateKey wrapped in a PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER 0,
   * AlgorithmIdentifier rsaEncryption NULL, OCTET STRING { pkcs1 } }.
   */
  static byte[] rsaPrivateKeyInfo(byte[] pkcs1) {
    byte[] version = {0x02, 0x01, 0x00};
    return tlv(0x30, concat(version, RSA_ALGORITHM_ID, tlv(0x04, pkcs1)));
  }

  /**
   * One DER element: tag, definite length, content.
   *
   * @throws IllegalArgumentException for content of 16 MiB or more, far beyond any key
   */
  static byte[] tlv(int tag, byte[] content) {
    int n = content.length;
    byte[] len;
    if (n < 0x80) {
      len = new byte[] {(byte) n};
    } else if (n < 0x100) {
      len = new byte[] {(byte) 0x81, (byte) n};
    } else if (n < 0x10000) {
      len = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
    } else if (n < 0x1000000) {
      len = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
    } else {
      throw new IllegalArgumentException("DER content of " + n + " octets is too long");
    }
    return concat(new byte[] {(byte) tag}, len, content);
  }

  static byte[] concat(byte[]... parts) {
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
}
