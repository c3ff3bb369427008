package dev.mailfilter.dns.mirror;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * An IPv6 dataset (ip6trie, ip6tset): prefixes of any length, longest match wins, exclusions beat
 * wider listings. Per distinct prefix length the networks are two sorted {@code long[]} (high and
 * low 64 bits, unsigned order), searched longest length first.
 *
 * <p>The Bloom filter holds each positive prefix widened to the next multiple of 8 bits (at most
 * 128 keys per prefix), so "not listed" costs one probe per such length present in the data, and
 * every "maybe" is confirmed exactly.
 */
public final class Ip6Zone implements ZoneData {
  private final MirrorKind kind;
  private final List<ZoneValue> values;
  private final int ttlSeconds;
  private final long entryCount;
  private final int[] lengths;
  private final long[][] his;
  private final long[][] los;
  private final int[][] vals;
  private final int[] probeQuanta;
  private final BlockedBloomFilter bloom;

  private Ip6Zone(Builder b, double bitsPerKey) {
    this.kind = b.kind;
    this.values = ImmutableList.copyOf(b.values);
    this.ttlSeconds = b.ttlSeconds;
    this.entryCount = b.entries.size();
    TreeMap<Integer, List<long[]>> byLength = new TreeMap<>(Comparator.reverseOrder());
    for (long[] e : b.entries) {
      byLength.computeIfAbsent((int) e[2], k -> new ArrayList<>()).add(e);
    }
    int n = byLength.size();
    lengths = new int[n];
    his = new long[n][];
    los = new long[n][];
    vals = new int[n][];
    int li = 0;
    long positives = 0;
    boolean[] quantumPresent = new boolean[17];
    Comparator<long[]> order =
        Comparator.<long[]>comparingLong(e -> e[0] ^ Long.MIN_VALUE)
            .thenComparingLong(e -> e[1] ^ Long.MIN_VALUE)
            .thenComparingLong(e -> e[3]);
    for (var entry : byLength.entrySet()) {
      List<long[]> list = entry.getValue();
      list.sort(order);
      long[] h = new long[list.size()];
      long[] l = new long[list.size()];
      int[] v = new int[list.size()];
      int m = 0;
      for (long[] e : list) {
        if (m > 0 && h[m - 1] == e[0] && l[m - 1] == e[1]) {
          continue; // exclusion (-1) sorts first and wins a duplicate
        }
        h[m] = e[0];
        l[m] = e[1];
        v[m] = (int) e[3];
        if (v[m] >= 0) {
          positives += 1L << (quantum(entry.getKey()) - entry.getKey());
          quantumPresent[quantum(entry.getKey()) / 8] = true;
        }
        m++;
      }
      lengths[li] = entry.getKey();
      his[li] = Arrays.copyOf(h, m);
      los[li] = Arrays.copyOf(l, m);
      vals[li] = Arrays.copyOf(v, m);
      li++;
    }
    this.probeQuanta =
        java.util.stream.IntStream.rangeClosed(0, 16)
            .filter(i -> quantumPresent[i])
            .map(i -> i * 8)
            .toArray();
    this.bloom = BlockedBloomFilter.create(positives, bitsPerKey);
    for (int i = 0; i < n; i++) {
      int len = lengths[i];
      int q = quantum(len);
      int count = 1 << (q - len);
      for (int j = 0; j < his[i].length; j++) {
        if (vals[i][j] < 0) {
          continue;
        }
        for (int c = 0; c < count; c++) {
          long hi = his[i][j];
          long lo = los[i][j];
          if (q <= 64) {
            hi += q == 0 ? 0 : (long) c << (64 - q);
          } else {
            lo += (long) c << (128 - q);
          }
          bloom.putHash(hash(hi, lo, q));
        }
      }
    }
  }

  private static int quantum(int len) {
    return (len + 7) / 8 * 8;
  }

  private static long maskHi(int len) {
    return len >= 64 ? -1L : len == 0 ? 0 : -1L << (64 - len);
  }

  private static long maskLo(int len) {
    return len <= 64 ? 0 : -1L << (128 - len);
  }

  private static long hash(long hi, long lo, int q) {
    return BlockedBloomFilter.mix(hi ^ BlockedBloomFilter.mix(lo + q));
  }

  /** The index of the value listing the address (high, low 64 bits), or -1 when not listed. */
  public int lookup(long hi, long lo) {
    for (int q : probeQuanta) {
      if (bloom.mightContainHash(hash(hi & maskHi(q), lo & maskLo(q), q))) {
        return exactLookup(hi, lo);
      }
    }
    return -1;
  }

  /** The exact answer without the Bloom filter. */
  public int exactLookup(long hi, long lo) {
    for (int i = 0; i < lengths.length; i++) {
      long h = hi & maskHi(lengths[i]);
      long l = lo & maskLo(lengths[i]);
      int pos = find(his[i], los[i], h, l);
      if (pos >= 0) {
        return vals[i][pos];
      }
    }
    return -1;
  }

  private static int find(long[] hs, long[] ls, long h, long l) {
    int lo = 0;
    int hi = hs.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Long.compareUnsigned(hs[mid], h);
      if (c == 0) {
        c = Long.compareUnsigned(ls[mid], l);
      }
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

  @Override
  public MirrorKind kind() {
    return kind;
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
    long n = 0;
    for (long[] h : his) {
      n += h.length;
    }
    return n;
  }

  @Override
  public long exactBytes() {
    return keyCount() * 20;
  }

  @Override
  public long bloomBytes() {
    return bloom.sizeBytes();
  }

  /** Collects prefixes; not thread-safe. */
  static final class Builder {
    private final MirrorKind kind;
    private final List<long[]> entries = new ArrayList<>();
    List<ZoneValue> values = List.of(ZoneValue.DEFAULT);
    int ttlSeconds = 2100;

    Builder(MirrorKind kind) {
      this.kind = kind;
    }

    /** Adds a prefix; host bits are cleared; value -1 excludes. */
    void add(long hi, long lo, int len, int value) {
      entries.add(new long[] {hi & maskHi(len), lo & maskLo(len), len, value});
    }

    Ip6Zone build(double bitsPerKey) {
      return new Ip6Zone(this, bitsPerKey);
    }
  }
}
