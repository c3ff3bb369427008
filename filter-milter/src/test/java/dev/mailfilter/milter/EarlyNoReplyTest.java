package dev.mailfilter.milter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.FilterReloader;
import dev.mailfilter.MailFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No reply to connect ({@code SMFIP_NR_CONN}) is asked for only when the running filter cannot
 * refuse there, follows a reload, and loses no refusal when a reload lands between the negotiation
 * and the connect. HELO gets no reply whatever the checks ({@code SMFIP_NR_HELO}): a HELO refusal
 * sticks for the session and is told at the first recipient.
 */
class EarlyNoReplyTest {
  private static final Command.OptNeg POSTFIX = MilterClient.POSTFIX;
  private static final int EARLY = Milter.SMFIP_NR_CONN | Milter.SMFIP_NR_HELO;
  private static final String NO_HELO_CHECK = "checks:\n  helo:\n    enabled: false\n";
  private static final String BLOCKED =
      NO_HELO_CHECK + "lists:\n  block:\n    ips: [192.0.2.0/24]\n";

  private final List<MilterConversation> conversations = new ArrayList<>();
  private final List<AutoCloseable> filters = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    // A filter's close waits for its open sessions: the conversations go first.
    conversations.forEach(MilterConversation::close);
    for (AutoCloseable f : filters) {
      f.close();
    }
  }

  private MilterConversation conversation(String yaml) {
    MailFilter f = MailFilter.builder().config(FilterConfig.builder().yaml(yaml).build()).build();
    filters.add(f);
    return track(new MilterConversation(f));
  }

  private MilterConversation track(MilterConversation c) {
    conversations.add(c);
    return c;
  }

  private static int agreedEarly(MilterConversation c, Command.OptNeg offer) throws Exception {
    return ((Response.OptNegReply) c.handle(offer).getFirst()).protocol() & EARLY;
  }

  private static Command.Connect from(String address) {
    return new Command.Connect("[" + address + "]", Command.Family.INET, 40000, address);
  }

  @Test
  void withNoCheckOrListAtConnectOrHeloNeitherIsAnswered() throws Exception {
    MilterConversation c = conversation(NO_HELO_CHECK);
    assertThat(agreedEarly(c, POSTFIX)).isEqualTo(EARLY);
    assertThat(c.handle(from("203.0.113.25"))).isEmpty();
    assertThat(c.handle(new Command.Helo("mx.example.org"))).isEmpty();
    // The session saw both: MAIL (no reply either) and the rest go on as ever.
    assertThat(c.handle(new Command.Mail(List.of("<a@example.org>")))).isEmpty();
    assertThat(c.handle(new Command.Rcpt(List.of("<b@example.net>"))))
        .containsExactly(Response.CONTINUE);
    assertThat(c.takeRefusal()).isNull();
  }

  @Test
  void aHeloCheckKeepsNoReplyForBoth() throws Exception {
    MilterConversation c = conversation(""); // the built-in checks: the HELO check is on
    assertThat(agreedEarly(c, POSTFIX)).isEqualTo(EARLY);
    assertThat(c.handle(from("203.0.113.25"))).isEmpty();
    assertThat(c.handle(new Command.Helo("mx.example.org"))).isEmpty();
  }

  @Test
  void aConnectCheckKeepsTheConnectReply() throws Exception {
    MilterConversation c = conversation(NO_HELO_CHECK + "  dnsbl_connect:\n    enabled: true\n");
    assertThat(agreedEarly(c, POSTFIX)).isEqualTo(Milter.SMFIP_NR_HELO);
    assertThat(c.handle(from("203.0.113.25"))).containsExactly(Response.CONTINUE);
    assertThat(c.handle(new Command.Helo("mx.example.org"))).isEmpty();
  }

  @Test
  void anAddressOnTheBlockListKeepsTheConnectReplyAndIsRefusedThere() throws Exception {
    MilterConversation c = conversation(BLOCKED);
    assertThat(agreedEarly(c, POSTFIX)).isEqualTo(Milter.SMFIP_NR_HELO);
    assertThat(c.handle(from("192.0.2.5")))
        .containsExactly(Response.ReplyCode.of(554, "5.7.1", "Access denied by policy"));
  }

  @Test
  void anMtaThatDoesNotOfferThemIsAnsweredAsEver() throws Exception {
    MilterConversation c = conversation(NO_HELO_CHECK);
    assertThat(agreedEarly(c, new Command.OptNeg(6, 0x1ff, 0x1fffff & ~EARLY))).isZero();
    assertThat(c.handle(from("203.0.113.25"))).containsExactly(Response.CONTINUE);
    assertThat(c.handle(new Command.Helo("mx.example.org"))).containsExactly(Response.CONTINUE);
  }

  @Test
  void theNegotiationFollowsALiveReload(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("mailfilter.yaml");
    Files.writeString(file, NO_HELO_CHECK);
    FilterReloader reloader = FilterReloader.start(file);
    filters.add(reloader);

    MilterConversation before = track(new MilterConversation(reloader::current));
    assertThat(agreedEarly(before, POSTFIX)).isEqualTo(EARLY);

    Files.writeString(file, BLOCKED);
    reloader.reload();
    MilterConversation after = track(new MilterConversation(reloader::current));
    assertThat(agreedEarly(after, POSTFIX)).isEqualTo(Milter.SMFIP_NR_HELO);
    assertThat(after.handle(from("192.0.2.5")))
        .containsExactly(Response.ReplyCode.of(554, "5.7.1", "Access denied by policy"));

    // Negotiated before the reload, connected after it: the connection's refusal cannot be the
    // answer to connect, HELO or MAIL, which get none, so it is the answer to the recipient.
    assertThat(before.handle(from("192.0.2.5"))).isEmpty();
    assertThat(before.takeRefusal()).isNull();
    assertThat(before.handle(new Command.Helo("mx.example.org"))).isEmpty();
    assertThat(before.takeRefusal()).isNull();
    assertThat(before.handle(new Command.Mail(List.of("<a@example.org>")))).isEmpty();
    assertThat(before.takeRefusal()).isNull();
    assertThat(before.handle(new Command.Rcpt(List.of("<b@example.net>"))))
        .containsExactly(Response.ReplyCode.of(554, "5.7.1", "Access denied by policy"));
    assertThat(before.takeRefusal()).isNotNull();
  }
}
