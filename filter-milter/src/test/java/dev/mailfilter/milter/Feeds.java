package dev.mailfilter.milter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;

/** Ways of feeding bytes to a reader: whole, one byte per read, and in random splits. */
final class Feeds {
  private Feeds() {}

  /** A stream that hands out at most a few bytes per read, as a socket may. */
  static final class Chunked extends InputStream {
    private final byte[] data;
    private final SplittableRandom random;
    private final int maxChunk;
    private int pos;

    Chunked(byte[] data, long seed, int maxChunk) {
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

  /** The three feeds of one byte array. */
  static List<Function<byte[], InputStream>> all() {
    return List.of(
        bytes -> new java.io.ByteArrayInputStream(bytes),
        bytes -> new Chunked(bytes, 1, 1),
        bytes -> new Chunked(bytes, 42, 7));
  }

  static byte[] concat(List<Packet> packets) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    packets.forEach(p -> out.writeBytes(p.toBytes()));
    return out.toByteArray();
  }

  static List<Packet> readAll(InputStream in) throws IOException {
    PacketReader reader = PacketReader.of(in);
    List<Packet> packets = new ArrayList<>();
    for (Optional<Packet> p = reader.next(); p.isPresent(); p = reader.next()) {
      packets.add(p.get());
    }
    return packets;
  }
}
