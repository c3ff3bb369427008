package dev.mailfilter.mime;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkPositionIndexes;
import static com.google.common.base.Preconditions.checkState;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Collects a message delivered in chunks (SMTP DATA, BDAT, milter header fields and body chunks)
 * into one array and parses it at {@link #finish()}, giving the same {@link ParsedMessage} as
 * parsing the whole input at once. This is the filter session's one message buffer: each appended
 * byte is copied once, into an array that grows by doubling, and {@link #bytes()} hands the kept
 * bytes on without another copy.
 *
 * <p>Memory is bounded by the accumulator's cap ({@link MimeLimits#maxMessageSize()} unless given):
 * bytes beyond it are counted but not kept, and the parse carries a {@link
 * DefectType#LIMIT_MESSAGE_SIZE} defect. Not thread-safe; one per message.
 */
public final class MessageAccumulator {
  private final MessageParser parser;
  private final int cap;
  private byte[] buf;
  private int kept;
  private long total;
  private boolean finished;

  MessageAccumulator(MessageParser parser, long cap) {
    checkArgument(
        cap >= 0 && cap <= Integer.MAX_VALUE - 8,
        "accumulator cap must be in [0, %s]: %s",
        Integer.MAX_VALUE - 8,
        cap);
    this.parser = parser;
    this.cap = (int) cap;
    this.buf = new byte[(int) Math.min(8192, cap)];
  }

  /** Appends {@code chunk[offset, offset + length)}. */
  public MessageAccumulator append(byte[] chunk, int offset, int length) {
    checkPositionIndexes(offset, offset + length, chunk.length);
    checkState(!finished, "accumulator already finished");
    total += length;
    int take = Math.min(length, cap - kept);
    if (take > 0) {
      ensure(kept + take);
      System.arraycopy(chunk, offset, buf, kept, take);
      kept += take;
    }
    return this;
  }

  /** Appends a whole array. */
  public MessageAccumulator append(byte[] chunk) {
    return append(chunk, 0, chunk.length);
  }

  /** Appends the remaining bytes of {@code chunk}, consuming them. */
  public MessageAccumulator append(ByteBuffer chunk) {
    checkState(!finished, "accumulator already finished");
    int length = chunk.remaining();
    total += length;
    int take = Math.min(length, cap - kept);
    if (take > 0) {
      ensure(kept + take);
      chunk.get(buf, kept, take);
      kept += take;
    }
    chunk.position(chunk.limit());
    return this;
  }

  /** Bytes appended so far, including any beyond the size limit. */
  public long size() {
    return total;
  }

  /** Whether bytes beyond the cap were appended and dropped. */
  public boolean truncated() {
    return total > kept;
  }

  /**
   * The bytes kept so far, shared, not copied. Later appends write only after them and a growing
   * buffer leaves the old array as it was, so the view stays valid and unchanged.
   */
  public ByteView bytes() {
    checkState(!finished, "accumulator already finished");
    return ByteView.of(buf, 0, kept);
  }

  /** Parses what was appended. Can be called once. */
  public ParsedMessage finish() {
    checkState(!finished, "accumulator already finished");
    finished = true;
    byte[] bytes = buf;
    buf = null;
    return ParsedMessage.parse(bytes, 0, kept, total, parser.limits());
  }

  private void ensure(int need) {
    if (need > buf.length) {
      // Doubling keeps appends linear overall.
      long grown = Math.max(need, Math.min((long) buf.length * 2, cap));
      buf = Arrays.copyOf(buf, (int) grown);
    }
  }
}
