package dev.mailfilter.auth;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A DKIM key record (RFC 6376 section 3.6.1), parsed and with its public key decoded.
 *
 * @param keyType {@code rsa} or {@code ed25519} ({@code k=}, default {@code rsa})
 * @param publicKey the key, empty when {@code p=} is empty: the key was revoked
 * @param hashes the hash algorithms allowed ({@code h=}), empty for any
 * @param services the service types ({@code s=}): {@code *} (the default) or {@code email} allow
 *     e-mail signatures
 * @param testing {@code t=y}: the domain is testing DKIM, failures should not be held against it
 * @param strict {@code t=s}: the signature's {@code i=} domain must be exactly {@code d=}
 */
public record DkimKey(
    String keyType,
    Optional<PublicKey> publicKey,
    List<String> hashes,
    List<String> services,
    boolean testing,
    boolean strict) {
  private static final byte[] ED25519_SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  /** Copies the lists. */
  public DkimKey {
    hashes = List.copyOf(hashes);
    services = List.copyOf(services);
  }

  /** Whether {@code p=} was empty. */
  public boolean revoked() {
    return publicKey.isEmpty();
  }

  /** Whether the record allows signatures of e-mail ({@code s=*} or {@code s=email}). */
  public boolean allowsEmail() {
    return services.contains("*") || services.contains("email");
  }

  /** Whether {@code h=} allows {@code hash} (or lists nothing). */
  public boolean allowsHash(String hash) {
    return hashes.isEmpty() || hashes.contains(hash);
  }

  /**
   * Parses a key record: the TXT strings joined (section 3.6.2.2).
   *
   * @throws DkimException for bad syntax, a {@code v=} other than {@code DKIM1} or not first, an
   *     unknown {@code k=}, a missing {@code p=} or one that does not decode to a key
   */
  public static DkimKey parse(String record) {
    Map<String, String> tags = TagList.parse(record);
    String v = tags.get("v");
    if (v != null) {
      if (!v.equals("DKIM1")) {
        throw new DkimException("key record v=" + TagList.abbreviate(v) + " is not DKIM1");
      }
      if (!tags.keySet().iterator().next().equals("v")) {
        throw new DkimException("key record v= is not the first tag");
      }
    }
    String k = tags.getOrDefault("k", "rsa").toLowerCase(Locale.ROOT);
    if (!k.equals("rsa") && !k.equals("ed25519")) {
      throw new DkimException("unknown key type k=" + TagList.abbreviate(k));
    }
    String p = tags.get("p");
    if (p == null) {
      throw new DkimException("key record without p=");
    }
    p = TagList.removeFws(p);
    Optional<PublicKey> key = p.isEmpty() ? Optional.empty() : Optional.of(decode(k, p));
    return new DkimKey(
        k,
        key,
        list(tags.get("h")),
        tags.containsKey("s") ? list(tags.get("s")) : List.of("*"),
        list(tags.get("t")).contains("y"),
        list(tags.get("t")).contains("s"));
  }

  private static List<String> list(String value) {
    if (value == null) {
      return List.of();
    }
    return Arrays.stream(value.split(":", -1))
        .map(TagList::strip)
        .map(s -> s.toLowerCase(Locale.ROOT))
        .filter(s -> !s.isEmpty())
        .toList();
  }

  private static PublicKey decode(String keyType, String base64) {
    byte[] der;
    try {
      der = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new DkimException("p= is not base64: " + e.getMessage(), e);
    }
    try {
      if (keyType.equals("ed25519")) {
        if (der.length != 32) {
          throw new DkimException("ed25519 p= has " + der.length + " octets, not 32");
        }
        byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + 32);
        System.arraycopy(der, 0, spki, ED25519_SPKI_PREFIX.length, 32);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
      }
      KeyFactory rsa = KeyFactory.getInstance("RSA");
      try {
        return rsa.generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException | RuntimeException spkiFailed) {
        // RFC 6376 says SubjectPublicKeyInfo, but bare PKCS#1 RSAPublicKey records are common
        // (and dkimpy, OpenDKIM and Stalwart accept them).
        return rsa.generatePublic(new X509EncodedKeySpec(Der.rsaPublicKeyInfo(der)));
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      if (e instanceof DkimException d) {
        throw d;
      }
      throw new DkimException("p= does not decode to a " + keyType + " key: " + e.getMessage(), e);
    }
  }
}
