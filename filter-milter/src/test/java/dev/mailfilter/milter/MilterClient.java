package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small MTA side of the milter protocol for tests, built from the codec: sends commands as
 * Postfix does and reads the replies, remembering how many socket reads each reply set took.
 */
final class MilterClient implements AutoCloseable {
  static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  /** What Postfix 3.x offers: version 6, every action, every protocol step. */
  static final Command.OptNeg POSTFIX = new Command.OptNeg(6, 0x1ff, 0x1fffff);

  private final SocketChannel channel;
  private final ByteBuffer pending = ByteBuffer.allocate(1 << 21).flip();

  /** What the milter agreed to, once negotiated. */
  private Response.OptNegReply agreed;

  /** Socket reads the last {@link #readReplies} needed. */
  int readsForLastReplies;

  private MilterClient(SocketChannel channel) {
    this.channel = channel;
  }

  /** A client over a channel already connected. */
  static MilterClient over(SocketChannel channel) {
    return new MilterClient(channel);
  }

  static MilterClient connect(ListenAddress address) throws IOException {
    SocketAddress a = address.socketAddress();
    SocketChannel ch =
        a instanceof UnixDomainSocketAddress
            ? SocketChannel.open(StandardProtocolFamily.UNIX)
            : SocketChannel.open();
    ch.connect(a);
    return new MilterClient(ch);
  }

  /** Sends the commands, each as its own write. */
  void send(Command... commands) throws IOException {
    for (Command c : commands) {
      sendRaw(c.toPacket().toBytes());
    }
  }

  void sendRaw(byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  /** Sends one command and reads the replies up to and including a final one. */
  List<Response> call(Command command) throws IOException {
    send(command);
    if (noReply(command)) {
      return List.of();
    }
    List<Response> replies = readReplies();
    if (replies.getFirst() instanceof Response.OptNegReply r) {
      agreed = r;
    }
    return replies;
  }

  /** Whether the negotiation said this command gets no reply. */
  boolean noReply(Command command) {
    int protocol = agreed == null ? 0 : agreed.protocol();
    return command instanceof Command.Macro
        || command instanceof Command.Abort
        || command instanceof Command.Quit
        || command instanceof Command.QuitNc
        || (command instanceof Command.Connect && (protocol & Milter.SMFIP_NR_CONN) != 0)
        || (command instanceof Command.Helo && (protocol & Milter.SMFIP_NR_HELO) != 0)
        || (command instanceof Command.Mail && (protocol & Milter.SMFIP_NR_MAIL) != 0)
        || (command instanceof Command.Rcpt && (protocol & Milter.SMFIP_NR_RCPT) != 0)
        || (command instanceof Command.Data && (protocol & Milter.SMFIP_NR_DATA) != 0)
        || (command instanceof Command.Eoh && (protocol & Milter.SMFIP_NR_EOH) != 0)
        || (command instanceof Command.Header && (protocol & Milter.SMFIP_NR_HDR) != 0)
        || (command instanceof Command.Body && (protocol & Milter.SMFIP_NR_BODY) != 0)
        || (command instanceof Command.Unknown && (protocol & Milter.SMFIP_NR_UNKN) != 0);
  }

  /** Records the negotiation when the OPTNEG went out raw. */
  void agreed(Response reply) {
    agreed = (Response.OptNegReply) reply;
  }

  /** The negotiated reply, after {@link #handshake()}. */
  Response.OptNegReply agreed() {
    return agreed;
  }

  /**
   * Reads replies until a final one (anything but a header edit, quarantine or progress), counting
   * the socket reads it took.
   */
  List<Response> readReplies() throws IOException {
    readsForLastReplies = 0;
    List<Response> out = new ArrayList<>();
    while (true) {
      Response r = next().orElseThrow(() -> new IOException("the milter closed the connection"));
      out.add(r);
      if (!(r instanceof Response.AddHeader
          || r instanceof Response.InsHeader
          || r instanceof Response.ChgHeader
          || r instanceof Response.Quarantine
          || r.equals(Response.PROGRESS))) {
        return out;
      }
    }
  }

  /** The next reply, or empty when the milter closed the connection. */
  Optional<Response> next() throws IOException {
    if (!ensure(4)) {
      return Optional.empty();
    }
    int length = pending.getInt(pending.position());
    if (!ensure(4 + length)) {
      throw new IOException("connection closed inside a reply");
    }
    byte[] packet = new byte[4 + length];
    pending.get(packet);
    Optional<Packet> p = PacketReader.of(new ByteArrayInputStream(packet)).next();
    return Optional.of(Response.decode(p.orElseThrow()));
  }

  /** Whether the milter closed the connection: the next read sees the end of the stream. */
  boolean closedByPeer() throws IOException {
    try {
      return !ensure(1);
    } catch (IOException e) {
      return true; // reset
    }
  }

  private boolean ensure(int n) throws IOException {
    while (pending.remaining() < n) {
      pending.compact();
      int got = channel.read(pending);
      pending.flip();
      if (got < 0) {
        return false;
      }
      readsForLastReplies++;
    }
    return true;
  }

  /** OPTNEG, CONNECT and HELO as Postfix sends them, checking the replies. */
  MilterClient handshake() throws IOException {
    assertThat(call(POSTFIX).getFirst()).isInstanceOf(Response.OptNegReply.class);
    send(new Command.Macro(Milter.SMFIC_CONNECT, Map.of("j", "mx.example.net")));
    Command connect =
        new Command.Connect("mx.example.org", Command.Family.INET, 40000, "203.0.113.25");
    assertThat(call(connect)).isEqualTo(noReply(connect) ? List.of() : List.of(Response.CONTINUE));
    Command helo = new Command.Helo("mx.example.org");
    assertThat(call(helo)).isEqualTo(noReply(helo) ? List.of() : List.of(Response.CONTINUE));
    return this;
  }

  /** MAIL, RCPT, DATA and the header, leaving the body to the caller. */
  void beginMessage(String queueId, String subject) throws IOException {
    send(new Command.Macro(Milter.SMFIC_MAIL, Map.of("i", queueId)));
    proceeds(new Command.Mail(List.of("<a@example.org>")));
    assertThat(call(new Command.Rcpt(List.of("<b@example.net>"))))
        .containsExactly(Response.CONTINUE);
    assertThat(call(new Command.Data())).containsExactly(Response.CONTINUE);
    for (String[] h :
        new String[][] {
          {"From", "a@example.org"},
          {"To", "b@example.net"},
          {"Subject", subject},
          {"Message-ID", "<" + queueId + "@example.org>"},
          {"Date", "Mon, 7 Dec 2026 14:00:00 +0000"}
        }) {
      proceeds(new Command.Header(h[0], " " + h[1]));
    }
    proceeds(new Command.Eoh());
  }

  /** Sends a command answered with CONTINUE, or with nothing when no reply was agreed for it. */
  void proceeds(Command command) throws IOException {
    assertThat(call(command)).isEqualTo(noReply(command) ? List.of() : List.of(Response.CONTINUE));
  }

  /** A whole message; returns the end-of-message replies. */
  List<Response> message(String queueId, String subject, String body) throws IOException {
    beginMessage(queueId, subject);
    body(body.getBytes(US_ASCII));
    return call(new Command.BodyEob());
  }

  /** Sends a body chunk: answered with CONTINUE, or with nothing once SMFIP_NR_BODY was agreed. */
  void body(byte[] chunk) throws IOException {
    proceeds(new Command.Body(chunk));
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
