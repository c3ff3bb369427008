package dev.mailfilter.milter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * A buffered stream over a blocking channel that tells its connection when it waits for the peer
 * (for the read timeout's watchdog) and when a read returned (to re-arm {@code TCP_QUICKACK}).
 *
 * <p>Blocking socket channels have no {@code SO_TIMEOUT}, Unix-domain ones not even a socket
 * adaptor, so the timeout is a watchdog that closes a channel whose read has waited too long; the
 * waiting read then ends with an exception.
 */
final class ChannelInput extends InputStream {
  /** What the connection is told around each read of the channel. */
  interface ReadListener {
    /** A read from the channel starts and may block. */
    void waiting();

    /** The read returned (with data, at the end of stream or failing). */
    void returned();
  }

  private final ReadableByteChannel channel;
  private final ReadListener listener;
  private final ByteBuffer buffer;

  ChannelInput(ReadableByteChannel channel, ReadListener listener, int bufferSize) {
    this.channel = channel;
    this.listener = listener;
    this.buffer = ByteBuffer.allocate(bufferSize).flip();
  }

  @Override
  public int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return buffer.get() & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!buffer.hasRemaining() && len >= buffer.capacity()) {
      // A long read (a body chunk) goes straight into the caller's array: the buffer stays small
      // without costing a copy or more reads.
      return readDirect(ByteBuffer.wrap(b, off, len));
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, buffer.remaining());
    buffer.get(b, off, n);
    return n;
  }

  @Override
  public int available() {
    return buffer.remaining();
  }

  private int readDirect(ByteBuffer target) throws IOException {
    int n;
    listener.waiting();
    try {
      n = channel.read(target);
    } finally {
      listener.returned();
    }
    return n > 0 ? n : -1;
  }

  /** Whether bytes are buffered or could be read; false at the end of the stream. */
  private boolean fill() throws IOException {
    if (buffer.hasRemaining()) {
      return true;
    }
    buffer.clear();
    int n;
    listener.waiting();
    try {
      n = channel.read(buffer);
    } finally {
      listener.returned();
      buffer.flip();
    }
    return n > 0;
  }
}
