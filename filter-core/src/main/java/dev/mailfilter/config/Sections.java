package dev.mailfilter.config;

import dev.mailfilter.learn.ModelSettings;
import java.util.List;

/** The registered top-level sections owned by features outside the engine. */
final class Sections {
  private Sections() {}

  /** Every registered section, parsed at each load; one line per feature. */
  static final List<ConfigSection<?>> STANDARD =
      List.of(
          dev.mailfilter.dns.DnsSettings.SECTION,
          dev.mailfilter.dns.DnsblSettings.SECTION,
          dev.mailfilter.dns.MirrorSettings.SECTION,
          ModelSettings.SECTION);
}
