package dev.mailfilter.config;

import java.util.List;
import java.util.Set;

/** The registered top-level sections owned by features outside the engine. */
final class Sections {
  private Sections() {}

  /** One line per section owned by a feature: {@code DnsSettings.SECTION,}. */
  static final List<ConfigSection<?>> STANDARD =
      List.of(
          dev.mailfilter.dns.DnsSettings.SECTION,
          dev.mailfilter.dns.DnsblSettings.SECTION,
          dev.mailfilter.dns.MirrorSettings.SECTION);

  /** Names set aside for features still to come; refused with a clear reason until registered. */
  static final Set<String> RESERVED = Set.of("dns", "dnsbl", "mirrors", "clamd", "model");
}
