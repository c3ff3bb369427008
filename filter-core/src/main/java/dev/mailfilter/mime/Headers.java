package dev.mailfilter.mime;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The header fields of one entity in message order. A view over the parse: {@link HeaderField}
 * objects are created when asked for. Lookups by name ignore ASCII case and scan the bytes without
 * allocating.
 */
public final class Headers extends AbstractList<HeaderField> {
  private final ParsedMessage message;
  private final int first;
  private final int count;

  Headers(ParsedMessage message, int first, int count) {
    this.message = message;
    this.first = first;
    this.count = count;
  }

  /** The field at {@code index} in message order. */
  @Override
  public HeaderField get(int index) {
    if (index < 0 || index >= count) {
      throw new IndexOutOfBoundsException("header index " + index + " of " + count);
    }
    return message.field(first + index);
  }

  /** Number of fields. */
  @Override
  public int size() {
    return count;
  }

  /** The first field named {@code name} (ASCII case ignored). */
  public Optional<HeaderField> first(String name) {
    int i = indexOf(name, 0);
    return i < 0 ? Optional.empty() : Optional.of(get(i));
  }

  /** The unfolded value of the first field named {@code name}. */
  public Optional<String> firstValue(String name) {
    return first(name).map(HeaderField::value);
  }

  /** All fields named {@code name} in message order. */
  public List<HeaderField> all(String name) {
    List<HeaderField> out = new ArrayList<>(2);
    for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
      out.add(get(i));
    }
    return out;
  }

  /** Whether a field named {@code name} exists. */
  public boolean contains(String name) {
    return indexOf(name, 0) >= 0;
  }

  private int indexOf(String name, int from) {
    for (int i = from; i < count; i++) {
      if (message.fieldNameIs(first + i, name)) {
        return i;
      }
    }
    return -1;
  }
}
