package dev.mailfilter.spi;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.util.Optional;
import java.util.function.Supplier;

/** What a {@link CheckFactory} gets to build its check from the configuration. */
public interface CheckSetup {
  /** The check's name, its key under {@code checks}. */
  String name();

  /**
   * The check's own section {@code checks.<name>}; the generic keys ({@code enabled}, {@code
   * score}, {@code scores}, {@code timeout}) are already read by the engine. Keys the factory does
   * not read are refused as unknown.
   */
  ConfigNode options();

  /** A parsed top-level section the check depends on, such as {@code dns}. */
  <T> T section(ConfigSection<T> section);

  /**
   * The enabled check of {@code type} in the same configuration, for a check that reports another
   * check's results computed with that check's own settings (DMARC in {@code
   * Authentication-Results}). Resolved on the first {@code get()}, which must come after the
   * configuration is built (when a check runs): the checks are made one by one. Empty when that
   * check is off or not configured.
   */
  default <C extends Check> Supplier<Optional<C>> peer(Class<C> type) {
    return Optional::empty;
  }
}
