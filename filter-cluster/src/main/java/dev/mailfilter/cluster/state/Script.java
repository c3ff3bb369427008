package dev.mailfilter.cluster.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A Lua script run atomically by Redis, with the SHA-1 digest that {@code EVALSHA} names it by.
 *
 * @param text the script
 * @param sha1 its digest in lower-case hex
 */
public record Script(String text, String sha1) {
  public Script {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(sha1, "sha1");
  }

  /** A script and its digest. */
  public static Script of(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
      return new Script(text, HexFormat.of().formatHex(d));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JDK", e);
    }
  }
}
