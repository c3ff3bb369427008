package dev.mailfilter.spi;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;

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
}
