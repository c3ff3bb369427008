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
 * <p>A {@link BlockedBloomFilter} over the positive keys fronts the arrays: "not listed" is decided
 * by at most one probe per prefix length present in the data, and every "maybe" is confirmed
 * against the arrays, so a Bloom false positive can never become a listing.
 */
public final class Ip4Zone implements ZoneData {
  private static final int[] QUANTA = {32, 24, 16, 8};
  private static final int INDEX_THRESHOLD = 4096;

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
  private final int[] probeMasks;
  private final long[] probeTags;
  private final BlockedBloomFilter bloom;

  private Ip4Zone(Builder b, double bitsPerKey) {
    this.kind = b.kind;
    this.values = ImmutableList.copyOf(b.values);
    this.groups = b.groups;
    this.ttlSeconds = b.ttlSeconds;
    this.entryCount = b.entries;
    long positives = 0;
    int[] probeQ = new int[4];
    int probes = 0;
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
      if (pos > 0) {
        probeQ[probes++] = qi;
        positives += pos;
      }
    }
    for (int[] g : groups) {
      List<ZoneValue> vs = new ArrayList<>();
      for (int i : g) {
        vs.add(values.get(i));
      }
      groupValues.add(List.copyOf(vs));
    }
    this.bloom = BlockedBloomFilter.create(positives, bitsPerKey);
    this.probeMasks = new int[probes];
    this.probeTags = new long[probes];
    for (int p = 0; p < probes; p++) {
      int qi = probeQ[p];
      probeMasks[p] = mask(QUANTA[qi]);
      probeTags[p] = tag(QUANTA[qi]);
      int[] k = keys[qi];
      for (int i = 0; i < k.length; i++) {
        if (valueAt(qi, i) >= 0) {
          bloom.putHash(hash(k[i], probeTags[p]));
        }
      }
    }
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

  private static long tag(int q) {
    return (long) q << 32;
  }

  private static long hash(int net, long tag) {
    return BlockedBloomFilter.mix(tag | (net & 0xffffffffL));
  }

  private int valueAt(int qi, int pos) {
    int[] v = vals[qi];
    return v == null ? uniform[qi] : v[pos];
  }

  /**
   * The index into {@link #values()} of the value listing {@code ip}, or -1 when not listed.
   * Consults the Bloom filter first, the exact arrays only on "maybe".
   */
  public int lookup(int ip) {
    int[] masks = probeMasks;
    long[] tags = probeTags;
    for (int p = 0; p < masks.length; p++) {
      if (bloom.mightContainHash(hash(ip & masks[p], tags[p]))) {
        return exactLookup(ip);
      }
    }
    return -1;
  }

  /** Whether the Bloom filter lets {@code ip} through to the exact check ("maybe listed"). */
  public boolean bloomMaybe(int ip) {
    for (int p = 0; p < probeMasks.length; p++) {
      if (bloom.mightContainHash(hash(ip & probeMasks[p], probeTags[p]))) {
        return true;
      }
    }
    return false;
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
