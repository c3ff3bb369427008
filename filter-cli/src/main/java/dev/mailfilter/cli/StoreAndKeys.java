package dev.mailfilter.cli;

import dev.mailfilter.cluster.ClusterSettings;
import dev.mailfilter.cluster.RedisSettings;
import dev.mailfilter.cluster.RedisTenantStore;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.TenantStoreException;
import dev.mailfilter.cluster.admin.AdminSettings;
import dev.mailfilter.cluster.admin.ApiKeys;
import dev.mailfilter.cluster.admin.Role;
import dev.mailfilter.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The tenant store and the API keys, opened the same way by {@code mailfilter admin} and {@code
 * mailfilter web}: a file store keeps its keys in a file (by default {@code admin-keys.json} in its
 * directory), a Redis store in the store, shared by every node.
 *
 * @param store the open store; the caller closes it
 * @param keys the keys
 * @param keysFile the key file of a file store; empty with Redis
 */
record StoreAndKeys(TenantStore store, ApiKeys keys, Optional<Path> keysFile) {

  /**
   * Opens both, and makes an operator key (printed once on {@code out}) on the first start or when
   * asked. A usage or store error is one line on {@code err}, prefixed with {@code command}: then
   * empty, and nothing is left open.
   */
  static Optional<StoreAndKeys> open(
      String command,
      ClusterSettings cluster,
      RedisSettings redis,
      AdminSettings settings,
      boolean newOperatorKey,
      PrintStream out,
      PrintStream err) {
    if (cluster.store().isEmpty()) {
      err.println(command + ": no tenant store: give --store DIR, --redis URI or cluster.store");
      return Optional.empty();
    }
    String spec = cluster.store().get();
    boolean fileStore = spec.startsWith("file:");
    Optional<Path> keysFile =
        settings
            .keys()
            .or(
                () ->
                    fileStore
                        ? Optional.of(Path.of(spec.substring(5)).resolve("admin-keys.json"))
                        : Optional.empty());
    if (!fileStore && keysFile.isPresent()) {
      // Keys of one server only would be accepted by one node and revoked on one node.
      err.println(
          command
              + ": with a Redis store the API keys are kept in the store, shared by every node's"
              + " admin API: leave out --keys (admin.keys), which is for a file store");
      return Optional.empty();
    }
    TenantStore store;
    try {
      store = cluster.openStore(redis);
    } catch (TenantStoreException | IllegalArgumentException | ConfigException e) {
      err.println(command + ": " + e.getMessage());
      return Optional.empty();
    } catch (RuntimeException e) {
      // Lettuce's own exceptions (a bad URI, Redis unreachable) are unchecked and its own types.
      err.println(command + ": cannot open the Redis store: " + e.getMessage());
      return Optional.empty();
    }
    String keysAt = keysFile.map(Path::toString).orElse("the tenant store");
    try {
      ApiKeys keys =
          store instanceof RedisTenantStore r
              ? ApiKeys.inStore(r)
              : ApiKeys.open(keysFile.orElseThrow());
      if (newOperatorKey
          || keys.list().stream().noneMatch(k -> k.principal().role() == Role.OPERATOR)) {
        ApiKeys.Issued issued = keys.issue("operator", Role.OPERATOR, TenantPath.root());
        out.println("operator key (shown once; only its SHA-256 is kept in " + keysAt + "):");
        out.println(issued.key());
        out.flush();
      }
      return Optional.of(new StoreAndKeys(store, keys, keysFile));
    } catch (IOException | RuntimeException e) {
      store.close();
      err.println(command + ": API keys in " + keysAt + ": " + e.getMessage());
      return Optional.empty();
    }
  }
}
