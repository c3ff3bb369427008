package dev.mailfilter.milter;

import dev.mailfilter.testkit.ChunkedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Ways of feeding bytes to a reader: whole, one byte per read, and in random splits. */
final class Feeds {
  private Feeds() {}

  /** The three feeds of one byte array. */
  static List<Function<byte[], InputStream>> all() {
    return List.of(
        bytes -> new java.io.ByteArrayInputStream(bytes),
        bytes -> new ChunkedInputStream(bytes, 1, 1),
        bytes -> new ChunkedInputStream(bytes, 42, 7));
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
