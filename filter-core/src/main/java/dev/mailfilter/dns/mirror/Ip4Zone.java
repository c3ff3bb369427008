package dev.mailfilter.dns.mirror;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An IPv4 dataset (ip4set, ip4tset) as rbldnsd stores it: every entry is decomposed into CIDR
 * blocks and each block widened to the next of four prefix lengths (/8, /16, /24, /32); a lookup
 * checks the most specific length first and the first match wins, so an exclusion of one address
 * beats the range around it. Per prefix length the keys are one sorted {@code int[]} (binary search
 * narrowed by a bucket index of about 8 keys per bucket on big arrays), values a parallel {@code
 * int[]} only when entries differ.
 *
 * <p>Three exact-or-conservative levels front the arrays, cheapest first, and every "maybe" is
 * confirmed against the arrays, so no level can ever produce a listing:
 *
 * <ol>
 *   <li>an occupancy bitmap over /16 prefixes (8 KB; /20 prefixes, 128 KB, from 2<sup>17</sup>
 *       positive keys on) with a bit set where any positive key lies in or covers the prefix:
 *       cache-resident, it ends most unlisted lookups when the data clusters, as real lists do;
 *   <li>an exact bitmap over /16 prefixes covered by a positive /16 or /8 key (only when the data
 *       has such keys): a set bit goes straight to the arrays;
 *   <li>a {@link BlockedBloomFilter} over the positive /24 and /32 keys whose block is chosen by
 *       the /24 prefix, so an address's /24 and /32 keys are read from one cache line: on data that
 *       defeats the first level (uniformly spread entries) an unlisted lookup costs one memory miss
 *       instead of one per prefix length.
 * </ol>
 *
 * <p>Blocking by /24 has one trap: a /24 holding many listed /32s (a range, a dense cluster) would
 * fill its block and raise the false-positive rate of every other /24 sharing it. Such a /24 (more
 * than {@value #DENSE} listed /32s) gets one "dense" marker key in its block instead of its /32
 * keys, and any address in it goes to the arrays.
 */
public final class Ip4Zone implements ZoneData {
  private static final int[] QUANTA = {32, 24, 16, 8};
  private static final int INDEX_THRESHOLD = 4096;

  /** More listed /32 keys than this in one /24 are replaced by one dense marker in the filter. */
  static final int DENSE = 16;

  private final MirrorKind kind;
  private final List<ZoneValue> values;
  private final List<List<ZoneValue>> groupValues = new ArrayList<>();
  private final List<int[]> groups;
  private final int ttlSeconds;
  private final long entryCount;
  private final int[][] keys = new int[4][];
  private final int[][] vals = new int[4][];
  private final int[] uniform = new int[4];
  private final int[][] index = new int[4][];
  private final int[] indexShift = new int[4];
  private final long[] level1;
  private final int level1Shift;
  private final long[] cover16;
  private final boolean has24;
  private final boolean has32;
  private final boolean hasDense;
  private final int dense24Count;
  private final BlockedBloomFilter bloom;

  /** A copy sharing the exact arrays with a front rebuilt at another first-level resolution. */
  private Ip4Zone(Ip4Zone src, int level1Bits, double bitsPerKey) {
    this.kind = src.kind;
    this.values = src.values;
    this.groupValues.addAll(src.groupValues);
    this.groups = src.groups;
    this.ttlSeconds = src.ttlSeconds;
    this.entryCount = src.entryCount;
    for (int qi = 0; qi < 4; qi++) {
      keys[qi] = src.keys[qi];
      vals[qi] = src.vals[qi];
      uniform[qi] = src.uniform[qi];
      index[qi] = src.index[qi];
      indexShift[qi] = src.indexShift[qi];
    }
    Front f = buildFront(level1Bits, bitsPerKey);
    this.level1 = f.level1;
    this.level1Shift = 32 - level1Bits;
    this.cover16 = f.cover16;
    this.has24 = f.has24;
    this.has32 = f.has32;
    this.hasDense = f.dense > 0;
    this.dense24Count = f.dense;
    this.bloom = f.bloom;
  }

  private Ip4Zone(Builder b, double bitsPerKey) {
    this.kind = b.kind;
    this.values = ImmutableList.copyOf(b.values);
    this.groups = b.groups;
    this.ttlSeconds = b.ttlSeconds;
    this.entryCount = b.entries;
    long positives = 0;
    for (int qi = 0; qi < 4; qi++) {
      long[] packed = b.packed[qi];
      int n = b.sizes[qi];
      if (n == 0) {
        continue;
      }
      Arrays.parallelSort(packed, 0, n);
      int[] k = new int[n];
      int[] v = new int[n];
      int m = 0;
      boolean same = true;
      int pos = 0;
      for (int i = 0; i < n; ) {
        int key = (int) (packed[i] >>> 32) ^ Integer.MIN_VALUE;
        // The low half holds value + 1, so an exclusion (0) sorts first and wins its key; other
        // duplicates are all answered, as rbldnsd does.
        int j = i;
        int distinct = 0;
        int last = Integer.MIN_VALUE;
        while (j < n && ((int) (packed[j] >>> 32) ^ Integer.MIN_VALUE) == key) {
          int v1 = (int) packed[j] - 1;
          if (v1 != last) {
            distinct++;
            last = v1;
          }
          j++;
        }
        int value = (int) packed[i] - 1;
        if (value >= 0 && distinct > 1) {
          int[] group = new int[distinct];
          int g = 0;
          int prev = Integer.MIN_VALUE;
          for (int x = i; x < j; x++) {
            int v1 = (int) packed[x] - 1;
            if (v1 != prev) {
              group[g++] = v1;
              prev = v1;
            }
          }
          value = b.group(group);
        }
        i = j;
        k[m] = key;
        v[m] = value;
        if (v[m] != v[0]) {
          same = false;
        }
        if (v[m] >= 0) {
          pos++;
        }
        m++;
      }
      b.packed[qi] = null;
      keys[qi] = m == n ? k : Arrays.copyOf(k, m);
      if (same) {
        uniform[qi] = v[0];
      } else {
        vals[qi] = m == n ? v : Arrays.copyOf(v, m);
      }
      if (m >= INDEX_THRESHOLD) {
        indexShift[qi] = 32 - indexBits(m);
        index[qi] = bucketIndex(keys[qi], 32 - indexShift[qi]);
      }
      positives += pos;
    }
    for (int[] g : groups) {
      List<ZoneValue> vs = new ArrayList<>();
      for (int i : g) {
        vs.add(values.get(i));
      }
      groupValues.add(List.copyOf(vs));
    }
    int level1Bits = positives >= 1 << 17 ? 20 : 16;
    Front f = buildFront(level1Bits, bitsPerKey);
    this.level1 = f.level1;
    this.level1Shift = 32 - level1Bits;
    this.cover16 = f.cover16;
    this.has24 = f.has24;
    this.has32 = f.has32;
    this.hasDense = f.dense > 0;
    this.dense24Count = f.dense;
    this.bloom = f.bloom;
  }

  private record Front(
      long[] level1,
      long[] cover16,
      boolean has24,
      boolean has32,
      int dense,
      BlockedBloomFilter bloom) {}

  /** Builds the levels in front of the arrays from the positive keys (exclusions never listed). */
  private Front buildFront(int level1Bits, double bitsPerKey) {
    long[] l1 = new long[Math.max(1, (1 << level1Bits) >>> 6)];
    long[] c16 = null;
    long finePositives = 0;
    boolean any24 = false;
    for (int qi = 0; qi < 4; qi++) {
      int[] k = keys[qi];
      if (k == null) {
        continue;
      }
      int q = QUANTA[qi];
      for (int i = 0; i < k.length; i++) {
        if (valueAt(qi, i) < 0) {
          continue;
        }
        // A key shorter than the level covers 2^(bits - q) of its prefixes.
        setRange(l1, k[i] >>> (32 - level1Bits), q >= level1Bits ? 1 : 1 << (level1Bits - q));
        if (q <= 16) {
          if (c16 == null) {
            c16 = new long[1 << 10];
          }
          setRange(c16, k[i] >>> 16, 1 << (16 - q));
        } else {
          finePositives++;
          any24 |= q == 24;
        }
      }
    }
    BlockedBloomFilter f = BlockedBloomFilter.create(finePositives, bitsPerKey);
    int dense = 0;
    boolean sparse32 = false;
    int[] k32 = keys[0];
    if (k32 != null) {
      // Keys are in unsigned order, so the /32 keys of one /24 are adjacent.
      for (int i = 0; i < k32.length; ) {
        int j = i;
        int listed = 0;
        while (j < k32.length && (k32[j] >>> 8) == (k32[i] >>> 8)) {
          listed += valueAt(0, j) >= 0 ? 1 : 0;
          j++;
        }
        long h = blockHash(k32[i]);
        if (listed > DENSE) {
          f.putSplit(h, selectorDense(h));
          dense++;
        } else {
          for (int x = i; x < j; x++) {
            if (valueAt(0, x) >= 0) {
              f.putSplit(h, selector32(h, k32[x]));
              sparse32 = true;
            }
          }
        }
        i = j;
      }
    }
    int[] k24 = keys[1];
    if (k24 != null) {
      for (int i = 0; i < k24.length; i++) {
        if (valueAt(1, i) >= 0) {
          long h = blockHash(k24[i]);
          f.putSplit(h, h);
        }
      }
    }
    return new Front(l1, c16, any24, sparse32, dense, f);
  }

  private static void setRange(long[] bits, int from, int count) {
    for (int i = from; i < from + count; i++) {
      bits[i >>> 6] |= 1L << i;
    }
  }

  /** How many /24s are represented in the Bloom filter by a dense marker (for tests). */
  int dense24Count() {
    return dense24Count;
  }

  /**
   * The same zone with its first level at {@code level1Bits} (8 to 24) instead of the automatic
   * choice, sharing the exact arrays: lets tests exercise every resolution on small data.
   */
  Ip4Zone withLevel1Bits(int level1Bits, double bitsPerKey) {
    if (level1Bits < 8 || level1Bits > 24) {
      throw new IllegalArgumentException("level1Bits must be in [8, 24]: " + level1Bits);
    }
    return new Ip4Zone(this, level1Bits, bitsPerKey);
  }

  /**
   * Bucket index over the top bits of the keys, about 8 keys per bucket, so that a search ends in
   * one or two cache lines instead of ~20 binary-search steps across the array.
   */
  private static int indexBits(int n) {
    int bits = 32 - Integer.numberOfLeadingZeros(Math.max(1, n / 8));
    return Math.max(8, Math.min(24, bits));
  }

  private static int[] bucketIndex(int[] k, int bits) {
    int buckets = 1 << bits;
    int shift = 32 - bits;
    int[] idx = new int[buckets + 1];
    int b = 0;
    for (int i = 0; i < k.length; i++) {
      int bucket = k[i] >>> shift;
      while (b <= bucket) {
        idx[b++] = i;
      }
    }
    while (b <= buckets) {
      idx[b++] = k.length;
    }
    return idx;
  }

  private static int mask(int q) {
    return q == 0 ? 0 : -1 << (32 - q);
  }

  /** The hash of an address's /24 prefix: picks the Bloom block and the /24 key's bits. */
  private static long blockHash(int ip) {
    return BlockedBloomFilter.mix((24L << 32) | (ip >>> 8));
  }

  /** The dense marker's bits, derived from the /24 hash. */
  private static long selectorDense(long blockHash) {
    return BlockedBloomFilter.mix(blockHash ^ 0x632be59bd9b4e019L);
  }

  /** The /32 key's bits, derived from its /24 hash (one more mix, no second block). */
  private static long selector32(long blockHash, int ip) {
    return BlockedBloomFilter.mix(blockHash + ((ip & 0xffL) + 1) * 0x9e3779b97f4a7c15L);
  }

  private int valueAt(int qi, int pos) {
    int[] v = vals[qi];
    return v == null ? uniform[qi] : v[pos];
  }

  /**
   * The index into {@link #values()} of the value listing {@code ip}, or -1 when not listed.
   * Consults the levels in front first, the exact arrays only on "maybe".
   */
  public int lookup(int ip) {
    return maybe(ip) ? exactLookup(ip) : -1;
  }

  /**
   * Whether the levels in front of the arrays (first-level bitmap, /16 cover, Bloom filter) let
   * {@code ip} through to the exact check ("maybe listed"); {@code false} is certain.
   */
  public boolean bloomMaybe(int ip) {
    return maybe(ip);
  }

  private boolean maybe(int ip) {
    int i1 = ip >>> level1Shift;
    if ((level1[i1 >>> 6] & (1L << i1)) == 0) {
      return false;
    }
    long[] c = cover16;
    if (c != null && (c[ip >>> 22] & (1L << (ip >>> 16))) != 0) {
      return true;
    }
    if (!has32 && !has24 && !hasDense) {
      return false;
    }
    long h = blockHash(ip);
    // A kind of key absent from the data is not probed (it could only add false positives): its
    // slot repeats another probe.
    long s24 = has24 ? h : has32 ? selector32(h, ip) : selectorDense(h);
    long s32 = has32 ? selector32(h, ip) : s24;
    return bloom.mightContainAny(h, s24, s32, hasDense ? selectorDense(h) : s24);
  }

  /** The exact answer without the Bloom filter: the index of the value, or -1 when not listed. */
  public int exactLookup(int ip) {
    for (int qi = 0; qi < 4; qi++) {
      int[] k = keys[qi];
      if (k == null) {
        continue;
      }
      int key = ip & mask(QUANTA[qi]);
      int pos = find(qi, k, key);
      if (pos >= 0) {
        return valueAt(qi, pos);
      }
    }
    return -1;
  }

  private int find(int qi, int[] k, int key) {
    int[] idx = index[qi];
    if (idx != null) {
      int bucket = key >>> indexShift[qi];
      // Within one bucket all keys share their sign bit, so signed comparison orders them.
      int pos = Arrays.binarySearch(k, idx[bucket], idx[bucket + 1], key);
      return pos >= 0 ? pos : -1;
    }
    int lo = 0;
    int hi = k.length - 1;
    int flipped = key ^ Integer.MIN_VALUE;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Integer.compare(k[mid] ^ Integer.MIN_VALUE, flipped);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  /**
   * A copy of the keys stored at prefix length {@code q} (32, 24, 16 or 8), exclusions included,
   * for building comparison structures in benchmarks and tests.
   */
  public int[] keysAt(int q) {
    for (int qi = 0; qi < 4; qi++) {
      if (QUANTA[qi] == q) {
        return keys[qi] == null ? new int[0] : keys[qi].clone();
      }
    }
    throw new IllegalArgumentException("prefix length must be 32, 24, 16 or 8: " + q);
  }

  @Override
  public MirrorKind kind() {
    return kind;
  }

  @Override
  public List<ZoneValue> values() {
    return values;
  }

  @Override
  public List<ZoneValue> valuesOf(int index) {
    return index < values.size()
        ? List.of(values.get(index))
        : groupValues.get(index - values.size());
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
    long n = 0;
    for (int[] k : keys) {
      n += k == null ? 0 : k.length;
    }
    return n;
  }

  @Override
  public long exactBytes() {
    long n = 0;
    for (int qi = 0; qi < 4; qi++) {
      n += keys[qi] == null ? 0 : 4L * keys[qi].length;
      n += vals[qi] == null ? 0 : 4L * vals[qi].length;
      n += index[qi] == null ? 0 : 4L * index[qi].length;
    }
    return n;
  }

  @Override
  public long bloomBytes() {
    return bloom.sizeBytes();
  }

  /** The bytes of the cache-resident levels before the Bloom filter (occupancy and /16 cover). */
  public long firstLevelBytes() {
    return 8L * level1.length + (cover16 == null ? 0 : 8L * cover16.length);
  }

  /** Collects entries; not thread-safe; {@link #build} once. */
  static final class Builder {
    private final MirrorKind kind;
    private final long[][] packed = new long[4][];
    private final int[] sizes = new int[4];
    List<ZoneValue> values = List.of(ZoneValue.DEFAULT);
    int ttlSeconds = 2100;
    long entries;
    private final List<int[]> groups = new ArrayList<>();
    private final Map<List<Integer>, Integer> groupIndex = new HashMap<>();

    /** The index standing for several values answered together (after the single values). */
    int group(int[] members) {
      List<Integer> key = Arrays.stream(members).boxed().toList();
      Integer i = groupIndex.get(key);
      if (i == null) {
        i = values.size() + groups.size();
        groups.add(members);
        groupIndex.put(key, i);
      }
      return i;
    }

    Builder(MirrorKind kind) {
      this.kind = kind;
      for (int i = 0; i < 4; i++) {
        packed[i] = new long[16];
      }
    }

    /** Adds the inclusive range [lo, hi] (unsigned 32-bit values in longs); value -1 excludes. */
    void addRange(long lo, long hi, int value) {
      entries++;
      while (lo <= hi) {
        // The largest aligned block starting at lo that does not pass hi.
        int size = lo == 0 ? 32 : Long.numberOfTrailingZeros(lo);
        while (size > 0 && lo + (1L << size) - 1 > hi) {
          size--;
        }
        addBlock((int) lo, 32 - size, value);
        lo += 1L << size;
      }
    }

    private void addBlock(int net, int len, int value) {
      int qi = len > 24 ? 0 : len > 16 ? 1 : len > 8 ? 2 : 3;
      int q = QUANTA[qi];
      // A block is split into 2^(q - len) keys of the quantum length (at most 256, for a /0).
      int count = 1 << (q - len);
      long low = (value + 1) & 0xffffffffL;
      int step = q == 32 ? 1 : 1 << (32 - q);
      for (int i = 0; i < count; i++) {
        int key = net + i * step;
        append(qi, ((long) (key ^ Integer.MIN_VALUE) << 32) | low);
      }
    }

    private void append(int qi, long v) {
      if (sizes[qi] == packed[qi].length) {
        packed[qi] =
            Arrays.copyOf(packed[qi], Math.max(16, packed[qi].length + (packed[qi].length >> 1)));
      }
      packed[qi][sizes[qi]++] = v;
    }

    Ip4Zone build(double bitsPerKey) {
      return new Ip4Zone(this, bitsPerKey);
    }
  }
}
