package dev.mailfilter.milter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The small read buffer: packets of any size arrive whole, long ones without a detour. */
class ChannelInputTest {
  /** A channel over bytes that returns at most a random count per read and records each ask. */
  private static final class Chunky implements ReadableByteChannel {
    private final byte[] data;
    private final Random random;
    private int pos;
    final List<Integer> asks = new ArrayList<>();
    int listened;

    Chunky(byte[] data, long seed) {
      this.data = data;
      this.random = new Random(seed);
    }

    @Override
    public int read(ByteBuffer dst) {
      asks.add(dst.remaining());
      if (pos == data.length) {
        return -1;
      }
      int n = Math.min(Math.min(dst.remaining(), data.length - pos), 1 + random.nextInt(70_000));
      dst.put(data, pos, n);
      pos += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  private static byte[] packets(List<Packet> packets) {
    ByteBuffer out = ByteBuffer.allocate(packets.stream().mapToInt(p -> p.toBytes().length).sum());
    packets.forEach(p -> out.put(p.toBytes()));
    return out.array();
  }

  @Test
  void packetsSmallAndLargeArriveWholeInRandomSplits() throws IOException {
    for (long seed = 1; seed <= 20; seed++) {
      Random r = new Random(seed);
      List<Packet> sent = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        byte[] data =
            new byte[r.nextBoolean() ? r.nextInt(100) : r.nextInt(Milter.MILTER_CHUNK_SIZE + 1)];
        r.nextBytes(data);
        sent.add(new Packet('B', data));
      }
      Chunky channel = new Chunky(packets(sent), seed);
      int[] events = new int[2];
      ChannelInput in =
          new ChannelInput(
              channel,
              new ChannelInput.ReadListener() {
                @Override
                public void waiting() {
                  events[0]++;
                }

                @Override
                public void returned() {
                  events[1]++;
                }
              },
              MilterConnection.READ_BUFFER);
      PacketReader reader = PacketReader.of(in);
      for (Packet p : sent) {
        assertThat(reader.next()).as("seed %d", seed).contains(p);
      }
      assertThat(reader.next()).isEmpty();
      // Every read of the channel was announced and its return reported (for the watchdog and
      // TCP_QUICKACK), whether into the buffer or straight into a packet's array.
      assertThat(events[0]).isEqualTo(channel.asks.size()).isEqualTo(events[1]);
      // Small reads fill the 8 KiB buffer; no read asks for more than a packet's array holds.
      assertThat(channel.asks).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(1 << 17));
    }
  }
}
