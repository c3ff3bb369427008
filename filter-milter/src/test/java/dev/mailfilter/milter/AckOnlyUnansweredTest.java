package dev.mailfilter.milter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connection asks for an immediate ACK ({@code TCP_QUICKACK}) only for data that gets no reply,
 * before it waits for the MTA again, so that Nagle's algorithm on the MTA's side never holds the
 * next packet for a delayed ACK. A command that is answered needs none: its reply carries the ACK,
 * and a separate one would cost a system call and a packet per command.
 */
@Timeout(60)
class AckOnlyUnansweredTest {
  private static final MailFilter FILTER = MailFilter.withDefaults();
  private static final Duration WAIT = Duration.ofSeconds(10);

  @AfterAll
  static void close() {
    FILTER.close();
  }

  /** A connection in this JVM whose ACK requests are counted; the MTA side is returned. */
  private static MilterClient connect(ServerSocketChannel listener, AtomicInteger acks)
      throws Exception {
    SocketChannel mta = SocketChannel.open(listener.getLocalAddress());
    SocketChannel milter = listener.accept();
    MilterConnection connection =
        new MilterConnection(
            milter,
            "test",
            new MilterConversation(FILTER),
            new Counters(),
            new MilterConnection.Host() {
              @Override
              public boolean closing() {
                return false;
              }

              @Override
              public void ended(MilterConnection c) {}
            },
            acks::incrementAndGet,
            PacketReader.DEFAULT_MAX_LENGTH,
            Duration.ofSeconds(10));
    Thread.ofVirtual().start(connection);
    return MilterClient.over(mta);
  }

  private static void awaitAtLeast(AtomicInteger n, int min) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (n.get() < min && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(n.get()).as("ACK requests").isGreaterThanOrEqualTo(min);
  }

  @Test
  void dataWithoutAReplyIsAcknowledgedBeforeTheMilterWaitsAgain() throws Exception {
    try (ServerSocketChannel listener = listener()) {
      AtomicInteger acks = new AtomicInteger();
      try (MilterClient c = connect(listener, acks)) {
        c.call(MilterClient.POSTFIX);
        int before = acks.get();
        // A macro packet alone: no reply ever comes, so only an ACK request lets a Nagle-bound
        // MTA send its command.
        c.send(new Command.Macro(Milter.SMFIC_CONNECT, Map.of("j", "mx")));
        awaitAtLeast(acks, before + 1);
      }
    }
  }

  @Test
  void answeredCommandsAskForNoSeparateAck() throws Exception {
    try (ServerSocketChannel listener = listener()) {
      AtomicInteger acks = new AtomicInteger();
      try (MilterClient c = connect(listener, acks)) {
        c.call(MilterClient.POSTFIX);
        c.call(new Command.Connect("mx.example.org", Command.Family.INET, 4000, "203.0.113.25"));
        c.call(new Command.Helo("mx.example.org"));
        c.call(new Command.Mail(List.of("<a@example.org>")));
        // Connect, HELO and MAIL get no reply (the default filter): acknowledged before the wait.
        awaitAtLeast(acks, 1);
        Thread.sleep(50); // let a late request show before counting
        int before = acks.get();
        assertThat(c.call(new Command.Rcpt(List.of("<b@example.net>"))))
            .containsExactly(Response.CONTINUE);
        assertThat(c.call(new Command.Data())).containsExactly(Response.CONTINUE);
        assertThat(acks.get())
            .as("ACK requests for RCPT and DATA, both answered")
            .isEqualTo(before);
      }
    }
  }

  private static ServerSocketChannel listener() throws Exception {
    ServerSocketChannel l = ServerSocketChannel.open();
    l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return l;
  }
}
