package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Action;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server over real loopback sockets, TCP and Unix-domain, with the test client. */
@Timeout(60)
class MilterServerTest {
  private static final MailFilter FILTER = MailFilter.withDefaults();

  private final List<MilterServer> servers = new ArrayList<>();
  private final List<MilterClient> clients = new ArrayList<>();
  private final List<MailFilter> filters = new ArrayList<>();

  @TempDir Path dir;

  @AfterEach
  void closeAll() throws IOException {
    for (MilterClient c : clients) {
      c.close();
    }
    servers.forEach(MilterServer::close);
    filters.forEach(MailFilter::close); // after the servers: a filter waits for its sessions
  }

  private MilterServer start(MilterServer.Builder b) throws IOException {
    MilterServer s = b.build();
    servers.add(s);
    return s.start();
  }

  private MilterServer tcp() throws IOException {
    return start(
        MilterServer.builder().filter(FILTER).listen(new ListenAddress.Inet("127.0.0.1", 0)));
  }

  private MilterClient client(MilterServer s) throws IOException {
    MilterClient c = MilterClient.connect(s.localAddress());
    clients.add(c);
    return c;
  }

  /** Polls until the condition holds, failing after 10 s; never a fixed sleep. */
  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void gtubeOverTcpEndsInReplyCode554() throws Exception {
    MilterServer s = tcp();
    assertThat(s.localAddress()).isInstanceOf(ListenAddress.Inet.class);
    assertThat(((ListenAddress.Inet) s.localAddress()).port()).isPositive();
    MilterClient c = client(s).handshake();
    List<Response> out = c.message("4ABC1", "test", "hello\r\n" + MilterClient.GTUBE + "\r\n");
    assertThat(out).hasSize(1);
    Response.ReplyCode reply = (Response.ReplyCode) out.getFirst();
    assertThat(reply.code()).isEqualTo(554);
    assertThat(reply.status()).isEqualTo("5.7.1");
    await("the verdict counted", () -> s.stats().messages() == 1);
    assertThat(s.stats().verdicts().get(Action.REJECT)).isEqualTo(1);
    assertThat(s.stats().max()).isPositive();
  }

  @Test
  void cleanMessageGetsItsEditsAndContinueInOneRead() throws Exception {
    MilterServer s = tcp();
    MilterClient c = client(s).handshake();
    List<Response> out = c.message("4ABC2", "lunch", "see you at noon\r\n");
    assertThat(out.getLast()).isEqualTo(Response.CONTINUE);
    assertThat(out)
        .anySatisfy(
            r ->
                assertThat(r)
                    .isInstanceOf(Response.AddHeader.class)
                    .extracting("name")
                    .isEqualTo("X-Spam-Status"));
    // One write on the server's side arrives as one segment on loopback: one read here.
    assertThat(c.readsForLastReplies).isEqualTo(1);
    // A second transaction on the same connection, after an abort, as Postfix does.
    c.send(new Command.Abort());
    assertThat(c.message("4ABC3", "again", "hi\r\n").getLast()).isEqualTo(Response.CONTINUE);
    await("two verdicts", () -> s.stats().messages() == 2);
  }

  @Test
  void conversationOverAUnixSocket() throws Exception {
    Path socket = dir.resolve("milter.sock");
    MilterServer s =
        start(MilterServer.builder().filter(FILTER).listen(new ListenAddress.Unix(socket)));
    assertThat(s.localAddress()).isEqualTo(new ListenAddress.Unix(socket));
    // Writable by the group, whatever the umask: Postfix's user must be able to connect.
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socket)))
        .isEqualTo("rw-rw----");
    MilterClient c = client(s).handshake();
    assertThat(c.message("U1", "test", MilterClient.GTUBE + "\r\n").getFirst())
        .isInstanceOf(Response.ReplyCode.class);
    List<Response> clean = c.message("U2", "lunch", "see you at noon\r\n");
    assertThat(clean.getLast()).isEqualTo(Response.CONTINUE);
    assertThat(c.readsForLastReplies).isEqualTo(1);
    s.close();
    assertThat(socket).doesNotExist();
  }

  @Test
  void aStaleUnixSocketFileIsReplacedButALiveOneIsNot() throws Exception {
    Path socket = dir.resolve("stale.sock");
    MilterServer first =
        start(MilterServer.builder().filter(FILTER).listen(new ListenAddress.Unix(socket)));
    assertThatThrownBy(
            () ->
                start(MilterServer.builder().filter(FILTER).listen(new ListenAddress.Unix(socket))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot listen on unix:" + socket);
    first.close();
    // What a killed server leaves behind: the file, nobody listening.
    try (var ch =
        java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      ch.bind(java.net.UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists();
    MilterServer second =
        start(MilterServer.builder().filter(FILTER).listen(new ListenAddress.Unix(socket)));
    assertThat(client(second).handshake()).isNotNull();
  }

  @Test
  void garbageOnOneConnectionNeverDisturbsAnother() throws Exception {
    MilterServer s =
        start(
            MilterServer.builder()
                .filter(FILTER)
                .listen(new ListenAddress.Inet("127.0.0.1", 0))
                .maxPacketLength(PacketReader.DEFAULT_MAX_LENGTH));
    MilterClient good = client(s).handshake();
    good.beginMessage("4GOOD", "lunch");

    MilterClient http = client(s);
    http.sendRaw("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(US_ASCII));
    MilterClient oversize = client(s);
    oversize.sendRaw(new byte[] {0x7f, 0, 0, 0, 'O'});
    MilterClient random = client(s);
    byte[] noise = new byte[512];
    new Random(11).nextBytes(noise);
    noise[0] = 0; // a plausible length, then nonsense
    noise[1] = 0;
    noise[2] = 0;
    noise[3] = 9;
    noise[4] = 'Z';
    random.sendRaw(noise);
    MilterClient early = client(s);
    early.send(new Command.Helo("before negotiation"));
    for (MilterClient bad : List.of(http, oversize, random, early)) {
      assertThat(bad.closedByPeer()).isTrue();
    }
    await("four protocol errors", () -> s.stats().protocolErrors() == 4);

    good.body("see you at noon\r\n".getBytes(US_ASCII));
    assertThat(good.call(new Command.BodyEob()).getLast()).isEqualTo(Response.CONTINUE);
  }

  @Test
  void aReadTimeoutClosesAnIdleConnectionOnly() throws Exception {
    MilterServer s =
        start(
            MilterServer.builder()
                .filter(FILTER)
                .listen(new ListenAddress.Inet("127.0.0.1", 0))
                .readTimeout(Duration.ofMillis(300)));
    MilterClient idle = client(s).handshake();
    long start = System.nanoTime();
    MilterClient busy = client(s).handshake();
    // The busy one talks more often than the timeout while the idle one waits.
    busy.beginMessage("4BUSY", "lunch");
    while (System.nanoTime() - start < Duration.ofMillis(900).toNanos()) {
      busy.body("x\r\n".getBytes(US_ASCII));
      Thread.sleep(50);
    }
    assertThat(idle.closedByPeer()).isTrue();
    assertThat(System.nanoTime() - start).isGreaterThan(Duration.ofMillis(300).toNanos());
    assertThat(busy.call(new Command.BodyEob()).getLast()).isEqualTo(Response.CONTINUE);
    await("one timeout", () -> s.stats().timeouts() == 1);
  }

  @Test
  void gracefulCloseFinishesTheMessageInFlightAndClosesIdleConnections() throws Exception {
    MilterServer s =
        start(
            MilterServer.builder()
                .filter(FILTER)
                .listen(new ListenAddress.Inet("127.0.0.1", 0))
                .drainTimeout(Duration.ofSeconds(20)));
    MilterClient inFlight = client(s).handshake();
    inFlight.beginMessage("4FLIGHT", "lunch");
    MilterClient idle = client(s).handshake();

    CompletableFuture<Void> closing = CompletableFuture.runAsync(s::close);
    assertThat(idle.closedByPeer()).isTrue();
    assertThatThrownBy(() -> MilterClient.connect(s.localAddress()).close())
        .isInstanceOf(ConnectException.class);
    assertThat(closing).isNotDone();

    inFlight.body("see you\r\n".getBytes(US_ASCII));
    assertThat(inFlight.call(new Command.BodyEob()).getLast()).isEqualTo(Response.CONTINUE);
    // The message is done: the server closes the connection and finishes closing.
    assertThat(inFlight.closedByPeer()).isTrue();
    closing.get();
    assertThat(s.stats().messages()).isEqualTo(1);
    assertThat(s.stats().openConnections()).isZero();
  }

  @Test
  void theDrainTimeoutCutsAMessageThatDoesNotFinish() throws Exception {
    MilterServer s =
        start(
            MilterServer.builder()
                .filter(FILTER)
                .listen(new ListenAddress.Inet("127.0.0.1", 0))
                .drainTimeout(Duration.ofMillis(200)));
    MilterClient stuck = client(s).handshake();
    stuck.beginMessage("4STUCK", "lunch");
    long start = System.nanoTime();
    s.close();
    assertThat(System.nanoTime() - start).isLessThan(Duration.ofSeconds(5).toNanos());
    assertThat(stuck.closedByPeer()).isTrue();
  }

  @Test
  void connectionsOverTheLimitAreClosedAtOnce() throws Exception {
    MilterServer s =
        start(
            MilterServer.builder()
                .filter(FILTER)
                .listen(new ListenAddress.Inet("127.0.0.1", 0))
                .maxConnections(1));
    MilterClient first = client(s).handshake();
    MilterClient second = client(s);
    assertThat(second.closedByPeer()).isTrue();
    assertThat(s.stats().refusedConnections()).isEqualTo(1);
    assertThat(first.message("4FIRST", "lunch", "hi\r\n").getLast()).isEqualTo(Response.CONTINUE);
    first.send(new Command.Quit());
    assertThat(first.closedByPeer()).isTrue();
    await("the first connection gone", () -> s.stats().openConnections() == 0);
    assertThat(client(s).handshake()).isNotNull();
  }

  @Test
  void progressGoesOutWhileASlowCheckRunsAndNeverAfterTheFinalReply() throws Exception {
    MailFilter slow =
        Probes.filter(
            "",
            dev.mailfilter.api.Stage.DATA,
            ctx -> {
              try {
                Thread.sleep(900);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    filters.add(slow);
    MilterServer s =
        start(
            MilterServer.builder()
                .filter(slow)
                .listen(new ListenAddress.Inet("127.0.0.1", 0))
                .progressInterval(Duration.ofMillis(200)));
    MilterClient c = client(s).handshake();
    List<Response> out = c.message("4SLOW", "lunch", "see you\r\n");
    assertThat(out.getLast()).isEqualTo(Response.CONTINUE);
    long progress = out.stream().filter(r -> r.equals(Response.PROGRESS)).count();
    assertThat(progress).isBetween(2L, 5L);
    // Progress only before the edits and the final reply, which go out together.
    int firstEdit =
        out.indexOf(out.stream().filter(r -> !r.equals(Response.PROGRESS)).findFirst().get());
    assertThat(out.subList(firstEdit, out.size())).doesNotContain(Response.PROGRESS);
  }

  @Test
  void aPortInUseIsAClearError() throws Exception {
    MilterServer s = tcp();
    int port = ((ListenAddress.Inet) s.localAddress()).port();
    assertThatThrownBy(
            () ->
                start(
                    MilterServer.builder()
                        .filter(FILTER)
                        .listen(new ListenAddress.Inet("127.0.0.1", port))))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("cannot listen on inet:127.0.0.1:" + port + ": ");
    assertThat(Files.exists(dir)).isTrue();
  }
}
