package dev.mailfilter.spi;

import java.util.Objects;

/**
 * A typed key into the per-transaction cache of {@link CheckContext#computeIfAbsent}. Keys compare
 * by identity: declare each one once as a constant next to the code that computes its value, for
 * example {@code static final Key<List<Url>> URLS = Key.of("urls");}.
 *
 * @param <T> the type of the cached value
 */
public final class Key<T> {
  private final String name;

  private Key(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  /** A new key; the name only serves debugging and logs. */
  public static <T> Key<T> of(String name) {
    return new Key<>(name);
  }

  /** The key's name. */
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return "Key[" + name + "]";
  }
}
