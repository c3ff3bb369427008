package dev.mailfilter.web;

import dev.mailfilter.cluster.TenantPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed tokens for the embeddable spam-source map: an iframe on a customer's site shows the map of
 * one tenant's subtree and period without a login, and can show nothing else. A token is the tenant
 * path and the period, signed with HMAC-SHA256 under the server's embed key; anyone holding the
 * snippet can view that map (it is meant for a public web site), nobody can change the tenant or
 * the period without the key. Tokens do not expire; replacing the key file revokes all of them.
 *
 * <p>Why a signed token rather than a public flag per tenant: a flag would need a new setting in
 * the tenant tree and the admin API, and would open the tenant's map to anyone who guesses its
 * path; a token needs no state, names exactly what is shown, and is handed out only by someone who
 * may see that map.
 */
public final class EmbedTokens {
  private static final String VERSION = "m1";
  private final byte[] key;

  /** What a valid token shows. */
  public record Grant(Optional<TenantPath> tenant, Duration period) {}

  private EmbedTokens(byte[] key) {
    if (key.length < 32) {
      throw new IllegalArgumentException(
          "embed key must have at least 32 bytes, has " + key.length);
    }
    this.key = key.clone();
  }

  /** Tokens under this key. */
  public static EmbedTokens of(byte[] key) {
    return new EmbedTokens(key);
  }

  /**
   * Tokens under the key in this file, made (32 random bytes, owner-only) when it does not exist.
   */
  public static EmbedTokens open(Path file) throws IOException {
    if (!Files.exists(file)) {
      byte[] k = new byte[32];
      new SecureRandom().nextBytes(k);
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, k, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the directory's permissions protect it
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    return new EmbedTokens(Files.readAllBytes(file));
  }

  /** The token of a tenant's map (empty: the whole provider's) over a period. */
  public String issue(Optional<TenantPath> tenant, Duration period) {
    Objects.requireNonNull(tenant, "tenant");
    String payload =
        VERSION + "|" + tenant.map(TenantPath::toString).orElse("*") + "|" + period.toMinutes();
    B64 b = new B64();
    return b.enc(payload.getBytes(StandardCharsets.UTF_8)) + "." + b.enc(mac(payload));
  }

  /** What a token grants; empty for a token that is malformed or not signed with this key. */
  public Optional<Grant> verify(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0 || token.length() > 2000) {
      return Optional.empty();
    }
    try {
      String payload =
          new String(
              Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8);
      byte[] sig = Base64.getUrlDecoder().decode(token.substring(dot + 1));
      if (!MessageDigest.isEqual(sig, mac(payload))) {
        return Optional.empty();
      }
      String[] f = payload.split("\\|", -1);
      if (f.length != 3 || !f[0].equals(VERSION)) {
        return Optional.empty();
      }
      Optional<TenantPath> tenant =
          f[1].equals("*") ? Optional.empty() : Optional.of(TenantPath.parse(f[1]));
      return Optional.of(new Grant(tenant, Duration.ofMinutes(Long.parseLong(f[2]))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private byte[] mac(String payload) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      return m.doFinal(payload.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static final class B64 {
    String enc(byte[] b) {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
  }
}
