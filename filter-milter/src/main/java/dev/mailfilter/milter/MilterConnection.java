package dev.mailfilter.milter;

import dev.mailfilter.api.Decision;
import dev.mailfilter.api.Scores;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.server.ConnectionSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MTA connection: reads packets, hands each command to the {@link MilterConversation} and
 * writes all the replies to one command in one write, until the MTA quits, the connection fails or
 * the server closes it. Runs on its own virtual thread.
 *
 * <p>Whatever the peer sends (garbage, an HTTP request, a packet over the limit, commands out of
 * order) ends this connection with one log line and never reaches another connection.
 */
final class MilterConnection implements ConnectionSet.Member {
  private static final Logger LOG = LoggerFactory.getLogger("dev.mailfilter.milter");

  /** What the connection needs from its server. */
  interface Host {
    /** Whether the server is shutting down: end the connection between messages. */
    boolean closing();

    /** The connection ended; called once, last. */
    void ended(MilterConnection connection);
  }

  private final ByteChannel channel;
  private final String name;
  private final MilterConversation conversation;
  private final Counters counters;
  private final Host host;
  private final Runnable ackNow;
  private final int maxPacketLength;
  private final java.time.Duration progressInterval;

  /**
   * A connection's read buffer: a message's commands but its body chunks fit, and a connection per
   * SMTP session (Postfix's way) should not cost 64 KiB of garbage. Longer reads (body chunks) go
   * past it, straight into the packet's array ({@link ChannelInput}).
   */
  static final int READ_BUFFER = 8 << 10;

  private static final ByteBuffer PROGRESS =
      ByteBuffer.wrap(Response.PROGRESS.toPacket().toBytes()).asReadOnlyBuffer();

  // Serialises the writes of replies and of progress packets sent while a check runs.
  private final ReentrantLock writeLock = new ReentrantLock();

  /** When the current read started waiting for the peer (System.nanoTime), or 0 when none does. */
  private volatile long waitingSince;

  /** Whether a transaction is open: the server lets it finish before it closes the connection. */
  private volatile boolean inTransaction;

  private volatile boolean timedOut;
  private volatile boolean closedByServer;

  /** Our time on the current message so far (handling its commands, writing replies). */
  private long messageNanos;

  /**
   * Whether bytes were read since our last write: the MTA's kernel waits for their ACK, and Nagle's
   * algorithm holds the MTA's next packet until it comes. A reply carries the ACK; data that gets
   * none needs {@link #ackNow} before we wait for the MTA again.
   */
  private boolean unacked;

  /**
   * @param channel the connected channel, blocking; closed when the connection ends
   * @param name how log lines name the connection, e.g. {@code 127.0.0.1:45678}
   * @param ackNow sends the ACK of the bytes read so far at once ({@code TCP_QUICKACK}), instead of
   *     the kernel's delayed ACK; run only for data that gets no reply (macros, commands negotiated
   *     without one, a packet read in part), before the connection waits for the MTA
   */
  MilterConnection(
      ByteChannel channel,
      String name,
      MilterConversation conversation,
      Counters counters,
      Host host,
      Runnable ackNow,
      int maxPacketLength,
      java.time.Duration progressInterval) {
    this.channel = channel;
    this.name = name;
    this.conversation = conversation;
    this.counters = counters;
    this.host = host;
    this.ackNow = ackNow;
    this.maxPacketLength = maxPacketLength;
    this.progressInterval = progressInterval;
  }

  String name() {
    return name;
  }

  @Override
  public void run() {
    ChannelInput in =
        new ChannelInput(
            channel,
            new ChannelInput.ReadListener() {
              @Override
              public void waiting() {
                ackUnanswered();
                waitingSince = System.nanoTime() | 1; // never 0 while waiting
              }

              @Override
              public void returned() {
                waitingSince = 0;
                unacked = true;
              }
            },
            READ_BUFFER);
    PacketReader reader = PacketReader.of(in, maxPacketLength);
    try {
      serve(in, reader);
    } catch (MilterProtocolException e) {
      if (timedOut || closedByServer) {
        ended(null);
      } else {
        counters.protocolErrors.increment();
        LOG.warn("milter {}{}: closed: {}", name, queue(), e.getMessage());
      }
    } catch (IOException e) {
      ended(e);
    } catch (RuntimeException e) {
      // Not the peer's doing: a bug of ours, with its stack trace.
      LOG.error("milter {}{}: closed after an internal error", name, queue(), e);
    } finally {
      conversation.close();
      closeChannel();
      host.ended(this);
    }
  }

  private void serve(ChannelInput in, PacketReader reader) throws IOException {
    while (true) {
      Optional<Packet> packet = reader.next();
      if (packet.isEmpty()) {
        LOG.debug("milter {}: the MTA closed the connection", name);
        return;
      }
      long start = System.nanoTime();
      Command command = Command.decode(packet.get());
      if (in.available() == 0 && !conversation.answers(command)) {
        // Nothing more is buffered and no reply will carry the ACK: send it before the work (the
        // header checks at the end of the header), so the MTA's next packet is on its way
        // meanwhile.
        ackUnanswered();
      }
      boolean before = conversation.inTransaction();
      List<Response> replies =
          command instanceof Command.BodyEob && conversation.mayProgress()
              ? handleWithProgress(command)
              : conversation.handle(command);
      inTransaction = conversation.inTransaction();
      write(replies);
      long spent = System.nanoTime() - start;
      if (before || inTransaction) {
        messageNanos += spent;
      }
      account(command);
      if (conversation.quit()) {
        return;
      }
      if (!inTransaction && host.closing()) {
        LOG.debug("milter {}: closed between messages for the shutdown", name);
        return;
      }
    }
  }

  /**
   * One timer for every connection's progress packets. Scheduling and cancelling a task per message
   * costs neither a thread nor an exception, where a ticker thread per message cost both: starting
   * it, and the {@code InterruptedException} (with its stack trace) that stopped it, on every
   * message (about 160 a second in a JFR recording under benchmarks/peers/milter.sh).
   */
  private static final ScheduledThreadPoolExecutor PROGRESS_TIMER = progressTimer();

  private static ScheduledThreadPoolExecutor progressTimer() {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1, Thread.ofPlatform().name("milter-progress-timer").daemon().factory());
    timer.setRemoveOnCancelPolicy(true); // a cancelled tick leaves nothing behind in the queue
    return timer;
  }

  /**
   * Handles a command while {@code SMFIR_PROGRESS} goes out every progress interval, so that a slow
   * check does not run into the MTA's timeout for the reply ({@code milter_content_timeout}).
   * Progress stops, under the write lock, before the final replies are written, so no progress
   * packet can follow them.
   */
  private List<Response> handleWithProgress(Command command) throws IOException {
    Progress progress = new Progress();
    long every = progressInterval.toNanos();
    ScheduledFuture<?> ticks =
        PROGRESS_TIMER.scheduleAtFixedRate(progress, every, every, TimeUnit.NANOSECONDS);
    try {
      return conversation.handle(command);
    } finally {
      ticks.cancel(false);
      progress.stop();
    }
  }

  /** Sends one progress packet per tick until stopped. */
  private final class Progress implements Runnable {
    private boolean stopped; // guarded by writeLock

    /** On the shared timer: the write goes to a virtual thread, so a slow MTA holds up no other. */
    @Override
    public void run() {
      Thread.ofVirtual().name("milter-progress-" + name).start(this::send);
    }

    private void send() {
      writeLock.lock();
      try {
        if (!stopped) {
          writeNow(PROGRESS);
        }
      } catch (IOException e) {
        // The connection broke: its own read or write reports it.
        LOG.debug("milter {}: progress not sent: {}", name, e.toString());
      } finally {
        writeLock.unlock();
      }
    }

    void stop() {
      writeLock.lock();
      try {
        stopped = true;
      } finally {
        writeLock.unlock();
      }
    }
  }

  /** Counts the outcome of the command just handled and logs a message's verdict. */
  private void account(Command command) {
    Decision.Refuse refusal = conversation.takeRefusal();
    if (refusal != null) {
      counters.refusal(refusal.action());
    }
    Verdict verdict = conversation.takeVerdict();
    if (verdict != null) {
      counters.message(verdict.action(), messageNanos);
      // The core's verdict line (logger dev.mailfilter.verdict) is the one INFO line per message:
      // queue id, client, sender, recipients, action, score, symbols and the time to classify.
      // This one adds only our whole time on the message, for a look at DEBUG.
      if (LOG.isDebugEnabled()) {
        LOG.debug(
            "milter {}{} action={} score={} time={}us",
            name,
            queue(),
            verdict.action().configName(),
            Scores.format(verdict.score()),
            messageNanos / 1000);
      }
    }
    if (!inTransaction) {
      messageNanos = 0;
    }
  }

  /** All replies to one command in one buffer and one write, so Nagle never holds back a part. */
  void write(List<Response> replies) throws IOException {
    if (replies.isEmpty()) {
      return;
    }
    unacked = false; // the reply carries the ACK
    if (replies.size() == 1) {
      // Nearly every command: no copy into a second buffer.
      writeLocked(ByteBuffer.wrap(replies.getFirst().encode()));
      return;
    }
    byte[][] packets = new byte[replies.size()][];
    int size = 0;
    for (int i = 0; i < packets.length; i++) {
      packets[i] = replies.get(i).toPacket().toBytes();
      size += packets[i].length;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    for (byte[] p : packets) {
      out.put(p);
    }
    out.flip();
    writeLocked(out);
  }

  private void writeLocked(ByteBuffer out) throws IOException {
    writeLock.lock();
    try {
      writeNow(out);
    } finally {
      writeLock.unlock();
    }
  }

  private void writeNow(ByteBuffer buffer) throws IOException {
    ByteBuffer out = buffer.duplicate();
    while (out.hasRemaining()) {
      channel.write(out);
    }
  }

  /** Sends the ACK of the bytes read since our last reply, if any, at once. */
  private void ackUnanswered() {
    if (unacked) {
      unacked = false;
      ackNow.run();
    }
  }

  /** The watchdog's look: closes the connection when its read has waited longer than allowed. */
  void checkTimeout(long now, long timeoutNanos) {
    long since = waitingSince;
    if (since != 0 && now - since > timeoutNanos && !timedOut) {
      timedOut = true;
      closeChannel();
    }
  }

  /** For the shutdown: closes the connection now unless a message is in flight. */
  @Override
  public void closeIfIdle() {
    if (!inTransaction) {
      closedByServer = true;
      closeChannel();
    }
  }

  /** For the end of the shutdown's drain time: closes the connection, message or not. */
  @Override
  public void forceClose() {
    if (channel.isOpen()) {
      closedByServer = true;
      LOG.warn("milter {}{}: closed by the shutdown with a message in flight", name, queue());
      closeChannel();
    }
  }

  private void ended(IOException e) {
    if (timedOut) {
      counters.timeouts.increment();
      LOG.info(
          "milter {}{}: closed: no command from the MTA within the read timeout", name, queue());
    } else if (closedByServer) {
      LOG.debug("milter {}: closed for the shutdown", name);
    } else if (e instanceof ClosedChannelException) {
      LOG.debug("milter {}: channel closed", name);
    } else if (e != null) {
      LOG.info("milter {}{}: closed: {}", name, queue(), e.toString());
    }
  }

  private String queue() {
    return conversation.queueId().map(q -> " queue=" + q).orElse("");
  }

  private void closeChannel() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("milter {}: close failed: {}", name, e.toString());
    }
  }
}
