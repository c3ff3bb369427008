package dev.mailfilter.web.quarantine;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code digest:} section: the daily digest of held messages and its links (docs/web.md,
 * "Digest").
 *
 * @param baseUrl where the web pages are reached ({@code https://mail.example.net}); the links
 *     point there; required to send a digest
 * @param from the digest's sender; default {@code quarantine@} the gateway's {@code smtp.host_name}
 * @param linkLifetime how long a link works; default 3 days
 * @param stateDir the used links, the last run's mark and (by default) the key; default {@code
 *     digest/} in the quarantine's directory
 * @param keyFile the deployment's link key; default {@code digest.key} in the state directory;
 *     every node serving the pages needs the same file
 * @param brandName the name on digests of customers without a reseller's brand
 * @param supportAddress their support address; default {@code postmaster@} the gateway's host
 */
public record DigestSettings(
    Optional<URI> baseUrl,
    Optional<String> from,
    Duration linkLifetime,
    Optional<Path> stateDir,
    Optional<Path> keyFile,
    String brandName,
    Optional<String> supportAddress) {
  /** The {@code digest:} section; register it when loading the file. */
  public static final ConfigSection<DigestSettings> SECTION =
      ConfigSection.of("digest", DigestSettings::parse);

  /** Checks the values. */
  public DigestSettings {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(keyFile, "keyFile");
    Objects.requireNonNull(supportAddress, "supportAddress");
    if (linkLifetime.isNegative() || linkLifetime.isZero()) {
      throw new IllegalArgumentException("link_lifetime must be positive, got " + linkLifetime);
    }
    if (brandName.isBlank()) {
      throw new IllegalArgumentException("brand_name must not be empty");
    }
    baseUrl.ifPresent(
        u -> {
          String scheme = String.valueOf(u.getScheme());
          if (!(scheme.equals("https") || scheme.equals("http")) || u.getHost() == null) {
            throw new IllegalArgumentException(
                "base_url: expected http(s)://host[:port], got \"" + u + "\"");
          }
        });
  }

  /** No base URL (no digest can be sent), links of 3 days, state beside the quarantine. */
  public static DigestSettings defaults() {
    return new DigestSettings(
        Optional.empty(),
        Optional.empty(),
        Duration.ofDays(3),
        Optional.empty(),
        Optional.empty(),
        "Mail quarantine",
        Optional.empty());
  }

  /** The state directory for a quarantine in {@code quarantineDir}. */
  public Path stateDirFor(Path quarantineDir) {
    return stateDir.orElse(quarantineDir.resolve("digest"));
  }

  /** The key file for a quarantine in {@code quarantineDir}. */
  public Path keyFileFor(Path quarantineDir) {
    return keyFile.orElse(stateDirFor(quarantineDir).resolve("digest.key"));
  }

  private static DigestSettings parse(ConfigNode node) {
    DigestSettings d = defaults();
    try {
      return new DigestSettings(
          node.optionalString("base_url").map(URI::create),
          node.optionalString("from"),
          node.duration("link_lifetime", d.linkLifetime()),
          node.optionalString("state_dir").map(Path::of),
          node.optionalString("key_file").map(Path::of),
          node.string("brand_name", d.brandName()),
          node.optionalString("support_address"));
    } catch (IllegalArgumentException e) {
      throw node.error("", e.getMessage());
    }
  }
}
