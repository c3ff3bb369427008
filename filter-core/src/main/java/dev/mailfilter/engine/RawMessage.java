package dev.mailfilter.engine;

import dev.mailfilter.mime.ByteView;
import dev.mailfilter.spi.Key;

/**
 * The bytes a stage sees: a view of the session's buffer, or of the caller's whole array when the
 * message came in one piece ({@code endOfData(byte[])}), which {@code whole} then is.
 */
record RawMessage(ByteView view, byte[] whole) {
  private static final Key<byte[]> EXACT_COPY = Key.of("raw-message-copy");

  static RawMessage of(byte[] whole) {
    return new RawMessage(ByteView.of(whole, 0, whole.length), whole);
  }

  static RawMessage of(ByteView view) {
    return new RawMessage(view, null);
  }

  /** The bytes as an array of their size: the caller's own, or one copy per transaction. */
  byte[] array(TransactionCache cache) {
    return whole != null ? whole : cache.computeIfAbsent(EXACT_COPY, view::toByteArray);
  }
}
