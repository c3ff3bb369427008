package dev.mailfilter.dns;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.dns.mirror.MirrorKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A local mirror of a blocklist zone (configuration section {@code mirrors}): an rbldnsd dataset
 * file, as an rsync feed delivers it, that answers the list's {@code zone} without DNS traffic.
 *
 * @param zone the list zone this file answers for, e.g. {@code zen.spamhaus.org}
 * @param path the dataset file ({@code .gz} allowed)
 * @param kind the rbldnsd dataset type
 * @param reloadInterval how often the file's modification time and size are polled (default 30 s)
 */
public record MirrorSettings(String zone, Path path, MirrorKind kind, Duration reloadInterval) {

  /** The configuration section {@code mirrors}: its {@code files} list. */
  public static final ConfigSection<List<MirrorSettings>> SECTION =
      ConfigSection.of("mirrors", DnsConfigSections::mirrors);

  /** Validates; messages carry the bad value. */
  public MirrorSettings {
    zone = DnsblList.normalizeZone(zone, "mirrors.files[].zone");
    requireNonNull(path, "mirrors.files[].path");
    requireNonNull(kind, "mirrors.files[].kind");
    requireNonNull(reloadInterval, "mirrors.files[].reload_interval");
    checkArgument(
        reloadInterval.compareTo(Duration.ofMillis(100)) >= 0,
        "mirrors.files[].reload_interval must be >= 100 ms: %s",
        reloadInterval);
  }

  /** A mirror polled every 30 s. */
  public static MirrorSettings of(String zone, Path path, MirrorKind kind) {
    return new MirrorSettings(zone, path, kind, Duration.ofSeconds(30));
  }
}
