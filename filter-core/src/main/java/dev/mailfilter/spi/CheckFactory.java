package dev.mailfilter.spi;

/**
 * Builds a {@link Check} from its configuration. Runs at every configuration load, also for
 * disabled checks (to validate their section), so it must be cheap: parse and validate options, and
 * open sockets or load large files lazily or in the check's first run.
 */
@FunctionalInterface
public interface CheckFactory {
  /**
   * A new check.
   *
   * @throws dev.mailfilter.config.ConfigException for a bad option, with its key path
   */
  Check create(CheckSetup setup);
}
