package dev.mailfilter.dns.mirror;

import java.util.List;

/**
 * One loaded rbldnsd dataset: immutable once built, answered from memory, fronted by a Bloom filter
 * so that an unlisted subject usually costs a few Bloom probes and nothing else.
 */
public sealed interface ZoneData permits Ip4Zone, Ip6Zone, DomainZone {
  /** The dataset type. */
  MirrorKind kind();

  /** The distinct values (A record and TXT template) entries refer to by index. */
  List<ZoneValue> values();

  /**
   * The values an index returned by a lookup stands for: one value, or for ip4set entries with the
   * same key at the same level several (rbldnsd answers them all).
   */
  default List<ZoneValue> valuesOf(int index) {
    return List.of(values().get(index));
  }

  /** The answer TTL from {@code $TTL} (rbldnsd's default 2100 s when absent), in seconds. */
  int ttlSeconds();

  /** Entries read from the file (lines with an address, range or name, exclusions included). */
  long entryCount();

  /** Keys stored in the exact structure, after ranges were decomposed. */
  long keyCount();

  /** Bytes used by the exact structure's arrays (not counting the Bloom filter). */
  long exactBytes();

  /** Bytes used by the Bloom filter's bit array. */
  long bloomBytes();
}
