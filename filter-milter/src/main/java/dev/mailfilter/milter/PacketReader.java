package dev.mailfilter.milter;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Reads milter packets from a stream, one at a time, checking each announced length against a
 * maximum before reading (or allocating) anything for it.
 *
 * <p>Not thread-safe: one reader per connection.
 */
final class PacketReader {
  /**
   * The default largest packet: 1 MiB plus 64 KiB. Body chunks are at most 65,535 bytes, but a
   * single header packet can carry Postfix's whole {@code header_size_limit} (102,400 bytes by
   * default) and Sendmail may send up to 1 MiB when {@code SMFIP_MDS_1M} is negotiated.
   */
  public static final int DEFAULT_MAX_LENGTH = (1 << 20) + (1 << 16);

  private final InputStream in;
  private final int maxLength;

  private PacketReader(InputStream in, int maxLength) {
    this.in = in;
    this.maxLength = maxLength;
  }

  /** A reader that refuses packets longer than {@link #DEFAULT_MAX_LENGTH}. */
  public static PacketReader of(InputStream in) {
    return of(in, DEFAULT_MAX_LENGTH);
  }

  /**
   * A reader that refuses packets whose length (command byte included) is above {@code maxLength}.
   *
   * @throws IllegalArgumentException if {@code maxLength} is below 1
   */
  public static PacketReader of(InputStream in, int maxLength) {
    if (in == null) {
      throw new NullPointerException("in");
    }
    if (maxLength < 1) {
      throw new IllegalArgumentException("maxLength must be at least 1, got " + maxLength);
    }
    return new PacketReader(in, maxLength);
  }

  /**
   * The next packet, or empty when the stream ends cleanly between packets.
   *
   * @throws MilterProtocolException if the length is 0 or above the maximum, or the stream ends
   *     inside a packet
   * @throws IOException if reading fails
   */
  public Optional<Packet> next() throws IOException {
    byte[] prefix = new byte[Milter.MILTER_LEN_BYTES];
    int got = in.readNBytes(prefix, 0, prefix.length);
    if (got == 0) {
      return Optional.empty();
    }
    if (got < prefix.length) {
      throw new MilterProtocolException(
          "connection closed after " + got + " of the 4 bytes of a milter packet length");
    }
    long length =
        ((prefix[0] & 0xffL) << 24)
            | ((prefix[1] & 0xff) << 16)
            | ((prefix[2] & 0xff) << 8)
            | (prefix[3] & 0xff);
    if (length == 0) {
      throw new MilterProtocolException("milter packet length 0: every packet has a command byte");
    }
    if (length > maxLength) {
      throw new MilterProtocolException(
          "milter packet length "
              + length
              + " is over the limit of "
              + maxLength
              + " bytes"
              + asciiHint(prefix));
    }
    byte[] packet = in.readNBytes((int) length);
    if (packet.length < length) {
      throw new MilterProtocolException(
          "connection closed after "
              + packet.length
              + " of the "
              + length
              + " bytes of a milter packet"
              + (packet.length > 0 ? " (command '" + (char) (packet[0] & 0xff) + "')" : ""));
    }
    byte[] data = new byte[packet.length - 1];
    System.arraycopy(packet, 1, data, 0, data.length);
    return Optional.of(new Packet((char) (packet[0] & 0xff), data));
  }

  /**
   * The next command, or empty at a clean end of stream.
   *
   * @throws MilterProtocolException if the packet is malformed or not a command
   * @throws IOException if reading fails
   */
  public Optional<Command> nextCommand() throws IOException {
    Optional<Packet> packet = next();
    return packet.isEmpty() ? Optional.empty() : Optional.of(Command.decode(packet.get()));
  }

  // A length made of printable ASCII is almost always a text protocol on the wrong port (an HTTP
  // request, an SMTP client); saying so saves the reader of the log a hex dump.
  private static String asciiHint(byte[] prefix) {
    StringBuilder text = new StringBuilder();
    for (byte b : prefix) {
      if (b < 0x20 || b > 0x7e) {
        return "";
      }
      text.append((char) b);
    }
    return " (it reads as the text \"" + text + "\": is a non-milter client on this port?)";
  }
}
