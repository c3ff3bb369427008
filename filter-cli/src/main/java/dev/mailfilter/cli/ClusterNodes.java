package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.cluster.ClusterSettings;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Whether a server command runs as a cluster node: a configuration with {@code cluster.store} makes
 * {@code mailfilter smtp} and {@code mailfilter milter} take their filter from a {@link
 * dev.mailfilter.cluster.ClusterNode} (the tenant tree of the store laid over the file), one
 * without it changes nothing.
 */
final class ClusterNodes {
  private ClusterNodes() {}

  /**
   * @throws dev.mailfilter.config.ConfigException when the file is not valid
   * @throws IOException when it cannot be read
   */
  static boolean configured(Path configFile) throws IOException {
    return FilterConfig.load(configFile, ServerSections.CHECKS, ServerSections.ALL)
        .section(ClusterSettings.SECTION)
        .store()
        .isPresent();
  }

  /** Closes what a command opened before it failed to start; a failure to close changes nothing. */
  static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // The command is already failing with the reason that matters.
    }
  }
}
