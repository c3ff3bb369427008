package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HELO, MAIL and the end of the header get no reply from a Postfix 2.6+ offer ({@code
 * SMFIP_NR_HELO}, {@code SMFIP_NR_MAIL}, {@code SMFIP_NR_EOH}): three round trips less per message.
 * A refusal there is not lost, because the session keeps it: a HELO or MAIL refusal is the answer
 * to every recipient, told and counted once per transaction, and a refusal at the end of the header
 * is the verdict at the end of the message. RCPT and DATA keep their replies.
 */
class NoReplyStagesTest {
  private static final Command.OptNeg POSTFIX = MilterClient.POSTFIX;
  private static final int QUIET =
      Milter.SMFIP_NR_HELO | Milter.SMFIP_NR_MAIL | Milter.SMFIP_NR_EOH;
  private static final Response BLOCKED =
      Response.ReplyCode.of(554, "5.7.1", "Access denied by policy");

  private final List<MilterConversation> conversations = new ArrayList<>();
  private final List<MailFilter> filters = new ArrayList<>();

  @AfterEach
  void close() {
    conversations.forEach(MilterConversation::close);
    filters.forEach(MailFilter::close);
  }

  private MilterConversation conversation(String yaml) {
    MailFilter f = MailFilter.builder().config(FilterConfig.builder().yaml(yaml).build()).build();
    filters.add(f);
    MilterConversation c = new MilterConversation(f);
    conversations.add(c);
    return c;
  }

  private static int agreed(MilterConversation c, Command.OptNeg offer) throws Exception {
    return ((Response.OptNegReply) c.handle(offer).getFirst()).protocol();
  }

  private static Command.Connect client() {
    return new Command.Connect("[203.0.113.25]", Command.Family.INET, 40000, "203.0.113.25");
  }

  @Test
  void aPostfixOfferAgreesNoReplyForHeloMailAndEndOfHeaderButNotForRcptOrData() throws Exception {
    // The built-in configuration, whose helo check runs at HELO.
    int protocol = agreed(conversation(""), POSTFIX);
    assertThat(protocol & QUIET).isEqualTo(QUIET);
    assertThat(protocol & (Milter.SMFIP_NR_RCPT | Milter.SMFIP_NR_DATA)).isZero();
  }

  @Test
  void aCleanMessageIsAnsweredOnlyAtRcptDataAndTheEnd() throws Exception {
    MilterConversation c = conversation("");
    agreed(c, POSTFIX);
    assertThat(c.handle(client())).isEmpty();
    assertThat(c.handle(new Command.Helo("mx.example.org"))).isEmpty();
    assertThat(c.handle(new Command.Mail(List.of("<a@example.org>")))).isEmpty();
    assertThat(c.handle(new Command.Rcpt(List.of("<b@example.net>"))))
        .containsExactly(Response.CONTINUE);
    assertThat(c.handle(new Command.Data())).containsExactly(Response.CONTINUE);
    assertThat(c.handle(new Command.Header("Subject", " hello"))).isEmpty();
    assertThat(c.handle(new Command.Eoh())).isEmpty();
    assertThat(c.handle(new Command.Body("hi\r\n".getBytes(US_ASCII)))).isEmpty();
    assertThat(c.handle(new Command.BodyEob())).last().isEqualTo(Response.CONTINUE);
    assertThat(c.takeVerdict()).isNotNull();
  }

  @Test
  void aBlockedSenderIsRefusedAtEveryRecipientAndCountedOnce() throws Exception {
    MilterConversation c = conversation("lists:\n  block:\n    senders: [spam@example.org]\n");
    agreed(c, POSTFIX);
    c.handle(client());
    c.handle(new Command.Helo("mx.example.org"));
    assertThat(c.handle(new Command.Mail(List.of("<spam@example.org>")))).isEmpty();
    assertThat(c.takeRefusal()).isNull(); // not told to the MTA yet
    assertThat(c.handle(new Command.Rcpt(List.of("<b@example.net>")))).containsExactly(BLOCKED);
    assertThat(c.takeRefusal()).isNotNull();
    assertThat(c.handle(new Command.Rcpt(List.of("<c@example.net>")))).containsExactly(BLOCKED);
    assertThat(c.takeRefusal()).isNull(); // one refused transaction, one count

    // The next transaction is judged afresh, and its own refusal counted again.
    c.handle(new Command.Abort());
    assertThat(c.handle(new Command.Mail(List.of("<a@example.org>")))).isEmpty();
    assertThat(c.handle(new Command.Rcpt(List.of("<b@example.net>"))))
        .containsExactly(Response.CONTINUE);
    c.handle(new Command.Abort());
    c.handle(new Command.Mail(List.of("<spam@example.org>")));
    assertThat(c.handle(new Command.Rcpt(List.of("<b@example.net>")))).containsExactly(BLOCKED);
    assertThat(c.takeRefusal()).isNotNull();
  }

  @Test
  void aHeloRefusalIsTheAnswerToTheFirstRecipient() throws Exception {
    // HELO_NOT_FQDN (2 points) is over a reject threshold of 1: the session refuses at HELO.
    MilterConversation c = conversation("actions:\n  add_header: null\n  reject: 1\n");
    agreed(c, POSTFIX);
    c.handle(client());
    assertThat(c.handle(new Command.Helo("localhost"))).isEmpty();
    assertThat(c.handle(new Command.Mail(List.of("<a@example.org>")))).isEmpty();
    assertThat(c.takeRefusal()).isNull();
    List<Response> rcpt = c.handle(new Command.Rcpt(List.of("<b@example.net>")));
    assertThat(rcpt).singleElement().isInstanceOf(Response.ReplyCode.class);
    assertThat(((Response.ReplyCode) rcpt.getFirst()).code()).isEqualTo(554);
    assertThat(c.takeRefusal()).isNotNull();
  }

  @Test
  void aRefusalAtTheEndOfTheHeaderIsTheVerdictAtTheEndOfTheMessage() throws Exception {
    MilterConversation c = conversation("limits:\n  max_message_size: 1KiB\n");
    agreed(c, POSTFIX);
    c.handle(client());
    c.handle(new Command.Helo("mx.example.org"));
    c.handle(new Command.Mail(List.of("<a@example.org>")));
    c.handle(new Command.Rcpt(List.of("<b@example.net>")));
    c.handle(new Command.Data());
    assertThat(c.handle(new Command.Header("X-Long", " " + "x".repeat(2000)))).isEmpty();
    assertThat(c.handle(new Command.Eoh())).isEmpty(); // over the limit already: refused here
    assertThat(c.takeRefusal()).isNull();
    // The MTA, told nothing, sends the body and the end of the message.
    assertThat(c.handle(new Command.Body("hi\r\n".getBytes(US_ASCII)))).isEmpty();
    List<Response> eom = c.handle(new Command.BodyEob());
    assertThat(eom).singleElement().isInstanceOf(Response.ReplyCode.class);
    assertThat(((Response.ReplyCode) eom.getFirst()).code()).isEqualTo(552);
    assertThat(c.takeVerdict()).isNotNull();
  }

  @Test
  void anMtaWithoutTheseStepsGetsEveryReplyAsBefore() throws Exception {
    MilterConversation c = conversation("lists:\n  block:\n    senders: [spam@example.org]\n");
    assertThat(agreed(c, new Command.OptNeg(6, 0x1ff, 0x1fffff & ~QUIET)) & QUIET).isZero();
    c.handle(client());
    assertThat(c.handle(new Command.Helo("mx.example.org"))).containsExactly(Response.CONTINUE);
    assertThat(c.handle(new Command.Mail(List.of("<spam@example.org>")))).containsExactly(BLOCKED);
    assertThat(c.takeRefusal()).isNotNull();
  }
}
