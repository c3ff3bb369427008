package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.SymbolDef;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The protocol state machine against a real {@link MailFilter}, command by command. */
class MilterConversationTest {
  private static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  /**
   * An MTA that offers version 6 and every action but its macro lists, and lets no protocol step be
   * left out: every command is answered and header values come without their leading space. What
   * Postfix offers in full is {@code NegotiatedConversationTest}'s.
   */
  private static final Command.OptNeg POSTFIX = new Command.OptNeg(6, 0xff, 0);

  private final List<MailFilter> filters = new ArrayList<>();
  private final List<MilterConversation> conversations = new ArrayList<>();

  // What the recording DATA check saw, per message.
  private final List<byte[]> rawSeen = new CopyOnWriteArrayList<>();
  private final List<Optional<String>> queueIdsSeen = new CopyOnWriteArrayList<>();
  private final List<Connection> connectionsSeen = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeFilters() {
    // A filter's close waits for its open sessions: the conversations go first.
    conversations.forEach(MilterConversation::close);
    filters.forEach(MailFilter::close);
  }

  private MailFilter defaults() {
    MailFilter f = MailFilter.withDefaults();
    filters.add(f);
    return f;
  }

  /** The default checks plus one at {@code stage} that records and does {@code action}. */
  private MailFilter with(Stage stage, Consumer<CheckContext> action) {
    MailFilter f =
        MailFilter.builder()
            .addCheck(
                new Check() {
                  @Override
                  public String name() {
                    return "probe";
                  }

                  @Override
                  public Stage stage() {
                    return stage;
                  }

                  @Override
                  public List<SymbolDef> symbols() {
                    return List.of(SymbolDef.of("PROBE", 0, "test probe"));
                  }

                  @Override
                  public void run(CheckContext ctx) {
                    action.accept(ctx);
                  }

                  @Override
                  public boolean blocking() {
                    return false;
                  }
                })
            .build();
    filters.add(f);
    return f;
  }

  private MailFilter recording() {
    return with(
        Stage.DATA,
        ctx -> {
          rawSeen.add(ctx.rawBytes().toByteArray());
          queueIdsSeen.add(ctx.envelope().queueId());
          connectionsSeen.add(ctx.connection());
        });
  }

  private MilterConversation conversation(MailFilter f) {
    MilterConversation c = new MilterConversation(f);
    conversations.add(c);
    return c;
  }

  /** Feeds the commands in order and returns every response, in order. */
  private static List<Response> run(MilterConversation c, Command... commands)
      throws MilterProtocolException {
    List<Response> out = new ArrayList<>();
    for (Command command : commands) {
      out.addAll(c.handle(command));
    }
    return out;
  }

  private MilterConversation connected(MailFilter f) throws MilterProtocolException {
    MilterConversation c = conversation(f);
    assertThat(c.handle(POSTFIX))
        .containsExactly(
            new Response.OptNegReply(
                6, MilterConversation.ACTIONS & ~Milter.SMFIF_SETSYMLIST, 0, java.util.Map.of()));
    assertThat(
            run(
                c,
                new Command.Connect("mx.example.org", Command.Family.INET, 40000, "203.0.113.25"),
                new Command.Helo("mx.example.org")))
        .containsExactly(Response.CONTINUE, Response.CONTINUE);
    return c;
  }

  /** MAIL to BODYEOB for one message; returns the end-of-message responses. */
  private static List<Response> message(
      MilterConversation c, List<Command.Header> headers, String body)
      throws MilterProtocolException {
    assertThat(
            run(
                c,
                new Command.Mail(
                    List.of("<a@example.org>", "SIZE=" + body.length(), "BODY=8BITMIME")),
                new Command.Rcpt(List.of("<b@example.net>")),
                new Command.Data()))
        .containsExactly(Response.CONTINUE, Response.CONTINUE, Response.CONTINUE);
    for (Command.Header h : headers) {
      assertThat(c.handle(h)).containsExactly(Response.CONTINUE);
    }
    assertThat(run(c, new Command.Eoh(), new Command.Body(body.getBytes(US_ASCII))))
        .containsExactly(Response.CONTINUE, Response.CONTINUE);
    return c.handle(new Command.BodyEob());
  }

  private static List<Command.Header> plainHeaders(String subject) {
    return List.of(
        new Command.Header("From", "a@example.org"),
        new Command.Header("To", "b@example.net"),
        new Command.Header("Subject", subject),
        new Command.Header("Message-ID", "<1@example.org>"),
        new Command.Header("Date", "Mon, 7 Dec 2026 14:00:00 +0000"));
  }

  @Test
  void gtubeMessageEndsInReplyCode554() throws Exception {
    MilterConversation c = connected(defaults());
    List<Response> out = message(c, plainHeaders("test"), "hello\r\n" + GTUBE + "\r\n");
    assertThat(out).hasSize(1);
    assertThat(out.getFirst()).isInstanceOf(Response.ReplyCode.class);
    Response.ReplyCode reply = (Response.ReplyCode) out.getFirst();
    assertThat(reply.code()).isEqualTo(554);
    assertThat(reply.status()).isEqualTo("5.7.1");
  }

  @Test
  void cleanMessageContinuesWithSpamStatusHeaderAdded() throws Exception {
    MilterConversation c = connected(defaults());
    List<Response> out = message(c, plainHeaders("lunch"), "see you at noon\r\n");
    assertThat(out.getLast()).isEqualTo(Response.CONTINUE);
    assertThat(out)
        .anySatisfy(
            r -> {
              assertThat(r).isInstanceOf(Response.AddHeader.class);
              assertThat(((Response.AddHeader) r).name()).isEqualTo("X-Spam-Status");
              assertThat(((Response.AddHeader) r).value()).startsWith("No, score=");
            });
    // No X-Spam-Flag came in, so there is none to delete.
    assertThat(out).noneMatch(r -> r instanceof Response.ChgHeader);
  }

  @Test
  void forgedHeaderIsDeletedFromTheHighestIndexDown() throws Exception {
    MilterConversation c = connected(defaults());
    List<Command.Header> headers = new ArrayList<>(plainHeaders("lunch"));
    headers.add(new Command.Header("X-Spam-Flag", "NO"));
    headers.add(new Command.Header("x-spam-flag", "NO"));
    headers.add(new Command.Header("X-SPAM-FLAG", "NO"));
    List<Response> out = message(c, headers, "see you at noon\r\n");
    assertThat(out.stream().filter(r -> r instanceof Response.ChgHeader).toList())
        .containsExactly(
            Response.ChgHeader.delete(3, "X-Spam-Flag"),
            Response.ChgHeader.delete(2, "X-Spam-Flag"),
            Response.ChgHeader.delete(1, "X-Spam-Flag"));
    assertThat(out.getLast()).isEqualTo(Response.CONTINUE);
  }

  private static List<Command.Header> withAuthenticationResults() {
    List<Command.Header> headers = new ArrayList<>(plainHeaders("lunch"));
    headers.add(new Command.Header("Authentication-Results", "other.example; spf=pass"));
    headers.add(new Command.Header("authentication-results", "mx.ours.example; spf=pass"));
    headers.add(new Command.Header("Authentication-Results", "mx.ours.example; dkim=pass"));
    headers.add(new Command.Header("Authentication-Results", "third.example; dkim=pass"));
    return headers;
  }

  private MailFilter removingOurAuthenticationResults() {
    return with(
        Stage.DATA,
        ctx -> {
          ctx.removeHeader("Authentication-Results", 2);
          ctx.removeHeader("Authentication-Results", 3);
          ctx.removeHeader("Authentication-Results", 2); // twice: removed once
          ctx.removeHeader("Authentication-Results", 9); // beyond the fields: nothing
          ctx.addHeader("Authentication-Results", "mx.ours.example; spf=none");
        });
  }

  @Test
  void singleFieldRemovalsGoFirstFromTheHighestIndexDownBeforeOurFieldIsInserted()
      throws Exception {
    MilterConversation c = connected(removingOurAuthenticationResults());
    List<Response> out = message(c, withAuthenticationResults(), "see you at noon\r\n");
    assertThat(out.subList(0, 3))
        .containsExactly(
            Response.ChgHeader.delete(3, "Authentication-Results"),
            Response.ChgHeader.delete(2, "Authentication-Results"),
            new Response.InsHeader(0, "Authentication-Results", "mx.ours.example; spf=none"));
    assertThat(out).filteredOn(r -> r instanceof Response.ChgHeader).hasSize(2);
    assertThat(out.getLast()).isEqualTo(Response.CONTINUE);
  }

  @Test
  void anMtaThatDoesNotLetUsChangeHeadersGetsATempfailInsteadOfTheForgedField() throws Exception {
    MilterConversation c = conversation(removingOurAuthenticationResults());
    int offered = 0xff & ~Milter.SMFIF_CHGHDRS;
    assertThat(c.handle(new Command.OptNeg(6, offered, 0)))
        .containsExactly(
            new Response.OptNegReply(
                6,
                MilterConversation.ACTIONS & ~Milter.SMFIF_SETSYMLIST & ~Milter.SMFIF_CHGHDRS,
                0,
                java.util.Map.of()));
    run(
        c,
        new Command.Connect("mx.example.org", Command.Family.INET, 40000, "203.0.113.25"),
        new Command.Helo("mx.example.org"));
    List<Response> out = message(c, withAuthenticationResults(), "see you at noon\r\n");
    assertThat(out)
        .containsExactly(
            new Response.ReplyCode(
                451,
                "4.7.0",
                List.of("Cannot remove a forged header field: header changes not allowed")));
    // A message with nothing to remove is delivered as before.
    assertThat(c.handle(new Command.Abort())).isEmpty();
    List<Response> plain = message(c, plainHeaders("lunch"), "see you at noon\r\n");
    assertThat(plain.getLast()).isEqualTo(Response.CONTINUE);
  }

  @Test
  void secondTransactionOnOneConnectionStartsAfresh() throws Exception {
    MilterConversation c = connected(defaults());
    List<Command.Header> forged = new ArrayList<>(plainHeaders("test"));
    forged.add(new Command.Header("X-Spam-Flag", "NO"));
    assertThat(message(c, forged, GTUBE + "\r\n").getFirst())
        .isInstanceOf(Response.ReplyCode.class);
    // Postfix sends an abort after every message, accepted or not.
    assertThat(c.handle(new Command.Abort())).isEmpty();
    List<Response> second = message(c, plainHeaders("lunch"), "see you at noon\r\n");
    assertThat(second.getLast()).isEqualTo(Response.CONTINUE);
    // The first message's X-Spam-Flag is not counted in the second.
    assertThat(second).noneMatch(r -> r instanceof Response.ChgHeader);
  }

  @Test
  void abortResetsTheTransactionButKeepsTheSession() throws Exception {
    MilterConversation c = connected(recording());
    assertThat(
            run(
                c,
                new Command.Mail(List.of("<a@example.org>")),
                new Command.Rcpt(List.of("<b@example.net>")),
                new Command.Header("X-Spam-Flag", "NO"),
                new Command.Header("Subject", "aborted"),
                new Command.Abort()))
        .containsExactly(
            Response.CONTINUE, Response.CONTINUE, Response.CONTINUE, Response.CONTINUE);
    // After the abort there is no transaction to add a header to.
    assertThatThrownBy(() -> c.handle(new Command.Header("Subject", "x")))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessageStartingWith("SMFIC_HEADER: ");
    List<Response> out = message(c, plainHeaders("kept"), "body\r\n");
    assertThat(out.getLast()).isEqualTo(Response.CONTINUE);
    assertThat(out).noneMatch(r -> r instanceof Response.ChgHeader);
    assertThat(rawSeen).hasSize(1);
    String raw = new String(rawSeen.getFirst(), ISO_8859_1);
    assertThat(raw).contains("Subject: kept\r\n").doesNotContain("aborted");
  }

  @Test
  void eightBitHeaderReachesTheCheckByteExact() throws Exception {
    MilterConversation c = connected(recording());
    byte[] utf8 = "Caf\u00e9 \u65e5\u672c".getBytes(UTF_8);
    // The codec decodes header values one char per byte, so this is what arrives.
    String asDecoded = new String(utf8, ISO_8859_1);
    Command.Header subject = new Command.Header("Subject", asDecoded);
    assertThat(Command.decode(subject.toPacket())).isEqualTo(subject);
    message(c, List.of(new Command.Header("From", "a@example.org"), subject), "body\r\n");
    byte[] expected = concat("Subject: ".getBytes(US_ASCII), utf8, "\r\n".getBytes(US_ASCII));
    assertThat(indexOf(rawSeen.getFirst(), expected)).isNotNegative();
  }

  @Test
  void macrosGiveQueueIdAuthenticationAndTls() throws Exception {
    MilterConversation c = connected(recording());
    c.handle(
        new Command.Macro(
            Milter.SMFIC_MAIL, java.util.Map.of("i", "4BxyZ12abc", "{auth_authen}", "alice")));
    c.handle(
        new Command.Macro(
            Milter.SMFIC_RCPT,
            java.util.Map.of("{tls_version}", "TLSv1.3", "{cipher}", "TLS_AES_256_GCM_SHA384")));
    assertThat(message(c, plainHeaders("hi"), "body\r\n").getLast()).isEqualTo(Response.CONTINUE);
    assertThat(queueIdsSeen).containsExactly(Optional.of("4BxyZ12abc"));
    Connection seen = connectionsSeen.getFirst();
    assertThat(seen.authenticatedUser()).contains("alice");
    assertThat(seen.tlsInfo().orElseThrow().cipher()).isEqualTo("TLS_AES_256_GCM_SHA384");
    assertThat(seen.clientAddress()).isEqualTo(InetAddress.getByName("203.0.113.25"));
    assertThat(seen.clientPort()).isEqualTo(40000);
    assertThat(seen.reverseName()).contains("mx.example.org");
  }

  @Test
  void unixSocketClientIsTheLoopbackPlaceholder() throws Exception {
    MilterConversation c = conversation(recording());
    run(
        c,
        POSTFIX,
        new Command.Connect("localhost", Command.Family.UNIX, 0, "/var/run/smtp"),
        new Command.Helo("localhost"));
    message(c, plainHeaders("local"), "body\r\n");
    Connection seen = connectionsSeen.getFirst();
    assertThat(seen.clientAddress()).isEqualTo(InetAddress.getLoopbackAddress());
    assertThat(seen.clientPort()).isZero();
  }

  @Test
  void refusedRecipientGetsItsReplyAndTheTransactionGoesOn() throws Exception {
    MilterConversation c =
        connected(
            with(
                Stage.RCPT,
                ctx -> {
                  if (ctx.recipient().orElse("").contains("nobody")) {
                    ctx.addSymbol("PROBE");
                    ctx.forceAction(
                        Action.REJECT, "no such user", Reply.of(550, "5.1.1", "No such user"));
                  }
                }));
    List<Response> out =
        run(
            c,
            new Command.Mail(List.of("<a@example.org>")),
            new Command.Rcpt(List.of("<nobody@example.net>")),
            new Command.Rcpt(List.of("<b@example.net>")));
    assertThat(out)
        .containsExactly(
            Response.CONTINUE,
            Response.ReplyCode.of(550, "5.1.1", "No such user"),
            Response.CONTINUE);
    assertThat(run(c, new Command.Data(), new Command.Header("Subject", "x"), new Command.Eoh()))
        .containsExactly(Response.CONTINUE, Response.CONTINUE, Response.CONTINUE);
    assertThat(c.handle(new Command.BodyEob()).getLast()).isEqualTo(Response.CONTINUE);
  }

  @Test
  void refusalAtConnectIsAReplyCode() throws Exception {
    MilterConversation c =
        conversation(
            with(
                Stage.CONNECT,
                ctx -> {
                  ctx.addSymbol("PROBE");
                  ctx.forceAction(Action.TEMPFAIL, "busy", Reply.of(421, "4.3.2", "Busy"));
                }));
    c.handle(POSTFIX);
    assertThat(c.handle(new Command.Connect("[192.0.2.1]", Command.Family.INET, 1, "192.0.2.1")))
        .containsExactly(Response.ReplyCode.of(421, "4.3.2", "Busy"));
  }

  @Test
  void commandsOutOfOrderAreProtocolErrors() throws Exception {
    MilterConversation fresh = conversation(defaults());
    assertThatThrownBy(() -> fresh.handle(new Command.Helo("x")))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_HELO: before SMFIC_OPTNEG");
    fresh.handle(POSTFIX);
    assertThatThrownBy(() -> fresh.handle(new Command.Helo("x")))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessageContaining("SMFIC_HELO")
        .hasMessageContaining("SMFIC_CONNECT");
    assertThatThrownBy(
            () -> fresh.handle(new Command.Connect("h", Command.Family.INET, 25, "not.an.address")))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_CONNECT: not an IPv4 address: \"not.an.address\"");

    MilterConversation c = connected(defaults());
    assertThatThrownBy(() -> c.handle(new Command.Body(new byte[] {'x'})))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessageStartingWith("SMFIC_BODY: ");
    assertThat(c.handle(new Command.Quit())).isEmpty();
    assertThatThrownBy(() -> c.handle(new Command.Helo("x")))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIC_HELO: the MTA already quit this connection");
  }

  @Test
  void quitNcReadiesTheConversationForTheNextConnection() throws Exception {
    MilterConversation c = connected(defaults());
    assertThat(c.handle(new Command.QuitNc())).isEmpty();
    assertThat(
            run(
                c,
                new Command.Connect("[2001:db8::1]", Command.Family.INET6, 2525, "2001:db8::1"),
                new Command.Helo("other")))
        .containsExactly(Response.CONTINUE, Response.CONTINUE);
    assertThat(message(c, plainHeaders("again"), "body\r\n").getLast())
        .isEqualTo(Response.CONTINUE);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
