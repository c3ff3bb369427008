package dev.mailfilter.testkit;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The readiness probe of the DNS servers this kit starts (named, rbldnsd, dnsmasq): a query sent
 * every 100 ms until an answer counts as ready, the process dies or the time is up. Queries are
 * built by hand so that the kit needs no DNS library.
 */
final class DnsProbe {
  /** The server's log, read for a failure message. */
  @FunctionalInterface
  interface Log {
    String read() throws IOException;
  }

  /** Whether an answer means the server is ready; may throw an AssertionError to stop waiting. */
  @FunctionalInterface
  interface Ready {
    boolean test(byte[] answer) throws IOException;
  }

  private DnsProbe() {}

  static void await(
      String server,
      Process process,
      Log log,
      InetSocketAddress address,
      byte[] query,
      Duration timeout,
      Ready ready)
      throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(100);
      byte[] answer = new byte[512];
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new AssertionError(
              server + " exited with " + process.exitValue() + ": " + log.read());
        }
        socket.send(new DatagramPacket(query, query.length, address));
        try {
          socket.receive(new DatagramPacket(answer, answer.length));
          if (ready.test(answer)) {
            return;
          }
        } catch (SocketTimeoutException | PortUnreachableException notYet) {
          // not listening yet: ask again
        }
      }
    }
    throw new AssertionError(server + " did not answer within " + timeout + ": " + log.read());
  }

  /** A query for {@code name} ("" for the root), of a record type, class IN. */
  static byte[] query(String name, int type, boolean recursionDesired) {
    ByteBuffer b = ByteBuffer.allocate(512);
    b.putShort((short) 0x4d46).putShort((short) (recursionDesired ? 0x0100 : 0)); // id, flags
    b.putShort((short) 1).putShort((short) 0).putShort((short) 0).putShort((short) 0);
    for (String label : name.split("\\.")) {
      if (!label.isEmpty()) {
        byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        b.put((byte) l.length).put(l);
      }
    }
    b.put((byte) 0).putShort((short) type).putShort((short) 1);
    byte[] q = new byte[b.position()];
    b.flip().get(q);
    return q;
  }

  /** The response code of an answer (0: NOERROR). */
  static int rcode(byte[] answer) {
    return answer[3] & 0x0f;
  }
}
