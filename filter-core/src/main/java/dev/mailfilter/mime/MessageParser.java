package dev.mailfilter.mime;

import static com.google.common.base.Preconditions.checkPositionIndexes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Parses RFC 5322 / MIME messages into a {@link ParsedMessage}: one linear scan recording offsets,
 * no decoding. Any byte sequence parses; malformed input yields a best-effort tree and {@link
 * Defect}s. Immutable and thread-safe: create one and share it.
 *
 * <pre>{@code
 * ParsedMessage m = MessageParser.create().parse(bytes);
 * for (MimePart p : m.parts()) System.out.println(p.path() + " " + p.mediaType());
 * }</pre>
 */
public final class MessageParser {
  private static final MessageParser DEFAULT = new MessageParser(MimeLimits.DEFAULT);

  private final MimeLimits limits;

  private MessageParser(MimeLimits limits) {
    this.limits = limits;
  }

  /** A parser with {@link MimeLimits#DEFAULT}. */
  public static MessageParser create() {
    return DEFAULT;
  }

  /** A parser with the given limits. */
  public static MessageParser create(MimeLimits limits) {
    return new MessageParser(Objects.requireNonNull(limits, "limits"));
  }

  /** The limits of this parser. */
  public MimeLimits limits() {
    return limits;
  }

  /** Parses a whole array. The array must not be modified while the result is in use. */
  public ParsedMessage parse(byte[] message) {
    return parse(message, 0, message.length);
  }

  /**
   * Parses {@code message[offset, offset + length)}. The range must not be modified while the
   * result is in use; offsets in the result are relative to {@code offset}.
   */
  public ParsedMessage parse(byte[] message, int offset, int length) {
    checkPositionIndexes(offset, offset + length, message.length);
    return ParsedMessage.parse(message, offset, length, length, limits);
  }

  /**
   * Parses the remaining bytes of a buffer without moving its position. A heap buffer is parsed in
   * place; a direct or read-only buffer is copied once into an array.
   */
  public ParsedMessage parse(ByteBuffer message) {
    int n = message.remaining();
    if (message.hasArray()) {
      return parse(message.array(), message.arrayOffset() + message.position(), n);
    }
    int keep = (int) Math.min(n, limits.maxMessageSize());
    byte[] copy = new byte[keep];
    message.duplicate().get(copy);
    return ParsedMessage.parse(copy, 0, keep, n, limits);
  }

  /**
   * Reads a file once into memory and parses it. Files larger than {@link
   * MimeLimits#maxMessageSize()} are read only up to the limit (and reported by a defect).
   *
   * @throws IOException if the file cannot be read, with the path in the message
   */
  public ParsedMessage parse(Path file) throws IOException {
    long size = Files.size(file);
    if (size <= limits.maxMessageSize()) {
      byte[] all = Files.readAllBytes(file);
      return ParsedMessage.parse(all, 0, all.length, all.length, limits);
    }
    int keep = (int) limits.maxMessageSize();
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(keep);
    }
    return ParsedMessage.parse(head, 0, head.length, size, limits);
  }

  /**
   * Parses the bytes of a view in place. The bytes must not be modified while the result is in use
   * (no {@link ByteView} does).
   */
  public ParsedMessage parse(ByteView message) {
    Objects.requireNonNull(message, "message");
    return ParsedMessage.parse(
        message.array(), message.offset(), message.size(), message.size(), limits);
  }

  /**
   * An accumulator that takes the message in chunks and parses it at the end, keeping at most
   * {@link MimeLimits#maxMessageSize()} bytes.
   */
  public MessageAccumulator accumulator() {
    return new MessageAccumulator(this, limits.maxMessageSize());
  }

  /**
   * An accumulator that keeps at most {@code maxKept} bytes: a filter session bounds its buffer by
   * the message size it accepts, which may differ from what the parser looks at.
   *
   * @throws IllegalArgumentException when {@code maxKept} is negative or above the largest array
   */
  public MessageAccumulator accumulator(long maxKept) {
    return new MessageAccumulator(this, maxKept);
  }
}
