package dev.mailfilter.av;

import dev.mailfilter.av.ScanResult.FailureKind;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A clamd client: sends a message with {@code INSTREAM} and returns clamd's verdict as a {@link
 * ScanResult}. Thread-safe; make one per configuration and share it.
 *
 * <p>Nothing about clamd's behaviour is thrown: unreachable, slow, over the size limit, broken
 * connections and nonsensical replies all come back as {@link ScanResult.Failed}, and no call waits
 * longer than the connect timeout plus the read timeout per wait. With a {@linkplain
 * ClamdSettings#poolSize() pool}, scans reuse {@code IDSESSION} connections; a pooled connection
 * that clamd has closed in the meantime (its {@code IdleTimeout}) is detected and the scan retried
 * once on a new connection.
 *
 * <pre>{@code
 * try (ClamdClient clamd = ClamdClient.create(ClamdSettings.builder()
 *     .address(ClamdAddress.parse("unix:/run/clamav/clamd.ctl")).build())) {
 *   switch (clamd.scan(rawMessage)) {
 *     case ScanResult.Clean c -> deliver();
 *     case ScanResult.Infected i -> reject("554 5.7.1 virus " + i.signature());
 *     case ScanResult.Failed f -> tempfail(f.reason());
 *   }
 * }
 * }</pre>
 */
public final class ClamdClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClamdClient.class);

  /**
   * Pooled connections idle longer are closed, not reused: clamd's IdleTimeout defaults to 30 s.
   */
  private static final long POOL_IDLE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(20);

  private final ClamdSettings settings;
  private final int chunkSize;
  private final ArrayBlockingQueue<Session> idle;
  private volatile boolean closed;

  private ClamdClient(ClamdSettings settings, int chunkSize) {
    this.settings = settings;
    this.chunkSize = chunkSize;
    this.idle = settings.poolSize() == 0 ? null : new ArrayBlockingQueue<>(settings.poolSize());
  }

  /** A client for these settings. Connects lazily: creating one never touches the network. */
  public static ClamdClient create(ClamdSettings settings) {
    return new ClamdClient(
        Objects.requireNonNull(settings, "settings"), ClamdCodec.DEFAULT_CHUNK_SIZE);
  }

  /** A client sending chunks of {@code chunkSize} bytes; for tests of the framing. */
  static ClamdClient create(ClamdSettings settings, int chunkSize) {
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunkSize must be positive: " + chunkSize);
    }
    return new ClamdClient(Objects.requireNonNull(settings, "settings"), chunkSize);
  }

  /** The settings this client was made with. */
  public ClamdSettings settings() {
    return settings;
  }

  /**
   * Scans a whole message (or any other stream of bytes, such as one decoded attachment).
   *
   * @param message the raw bytes; clamd decodes MIME, transfer encodings and archives itself
   */
  public ScanResult scan(byte[] message) {
    return scan(ByteBuffer.wrap(Objects.requireNonNull(message, "message")));
  }

  /**
   * Scans the remaining bytes of {@code stream} without copying them. The buffer's position and
   * limit are left unchanged.
   *
   * @throws IllegalStateException if the client is closed
   */
  public ScanResult scan(ByteBuffer stream) {
    Objects.requireNonNull(stream, "stream");
    checkOpen();
    return scanUntil(stream, null);
  }

  /**
   * Scans the remaining bytes of {@code stream}, giving up after {@code timeLimit} in all (connect,
   * send and answer) with {@link ScanResult.FailureKind#TIMEOUT}, even if the configured timeouts
   * would allow more. For a caller with its own deadline, such as a check inside a stage.
   *
   * @throws IllegalArgumentException if {@code timeLimit} is negative
   * @throws IllegalStateException if the client is closed
   */
  public ScanResult scan(ByteBuffer stream, Duration timeLimit) {
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(timeLimit, "timeLimit");
    if (timeLimit.isNegative()) {
      throw new IllegalArgumentException("timeLimit must not be negative: " + timeLimit);
    }
    checkOpen();
    long deadline = System.nanoTime() + Math.min(timeLimit.toNanos(), TimeUnit.HOURS.toNanos(2));
    return scanUntil(stream, deadline);
  }

  private ScanResult scanUntil(ByteBuffer stream, Long deadline) {
    long length = stream.remaining();
    if (length > settings.maxStreamLength()) {
      return ScanResult.failed(
          FailureKind.SIZE_LIMIT,
          "message of "
              + length
              + " bytes is over maxStreamLength "
              + settings.maxStreamLength()
              + "; not sent to clamd");
    }
    Session session = idle == null ? null : takeIdle();
    boolean reused = session != null;
    if (session == null) {
      Opened opened = openSession(idle != null, deadline);
      if (opened.failure() != null) {
        return opened.failure();
      }
      session = opened.session();
    }
    session.connection.limitTo(deadline);
    Exchange exchange = instream(session, stream);
    if (reused && exchange.staleSuspect()) {
      // clamd closes idle sessions (IdleTimeout); the request never reached a live session.
      log.debug(
          "pooled clamd connection was closed ({}); retrying on a new one", exchange.result());
      session.close();
      Opened opened = openSession(true, deadline);
      if (opened.failure() != null) {
        return opened.failure();
      }
      session = opened.session();
      session.connection.limitTo(deadline);
      exchange = instream(session, stream);
    }
    session.connection.limitTo(null);
    release(session, exchange.reusable());
    return exchange.result();
  }

  /**
   * Sends {@code zPING} on a new connection.
   *
   * @return true if clamd answered {@code PONG} in time
   */
  public boolean ping() {
    return simpleCommand(ClamdCodec.PING).map("PONG"::equals).orElse(false);
  }

  /**
   * Sends {@code zVERSION} on a new connection.
   *
   * @return clamd's version line, such as {@code ClamAV 1.4.6/27480/Wed Nov 25 09:33:12 2026}, or
   *     empty if clamd did not answer in time
   */
  public Optional<String> version() {
    return simpleCommand(ClamdCodec.VERSION);
  }

  /** Closes the pooled connections (ending their sessions). Scans after this are refused. */
  @Override
  public void close() {
    closed = true;
    drainIdle();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("ClamdClient for " + settings.address() + " is closed");
    }
  }

  private Optional<String> simpleCommand(byte[] command) {
    checkOpen();
    try (ClamdConnection c =
        ClamdConnection.open(
            settings.address(), settings.connectTimeout(), settings.readTimeout())) {
      c.write(ByteBuffer.wrap(command));
      ClamdCodec.ReplyReader reply = new ClamdCodec.ReplyReader();
      if (c.read(reply) && reply.complete()) {
        return Optional.of(reply.text());
      }
      log.debug("clamd at {} gave no complete reply to {}", settings.address(), describe(command));
    } catch (IOException e) {
      log.debug("clamd at {} failed {}: {}", settings.address(), describe(command), e.toString());
    }
    return Optional.empty();
  }

  private static String describe(byte[] command) {
    return new String(command, 0, command.length - 1, java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Exactly one of a new session or the failure saying why there is none. */
  private record Opened(Session session, ScanResult failure) {
    static Opened of(Session session) {
      return new Opened(session, null);
    }

    static Opened failed(FailureKind kind, String reason) {
      return new Opened(null, ScanResult.failed(kind, reason));
    }
  }

  private Opened openSession(boolean pooled, Long deadline) {
    Duration connectTimeout = settings.connectTimeout();
    if (deadline != null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return Opened.failed(FailureKind.TIMEOUT, "no time left to scan before the deadline");
      }
      connectTimeout = Duration.ofNanos(Math.min(left, connectTimeout.toNanos()));
    }
    ClamdConnection connection;
    try {
      connection = ClamdConnection.open(settings.address(), connectTimeout, settings.readTimeout());
    } catch (InterruptedIOException e) {
      return Opened.failed(
          FailureKind.UNAVAILABLE,
          "connect to clamd at "
              + settings.address()
              + " timed out after "
              + connectTimeout
              + interrupted(e));
    } catch (IOException e) {
      return Opened.failed(
          FailureKind.UNAVAILABLE, "cannot connect to clamd at " + settings.address() + ": " + e);
    }
    Session session = new Session(connection, pooled);
    if (pooled) {
      try {
        // IDSESSION has no reply of its own: it numbers the replies that follow.
        connection.write(ByteBuffer.wrap(ClamdCodec.IDSESSION));
      } catch (IOException e) {
        connection.close();
        return Opened.failed(
            FailureKind.CONNECTION,
            "cannot start a session with clamd at " + settings.address() + ": " + e);
      }
    }
    return Opened.of(session);
  }

  /** Tells a real timeout from the caller's thread being interrupted (its own deadline). */
  private static String interrupted(InterruptedIOException e) {
    return e instanceof java.net.SocketTimeoutException ? "" : " (interrupted before that)";
  }

  private record Exchange(ScanResult result, boolean reusable, boolean staleSuspect) {}

  private Exchange instream(Session session, ByteBuffer stream) {
    ClamdConnection c = session.connection;
    long id = session.nextId++;
    IOException writeFailure = null;
    try {
      ClamdCodec.writeInstream(c, stream.duplicate(), chunkSize);
    } catch (InterruptedIOException e) {
      return new Exchange(
          ScanResult.failed(
              FailureKind.TIMEOUT,
              "clamd at "
                  + settings.address()
                  + " stopped reading the stream in time (read timeout "
                  + settings.readTimeout()
                  + " or the scan's time limit)"
                  + interrupted(e)),
          false,
          false);
    } catch (IOException e) {
      // clamd closes the connection when StreamMaxLength is passed, after saying so: read it.
      writeFailure = e;
    }
    ClamdCodec.ReplyReader reply = new ClamdCodec.ReplyReader();
    boolean answered;
    try {
      answered = c.read(reply);
    } catch (InterruptedIOException e) {
      return new Exchange(
          ScanResult.failed(
              FailureKind.TIMEOUT,
              "clamd at "
                  + settings.address()
                  + " did not answer in time (read timeout "
                  + settings.readTimeout()
                  + " or the scan's time limit)"
                  + interrupted(e)),
          false,
          false);
    } catch (IOException e) {
      answered = false;
      if (writeFailure == null) {
        writeFailure = e;
      }
    }
    if (reply.overflow()) {
      return new Exchange(
          ScanResult.failed(
              FailureKind.PROTOCOL,
              "clamd reply longer than "
                  + ClamdCodec.MAX_REPLY_LENGTH
                  + " bytes: '"
                  + ClamdCodec.printable(reply.text())
                  + "'"),
          false,
          false);
    }
    if (!answered || !reply.complete()) {
      if (reply.empty()) {
        String why = writeFailure == null ? "" : " (" + writeFailure.getMessage() + ")";
        return new Exchange(
            ScanResult.failed(
                FailureKind.CONNECTION,
                "clamd at " + settings.address() + " closed the connection without a reply" + why),
            false,
            true);
      }
      return new Exchange(
          ScanResult.failed(
              FailureKind.PROTOCOL,
              "clamd closed the connection mid-reply: '"
                  + ClamdCodec.printable(reply.text())
                  + "'"),
          false,
          false);
    }
    String text = reply.text();
    if (session.pooled) {
      Optional<String> stripped = ClamdCodec.stripSessionId(text, id);
      if (stripped.isEmpty()) {
        return new Exchange(
            ScanResult.failed(
                FailureKind.PROTOCOL,
                "clamd reply lacks session id " + id + ": '" + ClamdCodec.printable(text) + "'"),
            false,
            false);
      }
      text = stripped.get();
    }
    ScanResult result = ClamdCodec.parseScanReply(text);
    boolean reusable =
        writeFailure == null
            && !c.hasUnreadBytes()
            && (result instanceof ScanResult.Clean || result instanceof ScanResult.Infected);
    return new Exchange(result, reusable, false);
  }

  private Session takeIdle() {
    Session s;
    while ((s = idle.poll()) != null) {
      if (System.nanoTime() - s.lastUsedNanos < POOL_IDLE_LIMIT_NANOS) {
        return s;
      }
      s.close();
    }
    return null;
  }

  private void release(Session session, boolean reusable) {
    if (!reusable || !session.pooled || closed) {
      session.close();
      return;
    }
    session.lastUsedNanos = System.nanoTime();
    if (!idle.offer(session)) {
      session.close();
    } else if (closed) {
      drainIdle();
    }
  }

  private void drainIdle() {
    if (idle == null) {
      return;
    }
    Session s;
    while ((s = idle.poll()) != null) {
      s.close();
    }
  }

  /** One connection; in a session when pooled, with the next request number clamd will echo. */
  private static final class Session {
    final ClamdConnection connection;
    final boolean pooled;
    long nextId = 1;
    long lastUsedNanos = System.nanoTime();

    Session(ClamdConnection connection, boolean pooled) {
      this.connection = connection;
      this.pooled = pooled;
    }

    void close() {
      if (pooled) {
        try {
          connection.write(ByteBuffer.wrap(ClamdCodec.END));
        } catch (IOException e) {
          // The session is over either way once the socket closes.
        }
      }
      connection.close();
    }
  }

  @Override
  public String toString() {
    return "ClamdClient[" + settings.address() + ", pool " + settings.poolSize() + "]";
  }
}
