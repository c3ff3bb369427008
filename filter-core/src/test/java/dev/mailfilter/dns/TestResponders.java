package dev.mailfilter.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;

/** UDP endpoints for the failure paths: one that never answers, one that answers SERVFAIL. */
final class TestResponders {
  private TestResponders() {}

  /** A bound socket that reads nothing and answers nothing: a stopped or unreachable server. */
  static DatagramSocket silent() throws SocketException {
    return new DatagramSocket(0, InetAddress.getLoopbackAddress());
  }

  /** A responder answering every query with its own question and RCODE 2 (SERVFAIL). */
  static final class ServFail implements AutoCloseable {
    private final DatagramSocket socket;
    private final Thread thread;

    ServFail() throws SocketException {
      socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
      thread = Thread.ofVirtual().start(this::serve);
    }

    private void serve() {
      byte[] buf = new byte[512];
      while (!socket.isClosed()) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(p);
          byte[] reply = java.util.Arrays.copyOf(p.getData(), p.getLength());
          reply[2] = (byte) (reply[2] | 0x80); // QR: a response
          reply[3] = (byte) ((reply[3] & 0xf0) | 2); // RCODE 2: SERVFAIL
          socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
        } catch (IOException closed) {
          return;
        }
      }
    }

    InetSocketAddress address() {
      return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public void close() {
      socket.close();
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
