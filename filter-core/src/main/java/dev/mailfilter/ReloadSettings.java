package dev.mailfilter;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code reload:} section: how a {@link FilterReloader} watches its files and how long a
 * closing {@link MailFilter} waits for its sessions.
 *
 * @param watchInterval how often the configuration file and the files it names are polled for
 *     changes; zero turns watching off (reload on demand only)
 * @param drainTimeout how long {@link MailFilter#close()} waits for sessions in flight before it
 *     cuts them
 */
record ReloadSettings(Duration watchInterval, Duration drainTimeout) {
  static final ConfigSection<ReloadSettings> SECTION =
      ConfigSection.of("reload", ReloadSettings::parse);

  ReloadSettings {
    Objects.requireNonNull(watchInterval, "watchInterval");
    Objects.requireNonNull(drainTimeout, "drainTimeout");
  }

  private static ReloadSettings parse(ConfigNode n) {
    Duration watch = n.duration("watch_interval", Duration.ofSeconds(2));
    if (!watch.isZero() && watch.compareTo(Duration.ofMillis(100)) < 0) {
      throw n.error("watch_interval", "expected 0 (off) or at least 100ms, got " + watch);
    }
    return new ReloadSettings(watch, n.duration("drain_timeout", Duration.ofMinutes(2)));
  }
}
