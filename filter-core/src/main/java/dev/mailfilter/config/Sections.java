package dev.mailfilter.config;

import dev.mailfilter.learn.ModelSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The registered top-level sections owned by features outside the engine. */
final class Sections {
  private Sections() {}

  /** Every registered section, parsed at each load. */
  static final List<ConfigSection<?>> STANDARD;

  static {
    List<ConfigSection<?>> s = new ArrayList<>();
    s.add(dev.mailfilter.dns.DnsSettings.SECTION);
    s.add(dev.mailfilter.dns.DnsblSettings.SECTION);
    s.add(dev.mailfilter.dns.MirrorSettings.SECTION);
    s.add(ModelSettings.SECTION);
    STANDARD = List.copyOf(s);
  }

  /** Names set aside for features still to come; refused with a clear reason until registered. */
  static final Set<String> RESERVED = Set.of();
}
