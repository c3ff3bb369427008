package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailfilter.api.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Writes replies to the client. Replies are gathered in one buffer and written with one {@link
 * #flush()}: a server that reads pipelined commands (RFC 2920) adds the reply to each and flushes
 * only when no more input is waiting or before a command whose reply the client must see first (the
 * 354 to DATA, the end of a message), so a pipelined group gets its replies in one write.
 *
 * <p>Enhanced status codes (RFC 2034) are written only once the client has been offered them in an
 * EHLO reply; before that, and after HELO, they are left out.
 *
 * <p>Not thread-safe: one writer per connection.
 */
final class ReplyWriter {
  private final OutputStream out;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream(512);
  private boolean enhancedCodes;

  private ReplyWriter(OutputStream out) {
    this.out = out;
  }

  /** A writer over a connection's output, without enhanced status codes until enabled. */
  public static ReplyWriter of(OutputStream out) {
    return new ReplyWriter(Objects.requireNonNull(out, "out"));
  }

  /**
   * Whether replies carry their enhanced status code: true after an EHLO reply that offered {@code
   * ENHANCEDSTATUSCODES}, false after HELO.
   */
  public void enhancedCodes(boolean on) {
    this.enhancedCodes = on;
  }

  /** Adds a reply to the pending set, not yet written. */
  public void add(Reply reply) {
    Objects.requireNonNull(reply, "reply");
    Reply r =
        enhancedCodes || reply.enhanced().isEmpty()
            ? reply
            : new Reply(reply.code(), "", reply.lines());
    pending.writeBytes(r.toWire().getBytes(UTF_8));
  }

  /** Adds a reply and writes everything pending at once. */
  public void send(Reply reply) throws IOException {
    add(reply);
    flush();
  }

  /** The octets pending, not yet written. */
  public int pending() {
    return pending.size();
  }

  /** Writes the pending replies in one write and flushes the stream; nothing pending is a no-op. */
  public void flush() throws IOException {
    if (pending.size() == 0) {
      return;
    }
    pending.writeTo(out);
    pending.reset();
    out.flush();
  }
}
