package dev.mailfilter.config;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A top-level configuration section owned by one feature ({@code dns}, {@code clamd}, ...): its
 * name and the parser that turns its {@link ConfigNode} into an immutable settings value. The
 * parser runs on every load, with an empty node when the file has no such section, so it returns
 * the defaults then. Keys the parser does not read are refused as unknown.
 *
 * <p>Register a section with one line in {@code BuiltIns}; read its value with {@code
 * FilterConfig.section(ConfigSection)}.
 *
 * @param <T> the settings type
 */
public final class ConfigSection<T> {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

  private final String name;
  private final Function<ConfigNode, T> parser;

  private ConfigSection(String name, Function<ConfigNode, T> parser) {
    checkArgument(
        NAME.matcher(name).matches(), "section name must match [a-z][a-z0-9_]*: %s", name);
    this.name = name;
    this.parser = Objects.requireNonNull(parser, "parser");
  }

  /** A section; the parser reads its node and throws {@link ConfigException} for bad values. */
  public static <T> ConfigSection<T> of(String name, Function<ConfigNode, T> parser) {
    return new ConfigSection<>(name, parser);
  }

  /** The top-level key. */
  public String name() {
    return name;
  }

  public T parse(ConfigNode node) {
    return Objects.requireNonNull(parser.apply(node), () -> "section " + name + " parsed to null");
  }

  @Override
  public String toString() {
    return "ConfigSection[" + name + "]";
  }
}
