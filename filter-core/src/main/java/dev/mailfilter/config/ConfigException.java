package dev.mailfilter.config;

import java.util.Objects;

/**
 * A configuration that cannot be used, with the key path that is wrong and why: {@code
 * checks.gtube.score: expected a number, got "high"}. Thrown at load, before anything is applied.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String path;
  private final String reason;

  /**
   * @param path the dotted key path ({@code checks.gtube.score}); empty for the whole file
   * @param reason what is wrong, in a few words
   */
  public ConfigException(String path, String reason) {
    super(path.isEmpty() ? reason : path + ": " + reason);
    this.path = Objects.requireNonNull(path, "path");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The dotted key path of the offending key, empty when the whole file is wrong. */
  public String path() {
    return path;
  }

  /** Why the key is wrong. */
  public String reason() {
    return reason;
  }
}
