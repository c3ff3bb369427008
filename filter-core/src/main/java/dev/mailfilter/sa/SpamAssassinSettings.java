package dev.mailfilter.sa;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the {@code spamassassin} check reads SpamAssassin rules from (YAML section {@code
 * spamassassin:}). Immutable.
 *
 * @param paths rule directories and files, read in this order (a directory's {@code *.pre} files
 *     first, then its {@code *.cf} files sorted by name); empty turns the rules off
 */
public record SpamAssassinSettings(List<Path> paths) {
  /** Where Debian's {@code spamassassin} package puts the shipped rules. */
  public static final Path SHIPPED_RULES = Path.of("/usr/share/spamassassin");

  /** Where a site keeps its own SpamAssassin configuration and rules. */
  public static final Path SITE_RULES = Path.of("/etc/spamassassin");

  /** The {@code spamassassin:} section; docs/configuration.md lists its keys. */
  public static final ConfigSection<SpamAssassinSettings> SECTION =
      ConfigSection.of("spamassassin", SpamAssassinSettings::fromConfig);

  public SpamAssassinSettings {
    paths = List.copyOf(Objects.requireNonNull(paths, "paths"));
  }

  /**
   * The system property that replaces the default paths: a list separated by {@link
   * File#pathSeparator}, or {@code none}. For packagers whose rules live elsewhere, and for test
   * runs, whose verdicts must not depend on whether the host has SpamAssassin installed (the build
   * sets it to {@code none}; tests of the rules name their paths).
   */
  public static final String DEFAULT_PATHS_PROPERTY = "mailfilter.spamassassin.default_paths";

  /**
   * The default: {@link #SHIPPED_RULES} and {@link #SITE_RULES}, those that exist, so that a host
   * with SpamAssassin installed gets its rules without configuration; or the paths of {@link
   * #DEFAULT_PATHS_PROPERTY} when it is set.
   */
  public static SpamAssassinSettings defaults() {
    return defaults(Optional.ofNullable(System.getProperty(DEFAULT_PATHS_PROPERTY)));
  }

  static SpamAssassinSettings defaults(Optional<String> property) {
    List<Path> paths = new ArrayList<>();
    if (property.isPresent()) {
      String v = property.get().strip();
      if (!v.isEmpty() && !v.equals("none")) {
        for (String p : v.split(java.util.regex.Pattern.quote(File.pathSeparator))) {
          if (!p.isBlank()) {
            paths.add(Path.of(p.strip()));
          }
        }
      }
      return new SpamAssassinSettings(paths);
    }
    for (Path p : List.of(SHIPPED_RULES, SITE_RULES)) {
      if (Files.isDirectory(p)) {
        paths.add(p);
      }
    }
    return new SpamAssassinSettings(paths);
  }

  /** No rules: the check reports nothing. */
  public static SpamAssassinSettings off() {
    return new SpamAssassinSettings(List.of());
  }

  static SpamAssassinSettings fromConfig(ConfigNode n) {
    boolean given = n.has("paths");
    List<String> written = n.strings("paths"); // read even when null, so it is no unknown key
    if (!given) {
      return defaults();
    }
    List<Path> paths = new ArrayList<>();
    for (int i = 0; i < written.size(); i++) {
      String p = written.get(i);
      if (p.isBlank()) {
        throw n.error("paths", "entry " + i + " is empty");
      }
      try {
        paths.add(Path.of(p));
      } catch (InvalidPathException e) {
        throw n.error("paths", "not a valid path: " + e.getMessage());
      }
    }
    return new SpamAssassinSettings(paths);
  }
}
