package dev.mailfilter.av;

import dev.mailfilter.av.ScanResult.FailureKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * clamd's wire format without any socket: the NUL-terminated {@code z} commands, INSTREAM chunk
 * framing, and reply parsing. Kept apart from the I/O so every case can be tested by feeding bytes.
 *
 * <p>Protocol (clamd(8), "INSTREAM"): {@code zINSTREAM\0}, then chunks each prefixed by its length
 * as a 4-byte unsigned big-endian integer, then a zero-length chunk; the reply is {@code stream:
 * OK}, {@code stream: NAME FOUND} or {@code MESSAGE ERROR}, NUL-terminated. Inside an {@code
 * IDSESSION} every reply is prefixed by the request's number: {@code 3: stream: OK}.
 */
final class ClamdCodec {
  /** Bytes per INSTREAM chunk: large enough that the 4-byte headers cost nothing. */
  static final int DEFAULT_CHUNK_SIZE = 64 * 1024;

  /** The longest reply accepted; real ones are under 200 bytes (a signature name and a word). */
  static final int MAX_REPLY_LENGTH = 1024;

  static final byte[] INSTREAM = command("INSTREAM");
  static final byte[] PING = command("PING");
  static final byte[] VERSION = command("VERSION");
  static final byte[] IDSESSION = command("IDSESSION");
  static final byte[] END = command("END");

  private static final String STREAM_PREFIX = "stream: ";
  private static final String FOUND_SUFFIX = " FOUND";
  private static final String ERROR_SUFFIX = " ERROR";

  private ClamdCodec() {}

  private static byte[] command(String name) {
    return ("z" + name + "\0").getBytes(StandardCharsets.US_ASCII);
  }

  /** Where framed bytes go; the socket's implementation applies the write timeout. */
  interface Sink {
    /** Writes every remaining byte of every buffer, in order. */
    void write(ByteBuffer... buffers) throws IOException;
  }

  /**
   * Writes {@code zINSTREAM\0}, the stream's remaining bytes in chunks of at most {@code
   * chunkSize}, and the zero-length terminator. The content is never copied: each chunk is a slice
   * of {@code stream} written with its 4-byte header in one gathering write.
   */
  static void writeInstream(Sink sink, ByteBuffer stream, int chunkSize) throws IOException {
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunkSize must be positive: " + chunkSize);
    }
    ByteBuffer rest = stream.slice();
    boolean first = true;
    while (rest.hasRemaining()) {
      int n = Math.min(chunkSize, rest.remaining());
      ByteBuffer chunk = rest.slice(rest.position(), n);
      rest.position(rest.position() + n);
      ByteBuffer header = ByteBuffer.allocate(4).putInt(0, n);
      if (first) {
        // The command travels with the first chunk: one write, one packet for small mail.
        sink.write(ByteBuffer.wrap(INSTREAM), header, chunk);
        first = false;
      } else {
        sink.write(header, chunk);
      }
    }
    ByteBuffer terminator = ByteBuffer.allocate(4);
    if (first) {
      sink.write(ByteBuffer.wrap(INSTREAM), terminator);
    } else {
      sink.write(terminator);
    }
  }

  /**
   * Collects one NUL-terminated reply from bytes that arrive in arbitrary pieces, refusing to hold
   * more than {@link #MAX_REPLY_LENGTH} bytes.
   */
  static final class ReplyReader {
    private final byte[] buffer = new byte[MAX_REPLY_LENGTH];
    private int length;
    private boolean complete;
    private boolean overflow;

    /**
     * Takes bytes from {@code in} up to and including the terminating NUL (bytes after it stay in
     * {@code in}).
     *
     * @return true once the reply is complete or has overflowed
     */
    boolean feed(ByteBuffer in) {
      while (in.hasRemaining() && !complete && !overflow) {
        byte b = in.get();
        if (b == 0) {
          complete = true;
        } else if (length == buffer.length) {
          overflow = true;
        } else {
          buffer[length++] = b;
        }
      }
      return complete || overflow;
    }

    /** True once the NUL arrived within the limit. */
    boolean complete() {
      return complete;
    }

    /** True if the reply exceeded {@link #MAX_REPLY_LENGTH} before its NUL. */
    boolean overflow() {
      return overflow;
    }

    /** True if no byte has arrived yet. */
    boolean empty() {
      return length == 0 && !complete && !overflow;
    }

    /** The reply text so far, without the NUL; Latin-1 so that no byte can fail to decode. */
    String text() {
      return new String(buffer, 0, length, StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * Removes the {@code N: } prefix of a reply inside an IDSESSION.
   *
   * @return the reply without the prefix, or empty if the prefix is missing or names another
   *     request
   */
  static Optional<String> stripSessionId(String reply, long expectedId) {
    String prefix = expectedId + ": ";
    return reply.startsWith(prefix)
        ? Optional.of(reply.substring(prefix.length()))
        : Optional.empty();
  }

  /** Maps an INSTREAM reply (without NUL or session prefix) to its result. */
  static ScanResult parseScanReply(String reply) {
    if (reply.equals(STREAM_PREFIX + "OK")) {
      return ScanResult.clean();
    }
    if (reply.endsWith(ERROR_SUFFIX)) {
      // "INSTREAM size limit exceeded. ERROR" is clamd's answer once StreamMaxLength is passed.
      FailureKind kind =
          reply.contains("size limit exceeded") ? FailureKind.SIZE_LIMIT : FailureKind.SERVER_ERROR;
      return ScanResult.failed(kind, "clamd answered: " + printable(reply));
    }
    if (reply.length() > STREAM_PREFIX.length() + FOUND_SUFFIX.length()
        && reply.startsWith(STREAM_PREFIX)
        && reply.endsWith(FOUND_SUFFIX)) {
      String signature =
          reply.substring(STREAM_PREFIX.length(), reply.length() - FOUND_SUFFIX.length());
      if (isSignatureName(signature)) {
        return ScanResult.infected(signature);
      }
    }
    return ScanResult.failed(
        FailureKind.PROTOCOL, "unexpected clamd reply: '" + printable(reply) + "'");
  }

  /**
   * Signature names are printable ASCII without spaces (for example {@code Win.Test.EICAR_HDB-1}).
   */
  private static boolean isSignatureName(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** The text with control and non-ASCII characters escaped and cut to 200 characters, for logs. */
  static String printable(String s) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), 200) + 8);
    int i = 0;
    for (; i < s.length() && out.length() < 200; i++) {
      char c = s.charAt(i);
      if (c >= ' ' && c < 0x7f && c != '\\') {
        out.append(c);
      } else {
        out.append(String.format(Locale.ROOT, "\\x%02x", (int) c & 0xff));
      }
    }
    if (i < s.length()) {
      out.append("...");
    }
    return out.toString();
  }
}
