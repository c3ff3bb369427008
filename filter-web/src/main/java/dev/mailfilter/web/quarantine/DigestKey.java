package dev.mailfilter.web.quarantine;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The deployment's key for the digest links: 32 random bytes, hex, in a file readable by its owner
 * only, made on first use. Every node that serves the links must have the same file (copy it as the
 * TLS key is copied); a new key invalidates the links already sent.
 */
public final class DigestKey {
  private DigestKey() {}

  /**
   * Reads the key, creating the file with a new random key when it does not exist.
   *
   * @throws IOException when it cannot be read or made, or holds fewer than 32 bytes of hex
   */
  public static byte[] loadOrCreate(Path file) throws IOException {
    if (!Files.exists(file)) {
      byte[] k = new byte[DigestTokens.MIN_KEY_BYTES];
      new SecureRandom().nextBytes(k);
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path temp = Files.createTempFile(parent, ".digest-key", ".tmp");
      try {
        try {
          Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
          // the directory's own protection applies
        }
        Files.writeString(temp, HexFormat.of().formatHex(k) + "\n", StandardOpenOption.WRITE);
        try {
          // Not moved over an existing file: another process may have made one meanwhile.
          Files.createLink(file, temp);
        } catch (FileAlreadyExistsException other) {
          // theirs is read below
        } catch (UnsupportedOperationException noLinks) {
          Files.move(temp, file);
        }
      } finally {
        Files.deleteIfExists(temp);
      }
    }
    String text = Files.readString(file).strip();
    byte[] key;
    try {
      key = HexFormat.of().parseHex(text);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": expected the key in hex, " + e.getMessage());
    }
    if (key.length < DigestTokens.MIN_KEY_BYTES) {
      throw new IOException(
          file
              + ": the key has "
              + key.length
              + " bytes; at least "
              + DigestTokens.MIN_KEY_BYTES
              + " are needed");
    }
    return key;
  }
}
