package dev.mailfilter.mime;

import static com.google.common.base.Preconditions.checkPositionIndexes;
import static com.google.common.base.Preconditions.checkState;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Collects a message delivered in chunks (SMTP DATA, milter BODY) into one array and parses it at
 * {@link #finish()}, giving the same {@link ParsedMessage} as parsing the whole input at once.
 * Memory is bounded by {@link MimeLimits#maxMessageSize()}: bytes beyond it are counted but not
 * kept, and the result carries a {@link DefectType#LIMIT_MESSAGE_SIZE} defect. Not thread-safe; one
 * per message.
 */
public final class MessageAccumulator {
  private final MessageParser parser;
  private final int cap;
  private byte[] buf = new byte[8192];
  private int kept;
  private long total;
  private boolean finished;

  MessageAccumulator(MessageParser parser) {
    this.parser = parser;
    this.cap = (int) parser.limits().maxMessageSize();
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
