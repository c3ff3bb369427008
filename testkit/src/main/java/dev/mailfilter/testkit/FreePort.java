package dev.mailfilter.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Free loopback ports for servers that cannot bind port 0 and report it (Postfix, rbldnsd). The
 * port is free when asked; a server that then loses the race fails to start, and the fixtures retry
 * with another port.
 */
public final class FreePort {
  private FreePort() {}

  /** A TCP port free on 127.0.0.1 at the time of the call. */
  public static int tcp() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port on loopback", e);
    }
  }

  /** A UDP port free on 127.0.0.1 at the time of the call. */
  public static int udp() {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free UDP port on loopback", e);
    }
  }
}
