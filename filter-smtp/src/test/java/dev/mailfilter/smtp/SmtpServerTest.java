package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Reply;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The gateway through real sockets: scripted conversations, relaying, refusals, limits. */
class SmtpServerTest {
  static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  static final String CLEAN =
      "Received: from mx.sender.example by mx.sender.example; Mon, 7 Dec 2026 10:00:00 +0000\r\n"
          + "From: Alice <alice@sender.example>\r\n"
          + "To: bob@ours.example\r\n"
          + "Subject: lunch on thursday\r\n"
          + "Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n"
          + "Message-ID: <lunch-1@sender.example>\r\n"
          + "MIME-Version: 1.0\r\n"
          + "Content-Type: text/plain; charset=utf-8\r\n"
          + "\r\n"
          + "Hi Bob,\r\n"
          + ".a line that starts with a dot\r\n"
          + "..and one with two\r\n"
          + "\r\n"
          + "shall we meet at noon? Alice\r\n";

  private Downstream downstream;
  private Downstream otherDownstream;
  private MailFilter filter;
  private SmtpServer server;

  @BeforeEach
  void start() throws IOException {
    downstream = new Downstream();
    otherDownstream = new Downstream();
    filter = filter(config(downstream.port(), otherDownstream.port()));
    server = server(filter, b -> {});
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    filter.close();
    downstream.close();
    otherDownstream.close();
  }

  static String config(int port, int otherPort) {
    return "domains:\n"
        + "  ours.example:\n"
        + "    route: {host: 127.0.0.1, port: "
        + port
        + ", tls: none}\n"
        + "  bücher.example:\n"
        + "    route: {host: 127.0.0.1, port: "
        + port
        + ", tls: none}\n"
        + "  held.example:\n"
        + "    action_overrides: {reject: quarantine}\n"
        + "    route: {host: 127.0.0.1, port: "
        + port
        + ", tls: none}\n"
        + "  dropped.example:\n"
        + "    action_overrides: {reject: discard}\n"
        + "    route: {host: 127.0.0.1, port: "
        + port
        + ", tls: none}\n"
        + "  tagged.example:\n"
        + "    action_overrides: {reject: add_header}\n"
        + "    route: {host: 127.0.0.1, port: "
        + port
        + ", tls: none}\n"
        + "  elsewhere.example:\n"
        + "    route: {host: 127.0.0.1, port: "
        + otherPort
        + ", tls: none}\n";
  }

  static MailFilter filter(String yaml) {
    return MailFilter.builder()
        .config(
            yaml.isEmpty() ? FilterConfig.defaults() : FilterConfig.builder().yaml(yaml).build())
        .build();
  }

  static SmtpServer server(MailFilter filter, java.util.function.Consumer<SmtpServer.Builder> more)
      throws IOException {
    SmtpServer.Builder b =
        SmtpServer.builder()
            .filters(() -> filter)
            .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .hostName("gw.test")
            .drainTimeout(Duration.ofSeconds(5));
    more.accept(b);
    return b.build().start();
  }

  private Client client() throws IOException {
    Client c = new Client(server.localAddress());
    assertThat(c.reply()).startsWith("220 gw.test ");
    return c;
  }

  private Client ehlo() throws IOException {
    Client c = client();
    c.send("EHLO client.example\r\n");
    assertThat(c.reply()).startsWith("250-gw.test Hello client.example").contains("250-PIPELINING");
    return c;
  }

  static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /** The relayed copy with the fields the original does not have taken out. */
  static String withoutAddedFields(byte[] relayed, String original) {
    String r = new String(relayed, UTF_8);
    int end = r.indexOf("\r\n\r\n");
    List<String> fields = new ArrayList<>();
    for (String line : r.substring(0, end + 2).split("\r\n(?![ \t])")) {
      if (!line.isEmpty() && original.contains(line.replace("\r\n", "\r\n") + "\r\n")) {
        fields.add(line);
      }
    }
    return String.join("\r\n", fields) + "\r\n" + r.substring(end + 2);
  }

  static String stuffed(String message) {
    return message.replace("\r\n.", "\r\n..").replaceFirst("^\\.", "..");
  }

  @Test
  void pipelinedTransactionIsRelayedAndAnsweredAfterDownstreamAccepts() throws Exception {
    try (Client c = ehlo()) {
      c.send(
          "MAIL FROM:<alice@sender.example> SIZE=1000 BODY=8BITMIME\r\n"
              + "RCPT TO:<bob@ours.example> NOTIFY=FAILURE ORCPT=rfc822;bob@ours.example\r\n"
              + "RCPT TO:<Carol@OURS.EXAMPLE>\r\n"
              + "DATA\r\n");
      assertThat(c.replies(4))
          .containsExactly(
              "250 2.1.0 Ok",
              "250 2.1.5 Ok",
              "250 2.1.5 Ok",
              "354 End data with <CR><LF>.<CR><LF>");
      c.send(stuffed(CLEAN) + ".\r\n");
      assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
      c.send("QUIT\r\n");
      assertThat(c.reply()).isEqualTo("221 2.0.0 Bye");
    }
    assertThat(downstream.messages).hasSize(1);
    Downstream.Received m = downstream.messages.getFirst();
    assertThat(m.from()).isEqualTo("alice@sender.example");
    assertThat(m.mailParameters()).isEqualTo("SIZE BODY");
    assertThat(m.recipients()).containsExactly("bob@ours.example", "Carol@ours.example");
    String relayed = new String(m.content(), UTF_8);
    assertThat(relayed).startsWith("Received: from client.example ([127.0.0.1])\r\n\tby gw.test");
    assertThat(withoutAddedFields(m.content(), CLEAN)).isEqualTo(CLEAN);
    assertThat(downstream.commands).anyMatch(s -> s.contains("NOTIFY"));
    assertThat(server.stats().relayed()).isEqualTo(1);
    // The time from the final dot to our 250, the relay leg included, is counted and logged.
    SmtpStats stats = server.stats();
    assertThat(stats.latency().count()).isEqualTo(1);
    assertThat(stats.latency().max()).isPositive();
    assertThat(stats.toLogLine()).contains(" p50=").contains(" p99=").contains(" max=");
  }

  @Test
  void aForgedAuthenticationResultsForOurIdIsNotRelayedAndTheOthersAre() throws Exception {
    String message =
        "Authentication-Results: other.example; spf=pass smtp.mailfrom=sender.example\r\n"
            + "From: alice@sender.example\r\n"
            + "Authentication-Results: (forged) GW.TEST;\r\n\tdkim=pass header.d=bank.example\r\n"
            + "Subject: results\r\n"
            + "\r\n"
            + "Authentication-Results: gw.test; in the body, relayed as it is\r\n";
    try (MailFilter f =
            filter(
                config(downstream.port(), otherDownstream.port())
                    + "checks:\n  authentication_results: {enabled: true, authserv_id: gw.test}\n");
        SmtpServer s = server(f, b -> {});
        Client c = new Client(s.localAddress())) {
      assertThat(c.reply()).startsWith("220 ");
      c.send("EHLO client.example\r\n");
      c.reply();
      c.send("MAIL FROM:<alice@sender.example>\r\nRCPT TO:<bob@ours.example>\r\nDATA\r\n");
      assertThat(c.replies(3)).last().asString().startsWith("354");
      c.send(stuffed(message) + ".\r\n");
      assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
    }
    String relayed = new String(downstream.messages.getFirst().content(), UTF_8);
    String header = relayed.substring(0, relayed.indexOf("\r\n\r\n") + 2);
    assertThat(header)
        .startsWith("Received: from client.example")
        .contains(
            "\r\nAuthentication-Results: gw.test;\r\n\tdkim=none reason=\"no signature\";\r\n"
                + "\tarc=none reason=\"no ARC sets\"\r\n"
                + "Authentication-Results: other.example; spf=pass smtp.mailfrom=sender.example\r\n"
                + "From: alice@sender.example\r\n"
                + "Subject: results\r\n")
        .doesNotContain("GW.TEST")
        .doesNotContain("bank.example");
    assertThat(relayed)
        .endsWith("\r\n\r\nAuthentication-Results: gw.test; in the body, relayed as it is\r\n");
  }

  @Test
  void gtubeIsRejectedWith554AtEndOfDataAndNothingIsRelayed() throws Exception {
    try (Client c = ehlo()) {
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\nDATA\r\n");
      assertThat(c.replies(3)).last().asString().startsWith("354");
      c.send("Subject: test\r\n\r\n" + GTUBE + "\r\n.\r\n");
      assertThat(c.reply()).startsWith("554 5.7.1");
      // The session goes on: a new transaction is possible.
      c.send("MAIL FROM:<a@sender.example>\r\n");
      assertThat(c.reply()).isEqualTo("250 2.1.0 Ok");
    }
    assertThat(downstream.messages).isEmpty();
    assertThat(downstream.commands).isEmpty();
  }

  private String gtubeTo(String recipient) throws IOException {
    try (Client c = ehlo()) {
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<" + recipient + ">\r\nDATA\r\n");
      assertThat(c.replies(3)).last().asString().startsWith("354");
      c.send("Subject: test\r\n\r\n" + GTUBE + "\r\n.\r\n");
      return c.reply();
    }
  }

  @Test
  void quarantineVerdictIsATemporaryFailureWithoutAQuarantineStore() throws Exception {
    assertThat(gtubeTo("bob@held.example"))
        .isEqualTo("451 4.3.0 Error: message held for quarantine, but no quarantine is configured");
    assertThat(downstream.commands).isEmpty();
  }

  @Test
  void discardVerdictIsAnswered250AndNotRelayed() throws Exception {
    assertThat(gtubeTo("bob@dropped.example")).startsWith("250 ");
    assertThat(downstream.commands).isEmpty();
    assertThat(server.stats().discarded()).isEqualTo(1);
  }

  @Test
  void addHeaderVerdictIsRelayedWithTheSpamHeaders() throws Exception {
    assertThat(gtubeTo("bob@tagged.example")).startsWith("250 2.0.0 Ok: queued as ");
    String relayed = new String(downstream.messages.getFirst().content(), UTF_8);
    String header = relayed.substring(0, relayed.indexOf("\r\n\r\n") + 2);
    assertThat(header).contains("\r\nX-Spam-Flag: YES\r\n").contains("\r\nSubject: test\r\n");
    assertThat(header).startsWith("Received: from client.example");
    assertThat(relayed).endsWith("\r\n\r\n" + GTUBE + "\r\n");
  }

  @Test
  void bdatChunksAreRelayedAsOneMessage() throws Exception {
    byte[] whole = CLEAN.getBytes(UTF_8);
    String first = new String(Arrays.copyOf(whole, 100), UTF_8);
    String rest = new String(Arrays.copyOfRange(whole, 100, whole.length), UTF_8);
    try (Client c = ehlo()) {
      c.send(
          "MAIL FROM:<alice@sender.example>\r\nRCPT TO:<bob@ours.example>\r\nBDAT 100\r\n"
              + first
              + "BDAT "
              + (whole.length - 100)
              + " LAST\r\n"
              + rest);
      List<String> r = c.replies(4);
      assertThat(r.get(2)).isEqualTo("250 2.0.0 100 octets received");
      assertThat(r.get(3)).startsWith("250 2.0.0 Ok: queued as ");
    }
    assertThat(withoutAddedFields(downstream.messages.getFirst().content(), CLEAN))
        .isEqualTo(CLEAN);
  }

  @Test
  void downstreamTemporaryFailureAtEndOfDataIsPassedBack() throws Exception {
    downstream.replies.put("END", Reply.of(451, "4.3.0", "Try again later"));
    try (Client c = ehlo()) {
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\nDATA\r\n");
      c.replies(3);
      c.send(CLEAN + ".\r\n");
      assertThat(c.reply()).isEqualTo("451 4.3.0 Try again later");
    }
  }

  @Test
  void downstreamRecipientRefusalWithoutEnhancedCodeGetsOurs() throws Exception {
    downstream.replies.put("RCPT", Reply.of(550, "", "No such user"));
    try (Client c = ehlo()) {
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<nobody@ours.example>\r\nDATA\r\n");
      c.replies(3);
      c.send(CLEAN + ".\r\n");
      assertThat(c.reply()).isEqualTo("550 5.0.0 No such user");
    }
    assertThat(downstream.messages).isEmpty();
  }

  @Test
  void unreachableDownstreamIsATemporaryFailure() throws Exception {
    int port = downstream.port();
    downstream.close();
    try (Client c = ehlo()) {
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\nDATA\r\n");
      c.replies(3);
      c.send(CLEAN + ".\r\n");
      assertThat(c.reply()).isEqualTo("451 4.4.1 Downstream server not reachable: 127.0.0.1");
    }
    assertThat(port).isPositive();
  }

  @Test
  void recipientOfAnotherRouteGets452InTheSameTransaction() throws Exception {
    try (Client c = ehlo()) {
      c.send(
          "MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\n"
              + "RCPT TO:<eve@elsewhere.example>\r\n");
      assertThat(c.replies(3))
          .containsExactly(
              "250 2.1.0 Ok",
              "250 2.1.5 Ok",
              "452 4.5.3 Too many recipients, send this one in a new transaction");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "<victim@other.example>",
        "<victim%other.example@ours.example>",
        "<other.example!victim@ours.example>",
        "<\"victim@other.example\"@ours.example>",
        "<@ours.example:victim@other.example>",
        "<victim@[127.0.0.1]>",
        "<victim@[IPv6:::1]>",
        "<victim@other.example.>",
        "<victim@OTHER.example>",
        "<victim@ours.example.other.example>",
        "<victim@xn--bcher-kva.other.example>",
        "<postmaster>"
      })
  void openRelayFormsAreRefused(String path) throws Exception {
    try (Client c = ehlo()) {
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:" + path + "\r\nDATA\r\n");
      List<String> r = c.replies(3);
      assertThat(r.get(1)).startsWith("550 5.7.1");
      assertThat(r.get(2)).isEqualTo("554 5.5.1 Error: no valid recipients");
    }
    assertThat(downstream.commands).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "<bob@ours.example.>",
        "<bob@OURS.Example>",
        "<bob@xn--bcher-kva.example>",
        "<@elsewhere.example:bob@ours.example>"
      })
  void formsOfOurDomainsAreAccepted(String path) throws Exception {
    try (Client c = ehlo()) {
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:" + path + "\r\n");
      assertThat(c.replies(2)).last().isEqualTo("250 2.1.5 Ok");
    }
  }

  @Test
  void utf8DomainOfOursIsAcceptedWithSmtpUtf8() throws Exception {
    try (Client c = ehlo()) {
      c.send("MAIL FROM:<a@sender.example> SMTPUTF8\r\nRCPT TO:<bob@BÜCHER.example>\r\n");
      assertThat(c.replies(2)).last().isEqualTo("250 2.1.5 Ok");
    }
  }

  @Test
  void everyErrorReplyOfTheStateMachine() throws Exception {
    // Every error in a few writes: pipelining that forbid_unauth_pipelining would refuse.
    server.close();
    server = server(filter, b -> b.forbidUnauthPipelining(false));
    try (Client c = client()) {
      c.send(
          "MAIL FROM:<a@sender.example>\r\n"
              + "RCPT TO:<bob@ours.example>\r\n"
              + "DATA\r\n"
              + "FOO\r\n"
              + "HELO client.example\r\n"
              + "MAIL FROM:<a@sender.example> SIZE=10\r\n"
              + "EHLO client.example\r\n");
      List<String> r = c.replies(7);
      assertThat(r.subList(0, 6))
          .containsExactly(
              "503 Error: send HELO/EHLO first",
              "503 Error: need MAIL command",
              "503 Error: need MAIL command",
              "500 Error: command not recognized",
              "250 gw.test",
              "555 Unsupported option: SIZE");
      assertThat(r.get(6)).isEqualTo("250 CHUNKING");
      c.send(
          "MAIL FROM:<a@sender.example> SIZE=999999999999\r\n"
              + "MAIL FROM:<a@sender.example>\r\n"
              + "MAIL FROM:<a@sender.example>\r\n"
              + "DATA\r\n"
              + "VRFY bob\r\n"
              + "HELP\r\n"
              + "NOOP\r\n"
              + "RSET\r\n"
              + "RCPT TO:<bob@ours.example>\r\n"
              + "BDAT 3 LAST\r\nabc"
              + "GET / HTTP/1.0\r\n");
      assertThat(c.replies(11))
          .containsExactly(
              "552 5.3.4 Message size exceeds fixed limit",
              "250 2.1.0 Ok",
              "503 5.5.1 Error: nested MAIL command",
              "554 5.5.1 Error: no valid recipients",
              "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery",
              "214 2.0.0 See RFC 5321",
              "250 2.0.0 Ok",
              "250 2.0.0 Ok",
              "503 5.5.1 Error: need MAIL command",
              "503 5.5.1 Error: need MAIL command",
              "521 5.5.1 Protocol error: this is an SMTP server");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void refusedAtConnectGets554GreetingThenOnlyQuit() throws Exception {
    server.close();
    try (MailFilter blocking =
        filter(
            config(downstream.port(), otherDownstream.port())
                + "lists: {block: {ips: [127.0.0.0/8]}}\n")) {
      server = server(blocking, b -> b.forbidUnauthPipelining(false));
      try (Client c = new Client(server.localAddress())) {
        assertThat(c.reply()).startsWith("554 ");
        c.send("EHLO client.example\r\nMAIL FROM:<a@sender.example>\r\nQUIT\r\n");
        assertThat(c.replies(3))
            .containsExactly(
                "503 Error: this session was refused, only QUIT is accepted",
                "503 Error: this session was refused, only QUIT is accepted",
                "221 Bye");
        assertThat(c.closedByServer()).isTrue();
      }
    }
  }

  @Test
  void bareLineEndsKeptByTheNotePolicyCannotSmuggleAMessageDownstream() throws Exception {
    server.close();
    server = server(filter, b -> b.limits(SmtpLimits.defaults().withBareLineEnd(BareLineEnd.NOTE)));
    String smuggling =
        "From: a@sender.example\r\nSubject: hi\r\n\r\nhello\n.\nMAIL FROM:<x@evil.example>\r\n"
            + "hi\r.\rRCPT TO:<y@ours.example>\r\nbye\r\n";
    try (Client c = ehlo()) {
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\nDATA\r\n");
      c.replies(3);
      c.send(smuggling + ".\r\n");
      assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
    }
    assertThat(downstream.messages).hasSize(1);
    assertThat(downstream.commands.stream().filter(cmd -> cmd.startsWith("Mail[")).count())
        .isEqualTo(1);
    // Downstream sees the bare line ends as CRLF, and the dot lines stuffed and unstuffed again.
    String body = new String(downstream.messages.getFirst().content(), UTF_8);
    assertThat(body)
        .endsWith(
            "\r\n\r\nhello\r\n.\r\nMAIL FROM:<x@evil.example>\r\nhi\r\n.\r\nRCPT"
                + " TO:<y@ours.example>\r\nbye\r\n");
  }

  @Test
  void recipientsOverTheLimitGet452AndTheRestIsRelayed() throws Exception {
    server.close();
    server = server(filter, b -> b.maxRecipients(2));
    try (Client c = ehlo()) {
      c.send(
          "MAIL FROM:<a@sender.example>\r\nRCPT TO:<a@ours.example>\r\nRCPT TO:<b@ours.example>\r\n"
              + "RCPT TO:<c@ours.example>\r\nDATA\r\n");
      assertThat(c.replies(5))
          .containsExactly(
              "250 2.1.0 Ok",
              "250 2.1.5 Ok",
              "250 2.1.5 Ok",
              "452 4.5.3 Error: too many recipients",
              "354 End data with <CR><LF>.<CR><LF>");
      c.send(CLEAN + ".\r\n");
      assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
    }
    assertThat(downstream.messages.getFirst().recipients())
        .containsExactly("a@ours.example", "b@ours.example");
  }

  @Test
  void pipelinedRepliesComeInOneWrite() throws Exception {
    try (Client c = ehlo()) {
      // NOOP must end a group (RFC 2920 section 3.1), so it comes last.
      c.send("RSET\r\nRSET\r\nRSET\r\nRSET\r\nNOOP\r\n");
      assertThat(c.replies(5)).containsOnly("250 2.0.0 Ok");
    }
  }

  @Test
  void messageOverTheSizeLimitIsRefused552AtEndOfData() throws Exception {
    server.close();
    server = server(filter, b -> b.limits(SmtpLimits.defaults().withMaxMessageSize(200)));
    try (Client c = ehlo()) {
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\nDATA\r\n");
      c.replies(3);
      c.send(CLEAN + CLEAN.substring(CLEAN.indexOf("\r\n\r\n")) + ".\r\n");
      assertThat(c.reply()).isEqualTo("552 5.3.4 Error: message file too big");
    }
    assertThat(downstream.messages).isEmpty();
  }

  @Test
  void withoutDomainsEveryRecipientIsRefused() throws Exception {
    server.close();
    try (MailFilter plain = filter("")) {
      server = server(plain, b -> {});
      try (Client c = ehlo()) {
        c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\n");
        assertThat(c.replies(2))
            .last()
            .isEqualTo("550 5.7.1 Relay access denied: no domains are configured");
      }
    }
  }

  @Test
  void idleClientGets421WhenTheServerCloses() throws Exception {
    try (Client c = ehlo()) {
      server.close();
      assertThat(c.reply()).startsWith("421 4.3.2 ");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void transactionInFlightFinishesDuringClose() throws Exception {
    try (Client c = ehlo()) {
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\n");
      c.replies(2);
      Thread closer = Thread.ofVirtual().start(server::close);
      await(() -> closer.isAlive());
      Thread.sleep(100); // close() is sweeping now; the transaction must survive it
      c.send("DATA\r\n");
      assertThat(c.reply()).startsWith("354");
      c.send(CLEAN + ".\r\n");
      assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
      assertThat(c.reply()).startsWith("421 4.3.2 ");
      closer.join();
    }
    assertThat(downstream.messages).hasSize(1);
  }

  @Test
  void connectionsOverThePerClientLimitGet421() throws Exception {
    server.close();
    server = server(filter, b -> b.maxConnectionsPerClient(1));
    try (Client first = client();
        Client second = new Client(server.localAddress())) {
      // Before EHLO, no enhanced status code (RFC 2034).
      assertThat(second.reply())
          .isEqualTo("421 gw.test Error: too many connections from your address");
      assertThat(second.closedByServer()).isTrue();
      first.send("NOOP\r\n");
      assertThat(first.reply()).isEqualTo("250 Ok");
    }
    await(() -> server.stats().open() == 0);
    assertThat(server.stats().refusedConnections()).isEqualTo(1);
  }

  @Test
  void silentClientGets421AfterTheCommandTimeout() throws Exception {
    server.close();
    server =
        server(
            filter,
            b -> b.timeouts(new SmtpTimeouts(Duration.ofMillis(300), Duration.ofMillis(300))));
    try (Client c = ehlo()) {
      assertThat(c.reply()).isEqualTo("421 4.4.2 Error: timeout exceeded");
      assertThat(c.closedByServer()).isTrue();
    }
  }
}
