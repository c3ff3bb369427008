package dev.mailfilter.dns.mirror;

import com.google.common.collect.ImmutableList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A domain dataset (dnset): {@code example.com} lists the name only, {@code *.example.com} its
 * subdomains only, {@code .example.com} both; a leading {@code !} excludes. The exact name is
 * checked first, then wildcards from the most specific parent outwards; the first match wins.
 *
 * <p>A Bloom filter over the positive names fronts the maps: "not listed" costs one probe per label
 * of the queried name, computed over its characters without allocating.
 */
public final class DomainZone implements ZoneData {
  private static final long EXACT = 0x6578616374L;
  private static final long WILD = 0x77696c64L;

  private final List<ZoneValue> values;
  private final int ttlSeconds;
  private final long entryCount;
  private final Map<String, Integer> exact;
  private final Map<String, Integer> wild;
  private final BlockedBloomFilter bloom;

  private DomainZone(Builder b, double bitsPerKey) {
    this.values = ImmutableList.copyOf(b.values);
    this.ttlSeconds = b.ttlSeconds;
    this.entryCount = b.entries;
    this.exact = b.exact;
    this.wild = b.wild;
    long positives =
        exact.values().stream().filter(v -> v >= 0).count()
            + wild.values().stream().filter(v -> v >= 0).count();
    this.bloom = BlockedBloomFilter.create(positives, bitsPerKey);
    exact.forEach(
        (k, v) -> {
          if (v >= 0) {
            bloom.putHash(hash(k, 0, EXACT));
          }
        });
    wild.forEach(
        (k, v) -> {
          if (v >= 0) {
            bloom.putHash(hash(k, 0, WILD));
          }
        });
  }

  /** FNV-1a over the characters of {@code s} from {@code from}, then mixed. */
  private static long hash(String s, int from, long tag) {
    long h = 0xcbf29ce484222325L ^ tag;
    for (int i = from; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    return BlockedBloomFilter.mix(h);
  }

  /**
   * Lower-cases ASCII letters and drops one trailing dot, as DNS names compare; other characters
   * are left for the caller to have encoded (A-labels).
   */
  public static String normalize(String name) {
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    return n.toLowerCase(Locale.ROOT);
  }

  /** The index of the value listing {@code name} (already {@link #normalize}d), or -1. */
  public int lookup(String name) {
    if (!bloomMaybe(name)) {
      return -1;
    }
    return exactLookup(name);
  }

  /** Whether the Bloom filter lets {@code name} through to the exact maps. */
  public boolean bloomMaybe(String name) {
    if (bloom.mightContainHash(hash(name, 0, EXACT))) {
      return true;
    }
    for (int i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) {
      if (bloom.mightContainHash(hash(name, i + 1, WILD))) {
        return true;
      }
    }
    return false;
  }

  /** The exact answer without the Bloom filter. */
  public int exactLookup(String name) {
    Integer v = exact.get(name);
    if (v != null) {
      return v;
    }
    for (int i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) {
      v = wild.get(name.substring(i + 1));
      if (v != null) {
        return v;
      }
    }
    return -1;
  }

  /**
   * The entry that lists {@code name}: the name itself or the parent a wildcard entry names. TXT
   * templates of domain sets expand {@code $} to it, as rbldnsd does.
   */
  public String matchedEntry(String name) {
    if (exact.containsKey(name)) {
      return name;
    }
    for (int i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) {
      String parent = name.substring(i + 1);
      if (wild.containsKey(parent)) {
        return parent;
      }
    }
    return name;
  }

  @Override
  public MirrorKind kind() {
    return MirrorKind.DNSET;
  }

  @Override
  public List<ZoneValue> values() {
    return values;
  }

  @Override
  public int ttlSeconds() {
    return ttlSeconds;
  }

  @Override
  public long entryCount() {
    return entryCount;
  }

  @Override
  public long keyCount() {
    return exact.size() + wild.size();
  }

  @Override
  public long exactBytes() {
    long chars = 0;
    for (String k : exact.keySet()) {
      chars += k.length();
    }
    for (String k : wild.keySet()) {
      chars += k.length();
    }
    // A HashMap node, a String and its bytes (Latin-1 compact strings): about 80 bytes + chars.
    return keyCount() * 80 + chars;
  }

  @Override
  public long bloomBytes() {
    return bloom.sizeBytes();
  }

  /** Collects names; not thread-safe. */
  static final class Builder {
    private final Map<String, Integer> exact = new HashMap<>();
    private final Map<String, Integer> wild = new HashMap<>();
    List<ZoneValue> values = List.of(ZoneValue.DEFAULT);
    int ttlSeconds = 2100;
    long entries;

    /** Adds a name; the exact name and/or its subdomains; value -1 excludes (and always wins). */
    void add(String name, boolean self, boolean subdomains, int value) {
      entries++;
      if (self) {
        exact.merge(name, value, Builder::keep);
      }
      if (subdomains) {
        wild.merge(name, value, Builder::keep);
      }
    }

    private static Integer keep(Integer old, Integer added) {
      return old < 0 || added < 0 ? -1 : old;
    }

    DomainZone build(double bitsPerKey) {
      return new DomainZone(this, bitsPerKey);
    }
  }
}
