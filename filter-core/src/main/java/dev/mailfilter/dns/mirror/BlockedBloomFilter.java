package dev.mailfilter.dns.mirror;

import com.google.common.base.Preconditions;

/**
 * A cache-line-blocked ("split block") Bloom filter over 64-bit keys: every key sets one bit in
 * each of the 8 words of one 512-bit block, so a probe reads one block (one or two cache lines)
 * with no allocation and no branch per bit.
 *
 * <p>Why not Guava's {@code BloomFilter}: its {@code mightContain} hashes through a {@code Funnel}
 * and a {@code Hasher} (murmur3-128, allocating per probe) and spreads a key's bits over the whole
 * array (one cache miss per bit); docs/performance.md, "DNS blocklists: mirror lookups", has the
 * measured comparison. The price of blocking is a slightly higher false-positive rate for the same
 * size.
 *
 * <p>Not thread-safe while being filled; safely shareable once published (the mirror publishes it
 * through a volatile reference after loading).
 */
public final class BlockedBloomFilter {
  private static final int WORDS_PER_BLOCK = 8;

  private final long[] words;
  private final long blocks;
  private long keys;

  private BlockedBloomFilter(long blocks) {
    this.blocks = blocks;
    this.words = new long[Math.toIntExact(blocks * WORDS_PER_BLOCK)];
  }

  /**
   * Creates an empty filter sized for {@code expectedKeys} keys at {@code bitsPerKey} bits each (at
   * least one block). 12 bits per key gives about 0.6 % false positives, 16 about 0.15 %.
   */
  public static BlockedBloomFilter create(long expectedKeys, double bitsPerKey) {
    Preconditions.checkArgument(expectedKeys >= 0, "expectedKeys must be >= 0: %s", expectedKeys);
    Preconditions.checkArgument(
        bitsPerKey >= 1 && bitsPerKey <= 64, "bitsPerKey must be in [1, 64]: %s", bitsPerKey);
    long bits = (long) Math.ceil(expectedKeys * bitsPerKey);
    long blocks = Math.max(1, (bits + 511) / 512);
    Preconditions.checkArgument(
        blocks * WORDS_PER_BLOCK <= Integer.MAX_VALUE - 8,
        "too many keys for one filter: %s",
        expectedKeys);
    return new BlockedBloomFilter(blocks);
  }

  /** A strong 64-bit mixer (the murmur3 finaliser), the hash of a raw key. */
  public static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  /** Adds a raw key (hashed with {@link #mix}). */
  public void put(long key) {
    putHash(mix(key));
  }

  /** Whether a raw key may have been added; {@code false} is certain. */
  public boolean mightContain(long key) {
    return mightContainHash(mix(key));
  }

  /** Adds a key that is already a well-mixed 64-bit hash. */
  public void putHash(long hash) {
    int base = blockBase(hash);
    long bits = bitSelector(hash);
    long[] w = words;
    for (int i = 0; i < WORDS_PER_BLOCK; i++) {
      w[base + i] |= 1L << (bits >>> (6 * i));
    }
    keys++;
  }

  /** Whether a well-mixed 64-bit hash may have been added; {@code false} is certain. */
  public boolean mightContainHash(long hash) {
    int base = blockBase(hash);
    long bits = bitSelector(hash);
    long[] w = words;
    // Branch-free: AND the 8 selected bits; a random miss costs no mispredicted branch.
    long r =
        (w[base] >>> bits)
            & (w[base + 1] >>> (bits >>> 6))
            & (w[base + 2] >>> (bits >>> 12))
            & (w[base + 3] >>> (bits >>> 18))
            & (w[base + 4] >>> (bits >>> 24))
            & (w[base + 5] >>> (bits >>> 30))
            & (w[base + 6] >>> (bits >>> 36))
            & (w[base + 7] >>> (bits >>> 42));
    return (r & 1) != 0;
  }

  /**
   * Adds a key whose block is chosen by {@code blockHash} and whose 8 bits by {@code selector}:
   * keys that share a block hash (an address's /24 and /32 keys) land in one block, so one probe
   * reads both from one cache line.
   */
  void putSplit(long blockHash, long selector) {
    int base = blockBase(blockHash);
    long bits = bitSelector(selector);
    long[] w = words;
    for (int i = 0; i < WORDS_PER_BLOCK; i++) {
      w[base + i] |= 1L << (bits >>> (6 * i));
    }
    keys++;
  }

  /**
   * Whether any of three keys added with {@link #putSplit} under the same {@code blockHash} may be
   * present; one block read for all, branch-free. {@code false} is certain for all three.
   */
  boolean mightContainAny(long blockHash, long selector1, long selector2, long selector3) {
    int base = blockBase(blockHash);
    long a = bitSelector(selector1);
    long b = bitSelector(selector2);
    long c = bitSelector(selector3);
    long[] w = words;
    long w0 = w[base];
    long w1 = w[base + 1];
    long w2 = w[base + 2];
    long w3 = w[base + 3];
    long w4 = w[base + 4];
    long w5 = w[base + 5];
    long w6 = w[base + 6];
    long w7 = w[base + 7];
    long ra =
        (w0 >>> a)
            & (w1 >>> (a >>> 6))
            & (w2 >>> (a >>> 12))
            & (w3 >>> (a >>> 18))
            & (w4 >>> (a >>> 24))
            & (w5 >>> (a >>> 30))
            & (w6 >>> (a >>> 36))
            & (w7 >>> (a >>> 42));
    long rb =
        (w0 >>> b)
            & (w1 >>> (b >>> 6))
            & (w2 >>> (b >>> 12))
            & (w3 >>> (b >>> 18))
            & (w4 >>> (b >>> 24))
            & (w5 >>> (b >>> 30))
            & (w6 >>> (b >>> 36))
            & (w7 >>> (b >>> 42));
    long rc =
        (w0 >>> c)
            & (w1 >>> (c >>> 6))
            & (w2 >>> (c >>> 12))
            & (w3 >>> (c >>> 18))
            & (w4 >>> (c >>> 24))
            & (w5 >>> (c >>> 30))
            & (w6 >>> (c >>> 36))
            & (w7 >>> (c >>> 42));
    return ((ra | rb | rc) & 1) != 0;
  }

  private int blockBase(long hash) {
    // Lemire's multiply-shift reduction of the high 32 bits onto [0, blocks).
    return (int) (((hash >>> 32) * blocks) >>> 32) * WORDS_PER_BLOCK;
  }

  private static long bitSelector(long hash) {
    // The low 32 bits are not used for the block; re-mix them to get 48 independent bits.
    return (hash ^ (hash >>> 29)) * 0xbf58476d1ce4e5b9L;
  }

  /** The size of the bit array in bytes. */
  public long sizeBytes() {
    return (long) words.length * Long.BYTES;
  }

  /** How many keys were added (duplicates counted). */
  public long keyCount() {
    return keys;
  }
}
