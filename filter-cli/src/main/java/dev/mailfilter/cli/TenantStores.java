package dev.mailfilter.cli;

import dev.mailfilter.cluster.FileTenantStore;
import dev.mailfilter.cluster.RedisTenantStore;
import dev.mailfilter.cluster.TenantStore;
import io.lettuce.core.RedisURI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code --tenant-store} option of {@code backup} and {@code restore}: a directory (the
 * embedded {@link FileTenantStore}) or a Redis URI ({@code redis://host:port}, {@code
 * rediss://...}, {@code redis-sentinel://host:port,host:port/0#mymaster}: the shared {@link
 * RedisTenantStore} with its default key prefix).
 */
final class TenantStores {
  private TenantStores() {}

  static boolean isRedis(String spec) {
    return spec.startsWith("redis://")
        || spec.startsWith("rediss://")
        || spec.startsWith("redis-sentinel://");
  }

  /**
   * Opens the store; a directory only if it exists when {@code mustExist} (a backup of a typo
   * should not be an empty tree), else empty for a missing directory.
   */
  static Optional<TenantStore> open(String spec, boolean mustExist) throws NoSuchFileException {
    if (isRedis(spec)) {
      RedisURI uri;
      try {
        uri = RedisURI.create(spec);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("--tenant-store: not a Redis URI: " + spec, e);
      }
      return Optional.of(RedisTenantStore.connect(RedisTenantStore.Options.of(uri)));
    }
    Path dir = Path.of(spec);
    if (!Files.isDirectory(dir)) {
      if (mustExist) {
        throw new NoSuchFileException("tenant store " + dir);
      }
      return Optional.empty();
    }
    return Optional.of(FileTenantStore.open(dir));
  }

  /** Opens the store, creating a missing directory: the target of a restore. */
  static TenantStore create(String spec) {
    if (isRedis(spec)) {
      return RedisTenantStore.connect(RedisTenantStore.Options.of(RedisURI.create(spec)));
    }
    return FileTenantStore.open(Path.of(spec));
  }
}
