package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What is negotiated with a full Postfix offer (no replies to header fields, verbatim header
 * values, the body skipped once the verdict is fixed, our macro lists), and what is left when an
 * MTA offers less, down to protocol version 2.
 */
class NegotiatedConversationTest {
  private static final Command.OptNeg POSTFIX = MilterClient.POSTFIX;

  /** Postfix before 2.6: version 2, the first six actions, the first seven protocol steps. */
  private static final Command.OptNeg VERSION_2 = new Command.OptNeg(2, 0x3f, 0x7f);

  private final List<MailFilter> filters = new ArrayList<>();
  private final List<MilterConversation> conversations = new ArrayList<>();
  private final List<byte[]> rawSeen = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    conversations.forEach(MilterConversation::close);
    filters.forEach(MailFilter::close);
  }

  private MilterConversation conversation(String yaml) {
    MailFilter f =
        Probes.filter(yaml, Stage.DATA, ctx -> rawSeen.add(ctx.rawBytes().toByteArray()));
    filters.add(f);
    MilterConversation c = new MilterConversation(f);
    conversations.add(c);
    return c;
  }

  private static List<Response> run(MilterConversation c, Command... commands)
      throws MilterProtocolException {
    List<Response> out = new ArrayList<>();
    for (Command command : commands) {
      out.addAll(c.handle(command));
    }
    return out;
  }

  /**
   * Negotiates {@code offer} and opens a transaction: every stage answered with continue, but
   * connect, HELO and MAIL when no reply was agreed for them.
   */
  private static void open(MilterConversation c, Command.OptNeg offer)
      throws MilterProtocolException {
    Response.OptNegReply agreed = (Response.OptNegReply) c.handle(offer).getFirst();
    int quiet =
        Integer.bitCount(
            agreed.protocol()
                & (Milter.SMFIP_NR_CONN | Milter.SMFIP_NR_HELO | Milter.SMFIP_NR_MAIL));
    assertThat(
            run(
                c,
                new Command.Connect("mx.example.org", Command.Family.INET, 40000, "203.0.113.25"),
                new Command.Helo("mx.example.org"),
                new Command.Mail(List.of("<a@example.org>")),
                new Command.Rcpt(List.of("<b@example.net>")),
                new Command.Data()))
        .hasSize(5 - quiet)
        .containsOnly(Response.CONTINUE);
  }

  @Test
  void aFullPostfixOfferAgreesOnOurStepsAndMacroLists() throws Exception {
    MilterConversation c = conversation("");
    List<Response> reply = c.handle(POSTFIX);
    assertThat(reply)
        .containsExactly(
            new Response.OptNegReply(
                6,
                MilterConversation.ACTIONS,
                // The default checks run none at connect, so connect gets no reply either.
                MilterConversation.PROTOCOL & ~Milter.SMFIP_SKIP | Milter.SMFIP_NR_CONN,
                MilterConversation.MACROS));
    assertThat(c.mayProgress()).isTrue();
    // The list goes on the wire as libmilter's smfi_setsymlist sends it: stage, then the names.
    Response.OptNegReply decoded =
        (Response.OptNegReply) Response.decode(reply.getFirst().toPacket());
    assertThat(decoded.macros()).containsEntry(Milter.SMFIM_ENVFROM, "i {auth_authen}");
  }

  @Test
  void headerFieldsGetNoReplyAndReachTheChecksVerbatim() throws Exception {
    MilterConversation c = conversation("");
    open(c, POSTFIX);
    assertThat(
            run(
                c,
                new Command.Header("From", " a@example.org"),
                new Command.Header("Subject", "  two spaces\n\tand a fold"),
                new Command.Header("X-Tight", "no-space"),
                new Command.Header("X-Latin", " caf\u00e9")))
        .isEmpty();
    // Neither the end of the header (SMFIP_NR_EOH) nor the body chunk (SMFIP_NR_BODY) is answered.
    assertThat(run(c, new Command.Eoh(), new Command.Body("hi\r\n".getBytes(US_ASCII)))).isEmpty();
    List<Response> eom = c.handle(new Command.BodyEob());
    assertThat(new String(rawSeen.getFirst(), ISO_8859_1))
        .isEqualTo(
            "From: a@example.org\r\nSubject:  two spaces\r\n\tand a fold\r\nX-Tight:no-space\r\n"
                + "X-Latin: caf\u00e9\r\n\r\nhi\r\n");
    // Postfix adds no space after the colon of our fields now: each value brings its own.
    assertThat(eom)
        .filteredOn(r -> r instanceof Response.AddHeader)
        .isNotEmpty()
        .allSatisfy(r -> assertThat(((Response.AddHeader) r).value()).startsWith(" "));
  }

  @Test
  void verbatimFieldsKeepACrlfFoldAndRefuseABadNameOrACharBeyondLatin1() throws Exception {
    MilterConversation c = conversation("");
    open(c, POSTFIX);
    run(c, new Command.Header("X-Crlf", " one\r\n\ttwo\n\tthree"), new Command.Eoh());
    c.handle(new Command.BodyEob());
    assertThat(new String(rawSeen.getFirst(), ISO_8859_1))
        .startsWith("X-Crlf: one\r\n\ttwo\r\n\tthree\r\n\r\n");
    for (Command.Header bad :
        List.of(
            new Command.Header("", " empty name"),
            new Command.Header("Bad Name", " a space"),
            new Command.Header("X-Wide", " \u20ac"))) {
      MilterConversation d = conversation("");
      open(d, POSTFIX);
      assertThatThrownBy(() -> d.handle(bad))
          .isInstanceOf(MilterProtocolException.class)
          .hasMessageStartingWith("SMFIC_HEADER: ");
    }
  }

  @Test
  void bodyChunksGetNoReplyWhenTheMtaOffersNrBodyAndSkipIsNotAsked() throws Exception {
    MilterConversation c = conversation("");
    Response.OptNegReply reply = (Response.OptNegReply) c.handle(POSTFIX).getFirst();
    assertThat(reply.protocol() & Milter.SMFIP_NR_BODY).isNotZero();
    // A chunk without a reply cannot be answered with SMFIR_SKIP.
    assertThat(reply.protocol() & Milter.SMFIP_SKIP).isZero();
  }

  @Test
  void withNrBodyAnOversizedBodyIsTakenWithoutRepliesAndRejected() throws Exception {
    MilterConversation c = conversation("limits:\n  max_message_size: 1KiB\n");
    open(c, POSTFIX);
    run(c, new Command.Header("Subject", " big"), new Command.Eoh());
    byte[] chunk = "x".repeat(600).getBytes(US_ASCII);
    for (int i = 0; i < 3; i++) {
      assertThat(c.handle(new Command.Body(chunk))).isEmpty();
    }
    List<Response> eom = c.handle(new Command.BodyEob());
    assertThat(eom).singleElement().isInstanceOf(Response.ReplyCode.class);
    assertThat(((Response.ReplyCode) eom.getFirst()).code()).isEqualTo(552);
  }

  @Test
  void theBodyIsSkippedOnceTheMessageIsOverTheSizeLimit() throws Exception {
    MilterConversation c = conversation("limits:\n  max_message_size: 1KiB\n");
    // An MTA that offers SMFIP_SKIP but not SMFIP_NR_BODY (Sendmail 8.14 can be set up so).
    open(c, new Command.OptNeg(6, 0x1ff, 0x1fffff & ~Milter.SMFIP_NR_BODY));
    run(c, new Command.Header("Subject", " big"), new Command.Eoh());
    byte[] chunk = "x".repeat(600).getBytes(US_ASCII);
    assertThat(c.handle(new Command.Body(chunk))).containsExactly(Response.CONTINUE);
    assertThat(c.handle(new Command.Body(chunk))).containsExactly(Response.SKIP);
    // A chunk the MTA had already sent is answered and dropped.
    assertThat(c.handle(new Command.Body(chunk))).containsExactly(Response.CONTINUE);
    List<Response> eom = c.handle(new Command.BodyEob());
    assertThat(eom).singleElement().isInstanceOf(Response.ReplyCode.class);
    assertThat(((Response.ReplyCode) eom.getFirst()).code()).isEqualTo(552);
    // The next message starts afresh.
    run(
        c,
        new Command.Mail(List.of("<a@example.org>")),
        new Command.Rcpt(List.of("<b@example.net>")),
        new Command.Data(),
        new Command.Header("Subject", " small"),
        new Command.Eoh());
    assertThat(c.handle(new Command.Body("hi\r\n".getBytes(US_ASCII))))
        .containsExactly(Response.CONTINUE);
    assertThat(c.handle(new Command.BodyEob()).getLast()).isEqualTo(Response.CONTINUE);
  }

  @Test
  void withoutSmfipSkipTheBodyIsTakenAndStillRejected() throws Exception {
    MilterConversation c = conversation("limits:\n  max_message_size: 1KiB\n");
    open(c, new Command.OptNeg(6, 0x1ff, 0x1fffff & ~(Milter.SMFIP_SKIP | Milter.SMFIP_NR_BODY)));
    run(c, new Command.Header("Subject", " big"), new Command.Eoh());
    byte[] chunk = "x".repeat(600).getBytes(US_ASCII);
    for (int i = 0; i < 3; i++) {
      assertThat(c.handle(new Command.Body(chunk))).containsExactly(Response.CONTINUE);
    }
    assertThat(((Response.ReplyCode) c.handle(new Command.BodyEob()).getFirst()).code())
        .isEqualTo(552);
  }

  @Test
  void version2GetsEveryReplyAndNoneOfTheLaterFeatures() throws Exception {
    MilterConversation c = conversation("");
    assertThat(c.handle(VERSION_2))
        .containsExactly(
            new Response.OptNegReply(2, MilterConversation.ACTIONS & 0x3f, 0, java.util.Map.of()));
    assertThat(c.mayProgress()).isFalse();
    open(c, VERSION_2);
    // Without SMFIP_NR_HDR every field is answered; without SMFIP_HDR_LEADSPC one space was eaten.
    assertThat(
            run(
                c,
                new Command.Header("From", "a@example.org"),
                new Command.Header("Subject", "old mta"),
                new Command.Eoh(),
                new Command.Body(("hello\r\n" + MilterClient.GTUBE + "\r\n").getBytes(US_ASCII))))
        .containsExactly(
            Response.CONTINUE, Response.CONTINUE, Response.CONTINUE, Response.CONTINUE);
    List<Response> eom = c.handle(new Command.BodyEob());
    assertThat(((Response.ReplyCode) eom.getFirst()).code()).isEqualTo(554);
    assertThat(new String(rawSeen.getFirst(), ISO_8859_1)).startsWith("From: a@example.org\r\n");

    open2(c);
    List<Response> clean = c.handle(new Command.BodyEob());
    assertThat(clean.getLast()).isEqualTo(Response.CONTINUE);
    assertThat(clean)
        .filteredOn(r -> r instanceof Response.AddHeader)
        .allSatisfy(r -> assertThat(((Response.AddHeader) r).value()).doesNotStartWith(" "));
    assertThat(clean).noneMatch(r -> r instanceof Response.InsHeader);
  }

  /** A second, clean message on a version 2 connection, up to the body. */
  private static void open2(MilterConversation c) throws MilterProtocolException {
    assertThat(
            run(
                c,
                new Command.Mail(List.of("<a@example.org>")),
                new Command.Rcpt(List.of("<b@example.net>")),
                new Command.Data(),
                new Command.Header("Subject", "lunch"),
                new Command.Eoh(),
                new Command.Body("see you at noon\r\n".getBytes(US_ASCII))))
        .containsOnly(Response.CONTINUE);
  }
}
