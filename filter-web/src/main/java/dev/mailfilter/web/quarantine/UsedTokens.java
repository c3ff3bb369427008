package dev.mailfilter.web.quarantine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The digest tokens used so far, each kept until it expires: a replayed link is refused. Several
 * processes (the web server and {@code mailfilter digest}) may share one.
 */
public interface UsedTokens {
  /**
   * Marks a token used, atomically.
   *
   * @param nonce the token's name
   * @param expires after this the entry may be forgotten (the token is refused as expired anyway)
   * @return true when it was not used before (the caller may act), false when it was
   */
  boolean claim(String nonce, Instant expires);

  /** Whether it was used. */
  boolean isUsed(String nonce);

  /** Forgets a claim whose action did not happen, so the link works again. */
  void release(String nonce);

  /**
   * The single-node set: one empty file per used token in a directory, created exclusively (the
   * file system makes the claim atomic across processes, as the quarantine's release lock does),
   * named by the nonce, its modification time the expiry. Expired files are removed every 256
   * claims.
   */
  static UsedTokens directory(Path dir, Clock clock) throws IOException {
    Files.createDirectories(dir);
    return new DirectoryUsedTokens(dir, clock);
  }

  /** See {@link UsedTokens#directory}. */
  final class DirectoryUsedTokens implements UsedTokens {
    private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{16,64}");
    private final Path dir;
    private final Clock clock;
    private final AtomicInteger claims = new AtomicInteger();

    private DirectoryUsedTokens(Path dir, Clock clock) {
      this.dir = dir;
      this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public boolean claim(String nonce, Instant expires) {
      Path f = file(nonce);
      if (claims.incrementAndGet() % 256 == 0) {
        prune();
      }
      try {
        Files.write(
            f,
            expires.toString().getBytes(StandardCharsets.US_ASCII),
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot record a used digest token in " + dir, e);
      }
    }

    @Override
    public boolean isUsed(String nonce) {
      return Files.exists(file(nonce));
    }

    @Override
    public void release(String nonce) {
      try {
        Files.deleteIfExists(file(nonce));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot forget a digest token in " + dir, e);
      }
    }

    /** Removes the entries of expired tokens. */
    void prune() {
      Instant now = clock.instant();
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
        for (Path f : files) {
          try {
            String expires = Files.readString(f, StandardCharsets.US_ASCII).strip();
            if (Instant.parse(expires).isBefore(now)) {
              Files.deleteIfExists(f);
            }
          } catch (NoSuchFileException gone) {
            // pruned meanwhile by another process
          } catch (java.time.format.DateTimeParseException | IOException partial) {
            // being written right now, or not ours: left alone
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot prune the used digest tokens in " + dir, e);
      }
    }

    private Path file(String nonce) {
      if (!NONCE.matcher(nonce).matches()) {
        throw new IllegalArgumentException("not a token nonce: \"" + nonce + "\"");
      }
      return dir.resolve(nonce);
    }
  }
}
