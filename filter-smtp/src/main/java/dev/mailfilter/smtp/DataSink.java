package dev.mailfilter.smtp;

/**
 * Where the content readers deliver message bytes, in chunks; a core {@code FilterSession::append}
 * is one. The array is the reader's buffer: a sink that keeps bytes copies them before it returns.
 */
@FunctionalInterface
interface DataSink {
  /** A sink that drops everything: for content read only to stay in step with the client. */
  DataSink DISCARD = (bytes, offset, length) -> {};

  /** Takes {@code bytes[offset, offset + length)}. */
  void accept(byte[] bytes, int offset, int length);
}
