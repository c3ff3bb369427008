package dev.mailfilter.testkit;

import java.io.InputStream;
import java.util.SplittableRandom;

/**
 * A stream over a byte array that hands out at most a few bytes per read, in seeded random sizes,
 * as a socket may: codec tests feed their input through it to show that no read boundary matters.
 */
public final class ChunkedInputStream extends InputStream {
  private final byte[] data;
  private final SplittableRandom random;
  private final int maxChunk;
  private int pos;

  /**
   * @param data the bytes to hand out (not copied)
   * @param seed the seed of the read sizes, so that a failing split can be replayed
   * @param maxChunk the most bytes one read returns (at least 1)
   */
  public ChunkedInputStream(byte[] data, long seed, int maxChunk) {
    if (maxChunk < 1) {
      throw new IllegalArgumentException("maxChunk must be at least 1, got " + maxChunk);
    }
    this.data = data;
    this.random = new SplittableRandom(seed);
    this.maxChunk = maxChunk;
  }

  @Override
  public int read() {
    return pos < data.length ? data[pos++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    if (pos == data.length) {
      return -1;
    }
    int n = Math.min(Math.min(len, data.length - pos), 1 + random.nextInt(maxChunk));
    System.arraycopy(data, pos, b, off, n);
    pos += n;
    return n;
  }
}
