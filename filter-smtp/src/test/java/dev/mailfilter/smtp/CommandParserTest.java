package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.api.Reply;
import dev.mailfilter.smtp.Command.Invalid;
import dev.mailfilter.smtp.MailParameters.Body;
import dev.mailfilter.smtp.RcptParameters.Notify;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandParserTest {
  private static final Capabilities ALL = Capabilities.all(10_000_000).withStartTls(true);

  private static Command parse(String line) {
    return Command.parse(line, ALL, false);
  }

  private static Reply refusal(String line) {
    return refusal(line, ALL);
  }

  private static Reply refusal(String line, Capabilities caps) {
    Command c = Command.parse(line, caps, false);
    assertThat(c).as(line).isInstanceOf(Invalid.class);
    return ((Invalid) c).reply();
  }

  private static String codes(Reply r) {
    return r.code() + " " + r.enhanced();
  }

  @Test
  void parsesTheSimpleCommandsInAnyCase() {
    assertThat(parse("DATA")).isEqualTo(new Command.Data());
    assertThat(parse("data")).isEqualTo(new Command.Data());
    assertThat(parse("RsEt")).isEqualTo(new Command.Rset());
    assertThat(parse("QUIT")).isEqualTo(new Command.Quit());
    assertThat(parse("NOOP")).isEqualTo(new Command.Noop());
    assertThat(parse("NOOP anything at all")).isEqualTo(new Command.Noop());
    assertThat(parse("STARTTLS")).isEqualTo(new Command.StartTls());
    assertThat(parse("HELP")).isEqualTo(new Command.Help(""));
    assertThat(parse("HELP mail")).isEqualTo(new Command.Help("mail"));
    assertThat(parse("VRFY postmaster")).isEqualTo(new Command.Vrfy("postmaster"));
  }

  @Test
  void commandsWithoutArgumentsRefuseOne() {
    assertThat(codes(refusal("DATA now"))).isEqualTo("501 5.5.4");
    assertThat(refusal("DATA now").lines()).containsExactly("Syntax: DATA");
    assertThat(codes(refusal("RSET x"))).isEqualTo("501 5.5.4");
    assertThat(codes(refusal("QUIT please"))).isEqualTo("501 5.5.4");
    assertThat(codes(refusal("STARTTLS x"))).isEqualTo("501 5.5.4");
    assertThat(parse("DATA ")).isEqualTo(new Command.Data());
    assertThat(codes(refusal("VRFY"))).isEqualTo("501 5.5.4");
  }

  @Test
  void parsesEhloAndHeloKeepingTheNameAsSent() {
    assertThat(parse("EHLO mail.Example.COM")).isEqualTo(new Command.Ehlo("mail.Example.COM"));
    assertThat(parse("ehlo [192.0.2.1]")).isEqualTo(new Command.Ehlo("[192.0.2.1]"));
    assertThat(parse("HELO host_with_underscore"))
        .isEqualTo(new Command.Helo("host_with_underscore"));
    assertThat(parse("EHLO name extra words")).isEqualTo(new Command.Ehlo("name"));
    assertThat(refusal("EHLO").lines()).containsExactly("Syntax: EHLO hostname");
    assertThat(codes(refusal("HELO   "))).isEqualTo("501 5.5.4");
  }

  @Test
  void unknownUnofferedAndHttpCommands() {
    assertThat(codes(refusal("FOO bar"))).isEqualTo("500 5.5.1");
    assertThat(codes(refusal(""))).isEqualTo("500 5.5.1");
    assertThat(codes(refusal(" MAIL FROM:<>"))).isEqualTo("500 5.5.1");
    assertThat(codes(refusal("EXPN staff"))).isEqualTo("502 5.5.1");
    assertThat(codes(refusal("AUTH PLAIN AGFiYwBkZWY="))).isEqualTo("502 5.5.1");
    assertThat(codes(refusal("STARTTLS", Capabilities.all(0)))).isEqualTo("502 5.5.1");
    Command get = parse("GET / HTTP/1.1");
    assertThat(get)
        .isEqualTo(
            new Invalid(Reply.of(521, "5.5.1", "Protocol error: this is an SMTP server"), true));
    assertThat(((Invalid) parse("CONNECT mx:25 HTTP/1.1")).close()).isTrue();
    assertThat(((Invalid) parse("FOO")).close()).isFalse();
  }

  @Test
  void controlCharactersAreRefusedTabIsNot() {
    assertThat(codes(refusal("NOOP \0"))).isEqualTo("500 5.5.2");
    assertThat(codes(refusal("MAIL FROM:<a@b.example>\u007f"))).isEqualTo("500 5.5.2");
    assertThat(parse("NOOP \t")).isEqualTo(new Command.Noop());
  }

  @Test
  void parsesMailWithPathAndParameters() {
    Command.Mail m =
        (Command.Mail)
            parse(
                "MAIL FROM:<Alice@Example.org> SIZE=1000 BODY=8bitmime RET=HDRS ENVID=QQ314159"
                    + " AUTH=<>");
    assertThat(m.from().mailbox()).isEqualTo("Alice@Example.org");
    assertThat(m.from().normalizedDomain()).isEqualTo("example.org");
    MailParameters p = m.parameters();
    assertThat(p.size()).hasValue(1000);
    assertThat(p.body()).contains(Body.EIGHT_BIT_MIME);
    assertThat(p.ret()).contains(MailParameters.Ret.HDRS);
    assertThat(p.envid()).contains("QQ314159");
    assertThat(p.auth()).contains("<>");
    assertThat(p.smtpUtf8()).isFalse();
    assertThat(p.all())
        .containsExactly(
            Map.entry("SIZE", "1000"),
            Map.entry("BODY", "8bitmime"),
            Map.entry("RET", "HDRS"),
            Map.entry("ENVID", "QQ314159"),
            Map.entry("AUTH", "<>"));
  }

  @Test
  void mailAcceptsTheNullPathAndASpaceAfterTheColon() {
    Command.Mail m = (Command.Mail) parse("mail from:<>");
    assertThat(m.from().isNull()).isTrue();
    assertThat(m.parameters()).isEqualTo(MailParameters.NONE);
    assertThat(((Command.Mail) parse("MAIL FROM: <a@b.example>")).from().mailbox())
        .isEqualTo("a@b.example");
    assertThat(parse("MAIL FROM:<> BODY=BINARYMIME")).isInstanceOf(Command.Mail.class);
    assertThat(parse("MAIL FROM:<a@b.example>  SIZE=5  ")).isInstanceOf(Command.Mail.class);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "MAIL TO:<a@b.example>|501 5.5.4",
        "MAIL<a@b.example>|500 5.5.1",
        "MAIL FROM a@b.example|501 5.5.4",
        "MAIL FROM:a@b.example|501 5.1.7",
        "MAIL FROM:<a@b.example|501 5.1.7",
        "MAIL FROM:<postmaster>|501 5.1.7",
        "MAIL FROM:<a@b.example>SIZE=10|501 5.5.4",
        "MAIL FROM:<a@@b.example>|501 5.1.7",
        "MAIL FROM:<a..b@b.example>|501 5.1.7",
        "MAIL FROM:<a@-b.example>|501 5.1.7",
        "MAIL FROM:<a b@b.example>|501 5.1.7",
        "MAIL FROM:<a@b.example> FOO=bar|555 5.5.4",
        "MAIL FROM:<a@b.example> SIZE=ten|501 5.5.4",
        "MAIL FROM:<a@b.example> SIZE=|501 5.5.4",
        "MAIL FROM:<a@b.example> SIZE=10000001|552 5.3.4",
        "MAIL FROM:<a@b.example> SIZE=999999999999999999999|501 5.5.4",
        "MAIL FROM:<a@b.example> SIZE=99999999999999999999|552 5.3.4",
        "MAIL FROM:<a@b.example> SIZE=1 SIZE=2|501 5.5.4",
        "MAIL FROM:<a@b.example> size=1 SIZE=2|501 5.5.4",
        "MAIL FROM:<a@b.example> BODY=9BIT|555 5.5.4",
        "MAIL FROM:<a@b.example> SMTPUTF8=yes|501 5.5.4",
        "MAIL FROM:<a@b.example> RET=ALL|501 5.5.4",
        "MAIL FROM:<a@b.example> ENVID=a+2|501 5.5.4",
        "MAIL FROM:<a@b.example> ENVID=a+zz|501 5.5.4",
        "MAIL FROM:<a@b.example> AUTH=|501 5.5.4",
        "MAIL FROM:<a@b.example> -X=1|501 5.5.4",
        "MAIL FROM:<a@b.example> X==1|501 5.5.4",
        "MAIL FROM:<ü@b.example>|553 5.6.7",
        "MAIL FROM:<a@bücher.example>|553 5.6.7",
      })
  void mailErrorsGetTheirReply(String line, String codes) {
    assertThat(codes(refusal(line))).isEqualTo(codes);
  }

  @Test
  void mailErrorRepliesSayWhatIsWrong() {
    assertThat(refusal("MAIL FROM:a@b.example").lines())
        .containsExactly(
            "Bad sender address syntax: the address must be in angle brackets, as"
                + " <user@example.com>");
    assertThat(refusal("MAIL FROM:<a@b.example> X-FOO=bar").lines())
        .containsExactly("Unsupported option: X-FOO");
    assertThat(refusal("MAIL FROM:<a@b.example> SIZE=10000001").lines())
        .containsExactly("Message size exceeds fixed limit");
  }

  @Test
  void envidOfMoreThan100CharactersIsRefused() {
    assertThat(parse("MAIL FROM:<> ENVID=" + "x".repeat(100))).isInstanceOf(Command.Mail.class);
    assertThat(codes(refusal("MAIL FROM:<> ENVID=" + "x".repeat(101)))).isEqualTo("501 5.5.4");
  }

  @Test
  void parametersOfExtensionsNotOfferedAreRefusedWith555() {
    Capabilities none = Capabilities.none();
    for (String p : new String[] {"SIZE=1", "BODY=8BITMIME", "SMTPUTF8", "RET=FULL", "ENVID=x"}) {
      assertThat(codes(refusal("MAIL FROM:<> " + p, none))).as(p).isEqualTo("555 5.5.4");
    }
    Capabilities noBinary =
        new Capabilities(true, true, 0, true, true, true, false, true, false, true);
    assertThat(refusal("MAIL FROM:<> BODY=BINARYMIME", noBinary).lines())
        .containsExactly("Unsupported option: BODY=BINARYMIME");
    assertThat(codes(refusal("RCPT TO:<a@b.example> NOTIFY=NEVER", none))).isEqualTo("555 5.5.4");
    // SIZE 0 advertises no fixed limit: any declared size goes.
    assertThat(Command.parse("MAIL FROM:<> SIZE=99999999999", Capabilities.all(0), false))
        .isInstanceOf(Command.Mail.class);
  }

  @Test
  void utf8NeedsTheSmtputf8Parameter() {
    Command.Mail m = (Command.Mail) parse("MAIL FROM:<jörg@bücher.example> SMTPUTF8");
    assertThat(m.parameters().smtpUtf8()).isTrue();
    assertThat(m.from().has(Path.Form.UTF8)).isTrue();
    assertThat(m.from().normalizedDomain()).isEqualTo("xn--bcher-kva.example");
    assertThat(Command.parse("RCPT TO:<jörg@bücher.example>", ALL, true))
        .isInstanceOf(Command.Rcpt.class);
    assertThat(codes(refusal("RCPT TO:<jörg@bücher.example>"))).isEqualTo("553 5.6.7");
    // UTF-8 in parameter values only where SMTPUTF8 is offered.
    assertThat(parse("MAIL FROM:<> SMTPUTF8 ENVID=a")).isInstanceOf(Command.Mail.class);
    Capabilities ascii =
        new Capabilities(true, true, 0, true, false, true, false, true, true, true);
    assertThat(codes(refusal("MAIL FROM:<> ENVID=é", ascii))).isEqualTo("501 5.5.4");
  }

  @Test
  void parsesRcptWithDsnParametersKeptVerbatim() {
    Command.Rcpt r =
        (Command.Rcpt)
            parse(
                "RCPT TO:<bob@example.com> NOTIFY=success,Failure ORCPT=rfc822;bob+40example.com");
    assertThat(r.to().mailbox()).isEqualTo("bob@example.com");
    assertThat(r.parameters().notifyOn()).containsExactlyInAnyOrder(Notify.SUCCESS, Notify.FAILURE);
    assertThat(r.parameters().orcpt()).contains("rfc822;bob+40example.com");
    assertThat(r.parameters().all())
        .containsExactly(
            Map.entry("NOTIFY", "success,Failure"), Map.entry("ORCPT", "rfc822;bob+40example.com"));
    Command.Rcpt never = (Command.Rcpt) parse("rcpt to:<bob@example.com> notify=NEVER");
    assertThat(never.parameters().notifyOn()).isEqualTo(Set.of(Notify.NEVER));
    assertThat(never.parameters().orcpt()).isEqualTo(Optional.empty());
    assertThat(
            ((Command.Rcpt) parse("RCPT TO:<bob@example.com> ORCPT=utf-8;b\\x{c3a9}b@x"))
                .parameters()
                .orcpt())
        .contains("utf-8;b\\x{c3a9}b@x");
  }

  @Test
  void rcptAcceptsPostmasterWithoutDomainInAnyCase() {
    Command.Rcpt r = (Command.Rcpt) parse("RCPT TO:<PostMaster>");
    assertThat(r.to().isPostmaster()).isTrue();
    assertThat(r.to().mailbox()).isEqualTo("PostMaster");
    assertThat(r.to().domain()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "RCPT FROM:<a@b.example>|501 5.5.4",
        "RCPT TO:<>|501 5.1.3",
        "RCPT TO:<bob>|501 5.1.3",
        "RCPT TO:<@a.example:postmaster>|501 5.1.3",
        "RCPT TO:bob@b.example|501 5.1.3",
        "RCPT TO:<bob@b.example> NOTIFY=NEVER,SUCCESS|501 5.5.4",
        "RCPT TO:<bob@b.example> NOTIFY=SOMETIMES|501 5.5.4",
        "RCPT TO:<bob@b.example> NOTIFY=SUCCESS,SUCCESS|501 5.5.4",
        "RCPT TO:<bob@b.example> NOTIFY=|501 5.5.4",
        "RCPT TO:<bob@b.example> ORCPT=bob@b.example|501 5.5.4",
        "RCPT TO:<bob@b.example> ORCPT=rfc822;|501 5.5.4",
        "RCPT TO:<bob@b.example> ORCPT=rfc822;bob+4|501 5.5.4",
        "RCPT TO:<bob@b.example> ORCPT=rf(c;bob|501 5.5.4",
        "RCPT TO:<bob@b.example> SIZE=10|555 5.5.4",
        "RCPT TO:<bob@b.example> XFORWARD=1|555 5.5.4",
      })
  void rcptErrorsGetTheirReply(String line, String codes) {
    assertThat(codes(refusal(line))).isEqualTo(codes);
  }

  @Test
  void orcptOfMoreThan500CharactersIsRefused() {
    String ok = "rfc822;" + "x".repeat(493);
    assertThat(parse("RCPT TO:<b@c.example> ORCPT=" + ok)).isInstanceOf(Command.Rcpt.class);
    assertThat(codes(refusal("RCPT TO:<b@c.example> ORCPT=" + ok + "x"))).isEqualTo("501 5.5.4");
  }

  @Test
  void parsesBdat() {
    assertThat(parse("BDAT 1000")).isEqualTo(new Command.Bdat(1000, false));
    assertThat(parse("bdat 0 last")).isEqualTo(new Command.Bdat(0, true));
    assertThat(parse("BDAT 42 LAST ")).isEqualTo(new Command.Bdat(42, true));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "BDAT",
        "BDAT x",
        "BDAT -1",
        "BDAT 10 FIRST",
        "BDAT 10 LAST x",
        "BDAT 1e3",
        "BDAT 9999999999999999999"
      })
  void malformedBdatIsRefusedAndClosesSinceTheChunkCannotBeFound(String line) {
    Command c = parse(line);
    assertThat(c).isEqualTo(new Invalid(Reply.of(501, "5.5.4", "Syntax: BDAT size [LAST]"), true));
  }

  @Test
  void bdatWithoutChunkingOfferedClosesToo() {
    Command c = Command.parse("BDAT 10 LAST", Capabilities.none(), false);
    assertThat(c)
        .isEqualTo(new Invalid(Reply.of(502, "5.5.1", "Error: command not implemented"), true));
  }
}
