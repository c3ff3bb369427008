package dev.mailfilter.av;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Locale;

/**
 * One socket to clamd, TCP or Unix, with a deadline on every wait. The channel is non-blocking and
 * waits go through its own {@link Selector}, because a blocking {@link SocketChannel} has no read
 * timeout (and a Unix domain channel has no {@code Socket} adaptor to set {@code SO_TIMEOUT} on).
 */
final class ClamdConnection implements Closeable, ClamdCodec.Sink {
  private final SocketChannel channel;
  private final Selector selector;
  private final SelectionKey key;
  private final long ioTimeoutNanos;
  private final ByteBuffer readBuffer = ByteBuffer.allocate(256).flip();
  private boolean limited;
  private long limitNanos;

  private ClamdConnection(SocketChannel channel, Selector selector, long ioTimeoutNanos)
      throws IOException {
    this.channel = channel;
    this.selector = selector;
    this.key = channel.register(selector, 0);
    this.ioTimeoutNanos = ioTimeoutNanos;
  }

  /**
   * Connects within {@code connectTimeout}.
   *
   * @throws IOException if clamd cannot be reached; a {@link SocketTimeoutException} if the connect
   *     took too long
   */
  static ClamdConnection open(ClamdAddress address, Duration connectTimeout, Duration ioTimeout)
      throws IOException {
    SocketChannel channel;
    java.net.SocketAddress target;
    switch (address) {
      case ClamdAddress.Tcp tcp -> {
        InetSocketAddress resolved = new InetSocketAddress(tcp.host(), tcp.port());
        if (resolved.isUnresolved()) {
          throw new UnknownHostException("cannot resolve clamd host " + tcp.host());
        }
        channel =
            SocketChannel.open(
                resolved.getAddress() instanceof Inet4Address
                    ? StandardProtocolFamily.INET
                    : StandardProtocolFamily.INET6);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        target = resolved;
      }
      case ClamdAddress.Unix unix -> {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        target = UnixDomainSocketAddress.of(unix.path());
      }
    }
    Selector selector = null;
    try {
      channel.configureBlocking(false);
      selector = Selector.open();
      ClamdConnection connection = new ClamdConnection(channel, selector, ioTimeout.toNanos());
      if (!channel.connect(target)) {
        long deadline = System.nanoTime() + connectTimeout.toNanos();
        while (!channel.finishConnect()) {
          connection.await(SelectionKey.OP_CONNECT, deadline, "connecting to clamd at " + address);
        }
      }
      return connection;
    } catch (IOException | RuntimeException e) {
      channel.close();
      if (selector != null) {
        selector.close();
      }
      throw e;
    }
  }

  @Override
  public void write(ByteBuffer... buffers) throws IOException {
    long deadline = System.nanoTime() + ioTimeoutNanos;
    while (hasRemaining(buffers)) {
      if (channel.write(buffers) > 0) {
        deadline = System.nanoTime() + ioTimeoutNanos;
      } else {
        await(SelectionKey.OP_WRITE, deadline, "clamd did not accept more of the stream");
      }
    }
  }

  private static boolean hasRemaining(ByteBuffer[] buffers) {
    for (ByteBuffer b : buffers) {
      if (b.hasRemaining()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Feeds arriving bytes to {@code reply} until it is complete, overflows, or the peer closes.
   *
   * @return false if the peer closed the connection first
   * @throws SocketTimeoutException if no byte arrives within the I/O timeout
   */
  boolean read(ClamdCodec.ReplyReader reply) throws IOException {
    long deadline = System.nanoTime() + ioTimeoutNanos;
    while (true) {
      if (readBuffer.hasRemaining() && reply.feed(readBuffer)) {
        return true;
      }
      readBuffer.clear();
      int n = channel.read(readBuffer);
      readBuffer.flip();
      if (n < 0) {
        return false;
      }
      if (n == 0) {
        await(SelectionKey.OP_READ, deadline, "clamd did not answer");
      }
    }
  }

  /**
   * Bounds every later wait by an absolute {@link System#nanoTime()} deadline as well, for a scan
   * that must end before its caller's deadline; {@code null} lifts the bound.
   */
  void limitTo(Long deadlineNanos) {
    limited = deadlineNanos != null;
    limitNanos = limited ? deadlineNanos : 0;
  }

  /** True if bytes arrived that no request asked for: the connection is not safe to reuse. */
  boolean hasUnreadBytes() {
    return readBuffer.hasRemaining();
  }

  private void await(int op, long deadline, String what) throws IOException {
    if (limited && limitNanos - deadline < 0) {
      deadline = limitNanos;
    }
    key.interestOps(op);
    try {
      while (true) {
        if (Thread.currentThread().isInterrupted()) {
          // A selector returns at once while the interrupt is pending: stop instead of spinning.
          throw new InterruptedIOException("interrupted while " + what.toLowerCase(Locale.ROOT));
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw new SocketTimeoutException(what + " within the timeout");
        }
        // select(0) would wait forever: never pass less than 1 ms.
        selector.select(Math.max(1, remaining / 1_000_000));
        boolean ready = !selector.selectedKeys().isEmpty();
        selector.selectedKeys().clear();
        if (ready) {
          return;
        }
      }
    } finally {
      key.interestOps(0);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing was buffered for clamd that matters once we give up on the connection.
    }
    try {
      selector.close();
    } catch (IOException e) {
      // The selector holds no data; closing it only frees its descriptor.
    }
  }
}
