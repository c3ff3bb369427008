package dev.mailfilter.smtp;

import dev.mailfilter.api.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads what an SMTP client sends: command lines, DATA content and BDAT chunks, from one buffer, so
 * that pipelined input (RFC 2920) read ahead with one command is there for the next.
 *
 * <p>Framing is strict: a line ends only with CRLF (RFC 5321 section 2.3.8), and DATA ends only
 * with CRLF.CRLF (section 4.1.1.4), whatever bare CR or LF comes before; this is what keeps a
 * message from smuggling a second one past a server that reads line ends differently. Memory is
 * bounded: a command line longer than the limit is read to its end and dropped, and content goes to
 * a {@link DataSink} in buffer-sized chunks.
 *
 * <p>Not thread-safe: one reader per connection, replaced by a new one over the TLS stream after
 * STARTTLS (what was read ahead in plain text is dropped then: {@link #discardBuffered()}).
 */
final class SmtpReader {
  private static final int BUFFER = 64 * 1024;
  private static final byte CR = '\r';
  private static final byte LF = '\n';

  private final InputStream in;
  private final SmtpLimits limits;
  private final byte[] buf = new byte[BUFFER];
  private int pos;
  private int end;
  private byte[] line = new byte[256];
  private byte[] out;

  private SmtpReader(InputStream in, SmtpLimits limits) {
    this.in = in;
    this.limits = limits;
  }

  /**
   * A reader over a connection's input.
   *
   * @throws NullPointerException if an argument is null
   */
  public static SmtpReader of(InputStream in, SmtpLimits limits) {
    return new SmtpReader(
        Objects.requireNonNull(in, "in"), Objects.requireNonNull(limits, "limits"));
  }

  /** The limits this reader applies. */
  public SmtpLimits limits() {
    return limits;
  }

  /**
   * Reads and parses the next command line; see {@link Command#parse}. A line that is too long
   * ({@code 500 5.5.2}), holds a bare CR or LF ({@code 500 5.5.2}) or is not UTF-8 comes back as
   * {@link Command.Invalid}. A bare LF ends the line, so that a client using LF alone gets an
   * answer rather than a wait; a bare CR does not.
   *
   * @return the command, or empty when the connection closed (cleanly, or inside a line)
   * @throws IOException if reading fails
   */
  public Optional<Command> readCommand(Capabilities offered, boolean smtpUtf8Transaction)
      throws IOException {
    int max = offered.commandLineLimit(limits.commandLineLength()) - 2;
    int length = 0;
    boolean tooLong = false;
    boolean bareCr = false;
    boolean bareLf = false;
    boolean pendingCr = false;
    while (true) {
      if (pos == end && !fill()) {
        return Optional.empty();
      }
      byte b = buf[pos++];
      if (b == LF) {
        bareLf = !pendingCr;
        break;
      }
      if (pendingCr) {
        bareCr = true;
        pendingCr = false;
        length = append(CR, length, max);
        tooLong |= length > max;
      }
      if (b == CR) {
        pendingCr = true;
        continue;
      }
      length = append(b, length, max);
      tooLong |= length > max;
    }
    Reply error =
        tooLong
            ? Replies.LINE_TOO_LONG
            : bareLf ? Replies.BARE_LF : bareCr ? Replies.BARE_CR : null;
    if (error != null) {
      return Optional.of(Command.Invalid.of(error));
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(line, 0, length))
              .toString();
    } catch (CharacterCodingException e) {
      return Optional.of(Command.Invalid.of(Replies.INVALID_UTF8));
    }
    return Optional.of(Command.parse(text, offered, smtpUtf8Transaction));
  }

  // Appends to the line buffer while under the limit; past it only counts, so memory stays bounded.
  private int append(byte b, int length, int max) {
    if (length < max) {
      if (length == line.length) {
        line = Arrays.copyOf(line, Math.min(max, line.length * 2));
      }
      line[length] = b;
    }
    return length < max ? length + 1 : max + 1;
  }

  // The states of the DATA reader, on the wire: where we are relative to CRLF line starts.
  private enum State {
    LINE_START,
    TEXT,
    CR,
    DOT,
    DOT_CR
  }

  /**
   * Reads DATA content up to and including the CRLF.CRLF that ends it, after the server's 354.
   * Dot-stuffing is removed (RFC 5321 section 4.5.2); a line is "." only when CRLF precedes it, so
   * {@code <LF>.<LF>}, {@code <LF>.<CR><LF>}, {@code <CR>.<CR>} and the like are content. Bare line
   * ends are handled by {@link SmtpLimits#bareLineEnd()}; once the content passes {@link
   * SmtpLimits#maxMessageSize()} nothing more is delivered, the rest is read and the result is
   * {@code 552 5.3.4}.
   *
   * @param sink where the content goes, in chunks of up to 64 KiB; the message ends with the CRLF
   *     of its last line
   * @throws IOException if reading fails
   */
  public DataResult readData(DataSink sink) throws IOException {
    Objects.requireNonNull(sink, "sink");
    if (out == null) {
      out = new byte[BUFFER];
    }
    Content c = new Content(sink);
    State state = State.LINE_START;
    long lineLength = 0;
    while (true) {
      if (pos == end && !fill()) {
        c.flush();
        return c.result(false);
      }
      switch (state) {
        case TEXT -> {
          int start = pos;
          while (pos < end && buf[pos] != CR && buf[pos] != LF) {
            pos++;
          }
          c.emit(buf, start, pos - start);
          lineLength += pos - start;
          if (pos < end) {
            if (buf[pos++] == CR) {
              state = State.CR;
            } else {
              c.bareLf();
              lineLength = 0;
            }
          }
        }
        case LINE_START -> {
          lineLength = 0;
          byte b = buf[pos];
          if (b == '.') {
            pos++;
            state = State.DOT;
          } else {
            state = State.TEXT;
          }
        }
        case DOT -> {
          if (buf[pos] == CR) {
            pos++;
            state = State.DOT_CR;
          } else {
            // A leading dot with more on the line was stuffed: drop it (section 4.5.2).
            state = State.TEXT;
          }
        }
        case DOT_CR -> {
          if (buf[pos] == LF) {
            pos++;
            c.flush();
            return c.result(true);
          }
          // ".<CR>x": the dot was stuffing, the CR is bare.
          c.bareCr();
          lineLength = 0;
          state = State.TEXT;
        }
        case CR -> {
          if (buf[pos] == LF) {
            pos++;
            c.crlf();
            if (lineLength + 2 > limits.textLineLength()) {
              c.longLines++;
            }
            state = State.LINE_START;
          } else {
            c.bareCr();
            lineLength = 0;
            state = State.TEXT;
          }
        }
      }
    }
  }

  /** The DATA content being delivered: the output buffer, the size limit, the counts. */
  private final class Content {
    private final DataSink sink;
    private final BareLineEnd policy = limits.bareLineEnd();
    private final long max = limits.maxMessageSize();
    private int used;
    private long size;
    private long bareLf;
    private long bareCr;
    private long longLines;

    Content(DataSink sink) {
      this.sink = sink;
    }

    void emit(byte[] bytes, int offset, int length) {
      if (length == 0) {
        return;
      }
      long before = size;
      size += length;
      if (before >= max) {
        return;
      }
      int keep = (int) Math.min(length, max - before);
      int done = 0;
      while (done < keep) {
        if (used == out.length) {
          flush();
        }
        int n = Math.min(keep - done, out.length - used);
        System.arraycopy(bytes, offset + done, out, used, n);
        used += n;
        done += n;
      }
    }

    private static final byte[] CRLF = {CR, LF};
    private static final byte[] BARE_LF = {LF};
    private static final byte[] BARE_CR = {CR};

    void crlf() {
      emit(CRLF, 0, 2);
    }

    void bareLf() {
      bareLf++;
      emit(
          policy == BareLineEnd.NORMALIZE ? CRLF : BARE_LF,
          0,
          policy == BareLineEnd.NORMALIZE ? 2 : 1);
    }

    void bareCr() {
      bareCr++;
      emit(
          policy == BareLineEnd.NORMALIZE ? CRLF : BARE_CR,
          0,
          policy == BareLineEnd.NORMALIZE ? 2 : 1);
    }

    void flush() {
      if (used > 0) {
        sink.accept(out, 0, used);
        used = 0;
      }
    }

    DataResult result(boolean ended) {
      Optional<Reply> refusal = Optional.empty();
      if (size > max) {
        refusal = Optional.of(Replies.MESSAGE_TOO_BIG);
      } else if (policy == BareLineEnd.REJECT && (bareLf > 0 || bareCr > 0)) {
        refusal = Optional.of(Replies.BARE_LINE_END_IN_DATA);
      }
      return new DataResult(ended, size, bareLf, bareCr, longLines, refusal);
    }
  }

  /**
   * Reads one BDAT chunk of exactly {@code size} octets (RFC 3030 section 2) and delivers it as it
   * is: no dot-stuffing, no line ends, binary allowed. Slices of the read buffer go to the sink
   * without a copy. The message size limit is the caller's, who knows the running total before the
   * chunk is read and can pass {@link DataSink#DISCARD} to stay in step.
   *
   * @throws IOException if reading fails
   */
  public ChunkResult readChunk(long size, DataSink sink) throws IOException {
    Objects.requireNonNull(sink, "sink");
    if (size < 0) {
      throw new IllegalArgumentException("chunk size must not be negative, got " + size);
    }
    long remaining = size;
    while (remaining > 0) {
      if (pos == end && !fill()) {
        return new ChunkResult(size - remaining, false);
      }
      int n = (int) Math.min(remaining, end - pos);
      sink.accept(buf, pos, n);
      pos += n;
      remaining -= n;
    }
    return new ChunkResult(size, true);
  }

  /**
   * Whether input is already waiting: bytes read ahead or available from the stream. A server
   * flushes its pending replies when there is none (RFC 2920 section 3.2), so a pipelined group
   * gets its replies in one write.
   *
   * @throws IOException if the stream fails
   */
  public boolean hasBufferedInput() throws IOException {
    return pos < end || in.available() > 0;
  }

  /**
   * Drops the bytes read ahead and not yet consumed, returning how many there were. After the
   * {@code 220} to STARTTLS, plain text the client pipelined behind it must not be taken as
   * commands of the TLS session (CVE-2011-0411): the server calls this, then reads on with a new
   * reader over the TLS stream.
   */
  public int discardBuffered() {
    int n = end - pos;
    pos = end;
    return n;
  }

  /**
   * Up to {@code n} of the octets waiting, left in place: for the log line of a refusal. Reads from
   * the stream only when nothing is buffered and the stream has octets available.
   *
   * @throws IOException if the stream fails
   */
  public byte[] peekBuffered(int n) throws IOException {
    if (pos == end && in.available() > 0) {
      fill();
    }
    return Arrays.copyOfRange(buf, pos, pos + Math.min(n, end - pos));
  }

  // Refills the empty buffer; false at the end of the stream.
  private boolean fill() throws IOException {
    int n = in.read(buf, 0, buf.length);
    while (n == 0) {
      n = in.read(buf, 0, buf.length);
    }
    if (n < 0) {
      pos = end = 0;
      return false;
    }
    pos = 0;
    end = n;
    return true;
  }
}
