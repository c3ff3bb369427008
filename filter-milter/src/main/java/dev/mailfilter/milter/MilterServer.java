package dev.mailfilter.milter;

import dev.mailfilter.FilterReloader;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.FilterStats;
import dev.mailfilter.server.ConnectionSet;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The milter server: Postfix and Sendmail connect to it and have every SMTP session filtered by a
 * {@link MailFilter}.
 *
 * <pre>{@code
 * try (FilterReloader filters = FilterReloader.start(Path.of("/etc/mailfilter.yaml"));
 *     MilterServer server = MilterServer.builder().filters(filters).build().start()) {
 *   ... // until shutdown
 * }
 * }</pre>
 *
 * <p>One virtual thread per MTA connection, on blocking sockets (TCP or Unix-domain). Every read
 * from the MTA has a time limit; a connection that breaks the protocol or sends garbage is closed
 * with one log line and disturbs no other. Over TCP the server removes the two Nagle and
 * delayed-ACK stalls a milter can cause ({@code docs/milter.md}, "Latency"): {@code TCP_NODELAY},
 * {@code TCP_QUICKACK} set again before each wait that follows data without a reply (Linux), the
 * replies to one command in one write, and no reply to macro and abort packets.
 *
 * <p>{@link #close()} is graceful: it stops accepting, closes the connections that are between
 * messages and lets messages in flight finish, up to the drain timeout. The server does not close
 * the filter or reloader it was given. Thread-safe.
 */
public final class MilterServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("dev.mailfilter.milter");

  private final Supplier<MailFilter> filters;
  private final MilterSettings settings;
  private final int maxPacketLength;
  private final Counters counters = new Counters();
  private final ConnectionSet<MilterConnection> connections = new ConnectionSet<>();
  private final AtomicLong lastRefusalLog = new AtomicLong(Long.MIN_VALUE / 2);
  private final CountDownLatch stop = new CountDownLatch(1);

  /** What every connection needs from the server: one for all, nothing in it is per connection. */
  private final MilterConnection.Host host =
      new MilterConnection.Host() {
        @Override
        public boolean closing() {
          return closing;
        }

        @Override
        public void ended(MilterConnection connection) {
          connections.ended(connection);
          counters.open.decrementAndGet();
        }
      };

  private final Object lifecycle = new Object();

  private ServerSocketChannel server; // guarded by lifecycle
  private ListenAddress bound; // guarded by lifecycle
  private volatile boolean closing;
  private boolean closed; // guarded by lifecycle
  private Thread acceptor;
  private Thread watchdog;
  private Thread statsLogger;

  private MilterServer(Builder b) {
    this.filters = b.filters;
    this.settings = b.settings;
    this.maxPacketLength = b.maxPacketLength;
  }

  /** A builder with the {@linkplain MilterSettings#defaults() default settings}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the listen address and starts accepting connections. A Unix-domain socket file left
   * behind by a server that is gone is replaced; one that a live server answers on is not.
   *
   * @return this server
   * @throws IOException when the address cannot be bound (in use, no permission, no such host)
   * @throws IllegalStateException when the server was started or closed already
   */
  public MilterServer start() throws IOException {
    synchronized (lifecycle) {
      if (server != null || closed) {
        throw new IllegalStateException("the milter server was already started");
      }
      ListenAddress listen = settings.listen();
      server = bind(listen, settings.socketMode());
      SocketAddress local = server.getLocalAddress();
      bound =
          switch (listen) {
            case ListenAddress.Inet i ->
                new ListenAddress.Inet(i.host(), ((InetSocketAddress) local).getPort());
            case ListenAddress.Unix u -> u;
          };
      acceptor = Thread.ofVirtual().name("milter-accept").start(this::acceptLoop);
      watchdog = Thread.ofVirtual().name("milter-read-timeout").start(this::watchLoop);
      if (!settings.statsInterval().isZero()) {
        statsLogger = Thread.ofVirtual().name("milter-stats").start(this::statsLoop);
      }
      LOG.info(
          "milter listening on {} (read timeout {}, max {} connections)",
          bound,
          settings.readTimeout(),
          settings.maxConnections());
      return this;
    }
  }

  private static ServerSocketChannel bind(ListenAddress listen, int mode) throws IOException {
    return switch (listen) {
      case ListenAddress.Inet i -> {
        InetSocketAddress a = (InetSocketAddress) i.socketAddress();
        if (a.isUnresolved()) {
          throw new IOException("cannot listen on " + listen + ": unknown host " + i.host());
        }
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
          ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
          ch.bind(a, 1024);
        } catch (IOException e) {
          ch.close();
          throw new IOException("cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        yield ch;
      }
      case ListenAddress.Unix u -> bindUnix(u, mode);
    };
  }

  private static ServerSocketChannel bindUnix(ListenAddress.Unix u, int mode) throws IOException {
    UnixDomainSocketAddress a = (UnixDomainSocketAddress) u.socketAddress();
    for (int attempt = 0; ; attempt++) {
      ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        ch.bind(a, 1024);
        setMode(u.path(), mode);
        return ch;
      } catch (BindException e) {
        ch.close();
        // A socket file left by a server that died: nobody answers on it, so it may go.
        if (attempt == 0 && Files.exists(u.path()) && !answers(a)) {
          Files.deleteIfExists(u.path());
          continue;
        }
        throw new IOException(
            "cannot listen on " + u + ": " + e.getMessage() + " (is another server running?)", e);
      } catch (IOException e) {
        ch.close();
        throw new IOException("cannot listen on " + u + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * The socket file's permissions: the MTA's user must be able to write to it to connect (Postfix's
   * smtpd runs as {@code postfix}), which the process's umask rarely allows.
   */
  private static void setMode(Path path, int mode) throws IOException {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_EXECUTE
    };
    for (int i = 0; i < order.length; i++) {
      if ((mode & (0400 >> i)) != 0) {
        perms.add(order[i]);
      }
    }
    try {
      Files.setPosixFilePermissions(path, perms);
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: its own rules apply.
    }
  }

  private static boolean answers(UnixDomainSocketAddress a) {
    try (SocketChannel probe = SocketChannel.open(a)) {
      return probe.isConnected();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The address the server listens on, with the real port when it was asked for port 0.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public ListenAddress localAddress() {
    synchronized (lifecycle) {
      if (bound == null) {
        throw new IllegalStateException("the milter server is not started");
      }
      return bound;
    }
  }

  /** The counters now. */
  public MilterStats stats() {
    return counters.snapshot();
  }

  /**
   * The time mailfilter spent on each message (as {@link MilterStats#p50()}), as a histogram on the
   * core's fixed buckets, for an exporter: Prometheus wants buckets, not percentiles.
   */
  public FilterStats.Latency latency() {
    return counters.latency.snapshot();
  }

  /** The settings the server runs with. */
  public MilterSettings settings() {
    return settings;
  }

  private void acceptLoop() {
    ServerSocketChannel ch;
    synchronized (lifecycle) {
      ch = server;
    }
    long sequence = 0;
    while (!closing) {
      SocketChannel client;
      try {
        client = ch.accept();
      } catch (ClosedChannelException e) {
        return; // closed by close()
      } catch (IOException e) {
        // EMFILE and the like: not this loop's to fix, but it must not spin.
        LOG.warn("milter accept on {} failed: {}", bound, e.toString());
        if (sleep(Duration.ofMillis(100))) {
          return;
        }
        continue;
      }
      sequence++;
      serve(client, sequence);
    }
  }

  private void serve(SocketChannel client, long sequence) {
    String name = name(client, sequence);
    if (counters.open.incrementAndGet() > settings.maxConnections()) {
      counters.open.decrementAndGet();
      counters.refusedConnections.increment();
      close(client);
      long now = System.nanoTime();
      long last = lastRefusalLog.get();
      // One line a second at most: a flood of connections must not become a flood of lines.
      if (now - last > 1_000_000_000L && lastRefusalLog.compareAndSet(last, now)) {
        LOG.warn(
            "milter {}: refused, {} connections are open (milter.max_connections); {} refused so"
                + " far",
            name,
            settings.maxConnections(),
            counters.refusedConnections.sum());
      }
      return;
    }
    counters.connections.increment();
    Runnable ackNow = () -> {};
    try {
      client.configureBlocking(true);
      if (client.getRemoteAddress() instanceof InetSocketAddress) {
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (quickAck(client)) {
          ackNow = () -> rearmQuickAck(client);
          rearmQuickAck(client);
        }
      }
    } catch (IOException e) {
      counters.open.decrementAndGet();
      LOG.info("milter {}: closed at once: {}", name, e.toString());
      close(client);
      return;
    }
    MilterConnection c =
        new MilterConnection(
            client,
            name,
            new MilterConversation(filters),
            counters,
            host,
            ackNow,
            maxPacketLength,
            settings.progressInterval());
    connections.start(c, "milter-" + name);
    if (closing) {
      c.closeIfIdle(); // accepted while close() was sweeping
    }
  }

  private static String name(SocketChannel client, long sequence) {
    try {
      if (client.getRemoteAddress() instanceof InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
      }
    } catch (IOException e) {
      // named by its number below
    }
    return "unix#" + sequence;
  }

  private static boolean quickAck(SocketChannel client) {
    return client.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK);
  }

  // Setting TCP_QUICKACK sends an ACK the kernel holds back at once, and Linux clears the option by
  // itself after a while; set before each wait that follows data without a reply, the ACK leaves at
  // once instead of up to 40 ms later (stall A in SERVERS.md). Data that gets a reply needs none:
  // the reply carries the ACK.
  private static void rearmQuickAck(SocketChannel client) {
    try {
      setOption(client, ExtendedSocketOptions.TCP_QUICKACK, true);
    } catch (IOException | UnsupportedOperationException e) {
      // A closed socket or a platform without it: nothing to gain by failing the read.
    }
  }

  private static <T> void setOption(SocketChannel ch, SocketOption<T> option, T value)
      throws IOException {
    ch.setOption(option, value);
  }

  private void watchLoop() {
    long timeout = settings.readTimeout().toNanos();
    // Checked four times per timeout (at most once a second): a timeout ends within 25% of it.
    Duration period = settings.readTimeout().dividedBy(4);
    if (period.compareTo(Duration.ofSeconds(1)) > 0) {
      period = Duration.ofSeconds(1);
    }
    while (!sleep(period)) {
      long now = System.nanoTime();
      for (MilterConnection c : connections.open()) {
        c.checkTimeout(now, timeout);
      }
    }
  }

  private void statsLoop() {
    while (!sleep(settings.statsInterval())) {
      LOG.info("milter stats: {}", stats().toLogLine());
    }
  }

  /** Sleeps; true when the server stopped meanwhile. */
  private boolean sleep(Duration d) {
    try {
      return stop.await(d.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  /**
   * Stops accepting, closes connections that are between messages and waits for messages in flight
   * to finish, up to the drain timeout; then closes what is left and logs the counters. Idempotent.
   */
  @Override
  public void close() {
    ServerSocketChannel ch;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      closing = true;
      ch = server;
    }
    if (ch == null) {
      return; // never started
    }
    close(ch);
    if (bound instanceof ListenAddress.Unix u) {
      try {
        Files.deleteIfExists(u.path());
      } catch (IOException e) {
        LOG.warn("milter: cannot remove the socket file {}: {}", u.path(), e.toString());
      }
    }
    ConnectionSet.join(acceptor, Duration.ofSeconds(5));
    connections.drain(settings.drainTimeout());
    stop.countDown();
    ConnectionSet.join(watchdog, Duration.ofSeconds(5));
    ConnectionSet.join(statsLogger, Duration.ofSeconds(5));
    LOG.info("milter stopped: {}", stats().toLogLine());
  }

  private static void close(java.nio.channels.Channel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      LOG.debug("milter: close failed: {}", e.toString());
    }
  }

  @Override
  public String toString() {
    synchronized (lifecycle) {
      return "MilterServer[" + (bound == null ? settings.listen() : bound) + "]";
    }
  }

  /** Builds a {@link MilterServer}; a filter (or reloader) is required, the rest has defaults. */
  public static final class Builder {
    private Supplier<MailFilter> filters;
    private MilterSettings settings = MilterSettings.defaults();
    private int maxPacketLength = PacketReader.DEFAULT_MAX_LENGTH;

    private Builder() {}

    /** Filters every session with {@code filter}. */
    public Builder filter(MailFilter filter) {
      Objects.requireNonNull(filter, "filter");
      this.filters = MilterConversation.fixed(filter);
      return this;
    }

    /**
     * Filters each session with the filter {@code filters} runs when the MTA connects, so that a
     * reload applies to the next SMTP session.
     */
    public Builder filters(FilterReloader filters) {
      Objects.requireNonNull(filters, "filters");
      this.filters = filters::current;
      return this;
    }

    /** All settings at once, e.g. the {@code milter:} section of the configuration. */
    public Builder settings(MilterSettings settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /** Where to listen; default {@code inet:127.0.0.1:11332}. */
    public Builder listen(ListenAddress address) {
      settings = settings.withListen(address);
      return this;
    }

    /** How long a read from the MTA may wait; see {@link MilterSettings#readTimeout()}. */
    public Builder readTimeout(Duration timeout) {
      settings = settings.withReadTimeout(timeout);
      return this;
    }

    /** How long {@link #close()} lets messages in flight finish. */
    public Builder drainTimeout(Duration timeout) {
      settings = settings.withDrainTimeout(timeout);
      return this;
    }

    /** Connections served at once; more are closed at once with a log line. */
    public Builder maxConnections(int max) {
      settings = settings.withMaxConnections(max);
      return this;
    }

    /** How often {@code SMFIR_PROGRESS} goes out while the end-of-message checks run. */
    public Builder progressInterval(Duration interval) {
      settings = settings.withProgressInterval(interval);
      return this;
    }

    /**
     * The permissions of a Unix-domain socket file, e.g. {@code 0660}; see {@link
     * MilterSettings#socketMode()}.
     */
    public Builder socketMode(int mode) {
      settings = settings.withSocketMode(mode);
      return this;
    }

    /** The largest packet accepted, see {@link PacketReader#DEFAULT_MAX_LENGTH}; for tests. */
    Builder maxPacketLength(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxPacketLength must be at least 1: " + max);
      }
      this.maxPacketLength = max;
      return this;
    }

    /**
     * The server, not yet listening: call {@link MilterServer#start()}.
     *
     * @throws IllegalStateException when no filter was given
     */
    public MilterServer build() {
      if (filters == null) {
        throw new IllegalStateException("a milter server needs a filter: call filter or filters");
      }
      return new MilterServer(this);
    }
  }
}
