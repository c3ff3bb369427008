package dev.mailfilter.spi;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableSortedMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The checks a configuration can name under {@code checks}: name to factory. Immutable. {@code
 * BuiltIns.checks()} holds the built-in checks; embedders add their own with {@link #builder()}.
 */
public final class CheckRegistry {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

  private final ImmutableSortedMap<String, CheckFactory> factories;

  private CheckRegistry(Map<String, CheckFactory> factories) {
    this.factories = ImmutableSortedMap.copyOf(factories);
  }

  /** An empty builder. */
  public static Builder builder() {
    return new Builder(Map.of());
  }

  /** A builder starting from this registry's checks. */
  public Builder toBuilder() {
    return new Builder(factories);
  }

  /** The registered names, sorted. */
  public Set<String> names() {
    return factories.keySet();
  }

  /** The factory registered under a name. */
  public Optional<CheckFactory> factory(String name) {
    return Optional.ofNullable(factories.get(name));
  }

  /** Builds a {@link CheckRegistry}. */
  public static final class Builder {
    private final Map<String, CheckFactory> factories;

    private Builder(Map<String, CheckFactory> initial) {
      this.factories = new TreeMap<>(initial);
    }

    /**
     * Registers a factory under a check name (its configuration key under {@code checks}).
     *
     * @throws IllegalArgumentException when the name is taken or not {@code [a-z][a-z0-9_]*}
     */
    public Builder register(String name, CheckFactory factory) {
      checkArgument(
          NAME.matcher(name).matches(), "check name must match [a-z][a-z0-9_]*: %s", name);
      checkArgument(!factories.containsKey(name), "check already registered: %s", name);
      factories.put(name, Objects.requireNonNull(factory, "factory"));
      return this;
    }

    /** The registry. */
    public CheckRegistry build() {
      return new CheckRegistry(factories);
    }
  }
}
