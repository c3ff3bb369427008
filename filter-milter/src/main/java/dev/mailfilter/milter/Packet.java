package dev.mailfilter.milter;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One milter packet: a command (or reply) byte and its data, without the length prefix.
 *
 * @param code the command or reply byte, e.g. {@link Milter#SMFIC_HEADER}
 * @param data the bytes after the code; owned by the packet, not copied on access
 */
record Packet(char code, byte[] data) {
  /** Checks the code fits in a byte and the packet in a signed 32-bit length. */
  public Packet {
    if (code > 0xff) {
      throw new IllegalArgumentException("milter packet code must be one byte, got U+" + hex(code));
    }
    if (data.length > Integer.MAX_VALUE - 1) {
      throw new IllegalArgumentException("milter packet data too long: " + data.length);
    }
  }

  /** The packet as it goes on the wire: 4-byte big-endian length (code included), code, data. */
  public byte[] toBytes() {
    ByteBuffer out = ByteBuffer.allocate(Milter.MILTER_LEN_BYTES + 1 + data.length);
    out.putInt(1 + data.length).put((byte) code).put(data);
    return out.array();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Packet p && p.code == code && Arrays.equals(p.data, data);
  }

  @Override
  public int hashCode() {
    return 31 * code + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Packet['" + code + "', " + HexFormat.of().formatHex(data) + "]";
  }

  private static String hex(char c) {
    return Integer.toHexString(c);
  }
}
