package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.US_ASCII;

import com.google.common.net.InetAddresses;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads the PROXY protocol header (HAProxy's {@code proxy-protocol.txt}, versions 1 and 2) that a
 * load balancer sends before the client's first byte, and nothing after it: the bytes that follow
 * stay in the stream for the SMTP reader.
 *
 * <p>Strict, as the specification asks of a receiver: a version 1 line must end with CRLF within
 * 107 octets, with single spaces, {@code TCP4} or {@code TCP6}, canonical addresses and ports
 * without leading zeros; {@code UNKNOWN} keeps the socket's endpoints. A version 2 header must
 * carry version 2, command {@code LOCAL} or {@code PROXY}, a known family and protocol, and an
 * address block as long as the family needs; TLVs after the addresses are skipped unread, up to
 * {@link #MAX_V2_LENGTH}. Anything else is {@link Result.Malformed}, never an exception.
 */
final class ProxyHeader {
  /** The version 2 signature, the first 12 octets of a binary header. */
  static final byte[] V2_SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  /** The longest version 1 line with its CRLF (the specification's worst case). */
  static final int MAX_V1_LENGTH = 107;

  /**
   * The longest version 2 address block with TLVs that we accept. HAProxy's own TLVs (ALPN,
   * authority, unique id of up to 128 octets, SSL with its sub-TLVs) stay far below it; a longer
   * block is more likely garbage than a balancer.
   */
  static final int MAX_V2_LENGTH = 2048;

  private static final byte[] V1_PREFIX = "PROXY ".getBytes(US_ASCII);

  private ProxyHeader() {}

  /** What the header said. */
  sealed interface Result {
    /**
     * The connection was relayed for a client: use these endpoints.
     *
     * @param version 1 or 2
     * @param source the client's address and port
     * @param destination the address and port the client connected to
     */
    record Proxied(int version, InetSocketAddress source, InetSocketAddress destination)
        implements Result {
      public Proxied {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
      }
    }

    /**
     * A valid header that names no client (version 2 {@code LOCAL}, e.g. a health check; version 1
     * {@code UNKNOWN}; a family we do not take, such as {@code AF_UNIX}): keep the socket's
     * endpoints.
     *
     * @param version 1 or 2
     */
    record Local(int version) implements Result {}

    /**
     * Not a valid header, or the stream ended inside it: close the connection.
     *
     * @param reason what was wrong, for the one log line
     */
    record Malformed(String reason) implements Result {
      public Malformed {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /**
   * Reads one header from the start of a connection, consuming exactly its octets.
   *
   * @throws IOException if reading fails (a read timeout included)
   */
  static Result read(InputStream in) throws IOException {
    Objects.requireNonNull(in, "in");
    int first = in.read();
    if (first < 0) {
      return new Result.Malformed("connection closed before the PROXY header");
    }
    if (first == 'P') {
      return readV1(in);
    }
    if (first == 0x0D) {
      return readV2(in);
    }
    return new Result.Malformed(
        "no PROXY header: the connection starts with " + printable(new byte[] {(byte) first}, 1));
  }

  private static Result readV1(InputStream in) throws IOException {
    byte[] line = new byte[MAX_V1_LENGTH];
    line[0] = 'P';
    int n = 1;
    while (true) {
      if (n == MAX_V1_LENGTH) {
        return new Result.Malformed("PROXY v1 line without CRLF in " + MAX_V1_LENGTH + " octets");
      }
      int b = in.read();
      if (b < 0) {
        return new Result.Malformed("connection closed inside the PROXY v1 line");
      }
      line[n++] = (byte) b;
      // The prefix is checked as it arrives, so that an SMTP client ("PING") is refused at once.
      if (n <= V1_PREFIX.length && b != V1_PREFIX[n - 1]) {
        return new Result.Malformed("not a PROXY header: starts with " + printable(line, n));
      }
      if (b == '\n') {
        if (line[n - 2] != '\r') {
          return new Result.Malformed("PROXY v1 line ends with a bare LF");
        }
        return parseV1(new String(line, 0, n - 2, US_ASCII));
      }
      if (line[n - 2] == '\r') {
        return new Result.Malformed("bare CR in the PROXY v1 line");
      }
    }
  }

  /** Parses {@code PROXY TCP4 src dst sport dport}, the line without its CRLF. */
  static Result parseV1(String line) {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return new Result.Malformed("PROXY v1 line holds a control or non-ASCII octet");
      }
    }
    String[] f = line.split(" ", -1);
    if (f.length >= 2 && f[0].equals("PROXY") && f[1].equals("UNKNOWN")) {
      return new Result.Local(1); // the rest of the line is to be ignored
    }
    if (f.length != 6 || !f[0].equals("PROXY")) {
      return new Result.Malformed(
          "PROXY v1 line is not \"PROXY TCP4|TCP6 SRC DST SPORT DPORT\": \"" + line + "\"");
    }
    boolean v4;
    switch (f[1]) {
      case "TCP4" -> v4 = true;
      case "TCP6" -> v4 = false;
      default -> {
        return new Result.Malformed("PROXY v1 protocol must be TCP4, TCP6 or UNKNOWN: " + f[1]);
      }
    }
    InetAddress source = v1Address(f[2], v4);
    InetAddress destination = v1Address(f[3], v4);
    int sourcePort = v1Port(f[4]);
    int destinationPort = v1Port(f[5]);
    if (source == null || destination == null) {
      return new Result.Malformed(
          "PROXY v1 address is not a canonical "
              + (v4 ? "IPv4" : "IPv6")
              + " address: \""
              + line
              + "\"");
    }
    if (sourcePort < 0 || destinationPort < 0) {
      return new Result.Malformed("PROXY v1 port is not 0..65535 without leading zeros: " + line);
    }
    return new Result.Proxied(
        1,
        new InetSocketAddress(source, sourcePort),
        new InetSocketAddress(destination, destinationPort));
  }

  // Four decimal numbers 0..255 without leading zeros for TCP4; hex groups and "::" for TCP6.
  private static InetAddress v1Address(String text, boolean v4) {
    if (v4) {
      String[] parts = text.split("\\.", -1);
      if (parts.length != 4) {
        return null;
      }
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        int n = decimal(parts[i], 3);
        if (n < 0 || n > 255) {
          return null;
        }
        b[i] = (byte) n;
      }
      return byAddress(b);
    }
    if (text.indexOf(':') < 0
        || text.indexOf('.') >= 0
        || text.indexOf('%') >= 0
        || !InetAddresses.isInetAddress(text)) {
      return null;
    }
    // Guava returns an Inet4Address for "::ffff:a:b"; the client's IPv4 address is what we want.
    return InetAddresses.forString(text);
  }

  private static int v1Port(String text) {
    int n = decimal(text, 5);
    return n > 65535 ? -1 : n;
  }

  /** A decimal number of 1..max digits without a leading zero, or -1. */
  private static int decimal(String s, int maxDigits) {
    if (s.isEmpty() || s.length() > maxDigits || (s.length() > 1 && s.charAt(0) == '0')) {
      return -1;
    }
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  private static Result readV2(InputStream in) throws IOException {
    byte[] head = new byte[16];
    head[0] = 0x0D;
    // Octet by octet through the signature, so that a line that is not one is refused at once.
    for (int i = 1; i < V2_SIGNATURE.length; i++) {
      int b = in.read();
      if (b < 0) {
        return new Result.Malformed("connection closed inside the PROXY v2 signature");
      }
      head[i] = (byte) b;
      if (b != (V2_SIGNATURE[i] & 0xff)) {
        return new Result.Malformed("not a PROXY header: starts with " + printable(head, i + 1));
      }
    }
    if (in.readNBytes(head, 12, 4) < 4) {
      return new Result.Malformed("connection closed inside the PROXY v2 header");
    }
    int version = (head[12] & 0xf0) >> 4;
    int command = head[12] & 0x0f;
    int family = (head[13] & 0xf0) >> 4;
    int protocol = head[13] & 0x0f;
    int length = ((head[14] & 0xff) << 8) | (head[15] & 0xff);
    if (version != 2) {
      return new Result.Malformed("PROXY v2 header with version " + version);
    }
    if (command > 1) {
      return new Result.Malformed("PROXY v2 header with unknown command " + command);
    }
    if (family > 3) {
      return new Result.Malformed("PROXY v2 header with unknown address family " + family);
    }
    if (protocol > 2) {
      return new Result.Malformed("PROXY v2 header with unknown transport protocol " + protocol);
    }
    if (length > MAX_V2_LENGTH) {
      return new Result.Malformed(
          "PROXY v2 address block of " + length + " octets, more than " + MAX_V2_LENGTH);
    }
    byte[] block = in.readNBytes(length);
    if (block.length < length) {
      return new Result.Malformed("connection closed inside the PROXY v2 address block");
    }
    int needed =
        switch (family) {
          case 1 -> 12; // two IPv4 addresses and two ports
          case 2 -> 36; // two IPv6 addresses and two ports
          case 3 -> 216; // two AF_UNIX paths
          default -> 0;
        };
    if (protocol == 0) {
      needed = 0; // UNSPEC: the addresses, if any, are to be ignored
    }
    if (length < needed) {
      return new Result.Malformed(
          "PROXY v2 address block of "
              + length
              + " octets is too short for family "
              + family
              + " ("
              + needed
              + " needed)");
    }
    // LOCAL uses the real endpoints whatever the family says. So do the combinations we do not
    // take (UNSPEC, AF_UNIX, datagrams: SMTP is a stream), as the specification lets a receiver
    // fall back to UNSPEC for them. The TLVs after the addresses are skipped unread.
    if (command == 0 || protocol != 1 || (family != 1 && family != 2)) {
      return new Result.Local(2);
    }
    int size = family == 1 ? 4 : 16;
    InetAddress source = byAddress(Arrays.copyOfRange(block, 0, size));
    InetAddress destination = byAddress(Arrays.copyOfRange(block, size, 2 * size));
    int sourcePort = ((block[2 * size] & 0xff) << 8) | (block[2 * size + 1] & 0xff);
    int destinationPort = ((block[2 * size + 2] & 0xff) << 8) | (block[2 * size + 3] & 0xff);
    return new Result.Proxied(
        2,
        new InetSocketAddress(source, sourcePort),
        new InetSocketAddress(destination, destinationPort));
  }

  private static InetAddress byAddress(byte[] b) {
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new AssertionError("4 or 16 octets are always an address", e);
    }
  }

  /** The first octets for a log line: printable ASCII as is, the rest as \xNN. */
  static String printable(byte[] b, int n) {
    StringBuilder s = new StringBuilder("\"");
    for (int i = 0; i < Math.min(n, 32); i++) {
      int c = b[i] & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        s.append((char) c);
      } else {
        s.append(String.format(java.util.Locale.ROOT, "\\x%02X", c));
      }
    }
    return s.append(n > 32 ? "...\"" : "\"").toString();
  }
}
