package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Counts the connection's {@code write} calls: every reply set (the header edits and the final
 * reply at the end of the message) goes out in exactly one, and macro and abort packets get none.
 * Two writes would let Nagle's algorithm hold the second back for the MTA's delayed ACK.
 */
@Timeout(60)
class OneWritePerReplyTest {
  private static final MailFilter FILTER = MailFilter.withDefaults();

  @AfterAll
  static void close() {
    FILTER.close();
  }

  /** A channel that counts the writes handed to it. */
  private record Counting(ByteChannel inner, AtomicInteger writes) implements ByteChannel {
    @Override
    public int read(ByteBuffer dst) throws IOException {
      return inner.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      writes.incrementAndGet();
      return inner.write(src);
    }

    @Override
    public boolean isOpen() {
      return inner.isOpen();
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }

  @Test
  void eachReplySetIsOneWriteAndMacrosAndAbortGetNone() throws Exception {
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      SocketChannel mta = SocketChannel.open(listener.getLocalAddress());
      SocketChannel milter = listener.accept();
      AtomicInteger writes = new AtomicInteger();
      Counters counters = new Counters();
      MilterConnection connection =
          new MilterConnection(
              new Counting(milter, writes),
              "test",
              new MilterConversation(FILTER),
              counters,
              new MilterConnection.Host() {
                @Override
                public boolean closing() {
                  return false;
                }

                @Override
                public void ended(MilterConnection c) {}
              },
              () -> {},
              PacketReader.DEFAULT_MAX_LENGTH,
              java.time.Duration.ofSeconds(10));
      Thread t = Thread.ofVirtual().start(connection);
      List<Integer> writesPerCommand = new ArrayList<>();
      List<Command> commands =
          List.of(
              MilterClient.POSTFIX,
              new Command.Macro(Milter.SMFIC_CONNECT, Map.of("j", "mx")),
              new Command.Connect("mx.example.org", Command.Family.INET, 4000, "203.0.113.25"),
              new Command.Helo("mx.example.org"),
              new Command.Mail(List.of("<a@example.org>")),
              new Command.Rcpt(List.of("<b@example.net>")),
              new Command.Macro(Milter.SMFIC_DATA, Map.of("i", "4Q")),
              new Command.Data(),
              new Command.Header("X-Spam-Flag", " YES"),
              new Command.Header("X-Spam-Flag", " YES"),
              new Command.Header("Subject", " hi"),
              new Command.Eoh(),
              new Command.Body("see you\r\n".getBytes(US_ASCII)),
              new Command.BodyEob(),
              new Command.Abort());
      List<Response> eom = List.of();
      try (MilterClient client = MilterClient.over(mta)) {
        for (Command c : commands) {
          int before = writes.get();
          boolean answered = !client.noReply(c);
          List<Response> replies = client.call(c);
          if (c instanceof Command.BodyEob) {
            eom = replies;
          }
          // Unanswered commands are checked by the total below: had one written, the bytes would
          // have been read as the next command's reply and failed the assertions on it.
          writesPerCommand.add(answered ? writes.get() - before : -1);
        }
        client.send(new Command.Quit());
        t.join();
        assertThat(client.closedByPeer()).isTrue();
      }
      // Two deletions, the X-Spam-* fields and CONTINUE: six packets, one write.
      assertThat(eom).hasSize(6).last().isEqualTo(Response.CONTINUE);
      assertThat(eom.subList(0, 2))
          .containsExactly(
              Response.ChgHeader.delete(2, "X-Spam-Flag"),
              Response.ChgHeader.delete(1, "X-Spam-Flag"));
      assertThat(writesPerCommand).doesNotContain(0).allMatch(n -> n == 1 || n == -1);
      // Nothing for the macros, connect (SMFIP_NR_CONN: the default checks refuse nothing there),
      // HELO, MAIL and the end of the header (SMFIP_NR_HELO, NR_MAIL, NR_EOH), the header fields
      // (SMFIP_NR_HDR), the body chunk (SMFIP_NR_BODY) and the abort: only the 4 answered
      // commands (option negotiation, RCPT, DATA, the end of the message) wrote.
      assertThat(writesPerCommand.stream().filter(n -> n == 1)).hasSize(4);
      assertThat(writes.get()).isEqualTo(4);
    }
  }
}
