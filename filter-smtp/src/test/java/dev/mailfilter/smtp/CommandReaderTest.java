package dev.mailfilter.smtp;

import static dev.mailfilter.smtp.Feeds.bytes;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.api.Reply;
import dev.mailfilter.smtp.Command.Invalid;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Command line framing, every case fed whole, byte by byte and in random splits. */
class CommandReaderTest {
  private static final Capabilities NONE = Capabilities.none();

  static List<Feeds.Feed> feeds() {
    return Feeds.all();
  }

  private static List<Command> readAll(InputStream in, Capabilities caps) throws IOException {
    SmtpReader reader = SmtpReader.of(in, SmtpLimits.defaults());
    List<Command> commands = new ArrayList<>();
    for (Optional<Command> c = reader.readCommand(caps, false);
        c.isPresent();
        c = reader.readCommand(caps, false)) {
      commands.add(c.get());
    }
    return commands;
  }

  private static Invalid invalid(Reply reply) {
    return Invalid.of(reply);
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void readsPipelinedCommandsInOrder(Feeds.Feed feed) throws IOException {
    byte[] wire =
        bytes(
            "EHLO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nQUIT\r\n");
    assertThat(readAll(feed.of(wire), NONE))
        .containsExactly(
            new Command.Ehlo("client.example"),
            Command.parse("MAIL FROM:<a@b.example>", NONE, false),
            Command.parse("RCPT TO:<c@d.example>", NONE, false),
            new Command.Quit());
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void bareLfEndsACommandLineWithAnError(Feeds.Feed feed) throws IOException {
    assertThat(readAll(feed.of(bytes("NOOP\nQUIT\r\n")), NONE))
        .containsExactly(
            invalid(Reply.of(500, "5.5.2", "Error: bare <LF> received")), new Command.Quit());
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void bareCrInACommandLineIsAnErrorAtTheCrlf(Feeds.Feed feed) throws IOException {
    assertThat(readAll(feed.of(bytes("NOOP\rQUIT\r\nRSET\r\r\nQUIT\r\n")), NONE))
        .containsExactly(
            invalid(Reply.of(500, "5.5.2", "Error: bare <CR> received")),
            invalid(Reply.of(500, "5.5.2", "Error: bare <CR> received")),
            new Command.Quit());
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void lineOverTheLimitIsReadToItsEndAndRefused(Feeds.Feed feed) throws IOException {
    String longest = "NOOP " + "x".repeat(510 - 5);
    String tooLong = longest + "x";
    String huge = "NOOP " + "y".repeat(200_000);
    byte[] wire = bytes(longest + "\r\n" + tooLong + "\r\n" + huge + "\r\nQUIT\r\n");
    assertThat(readAll(feed.of(wire), NONE))
        .containsExactly(
            new Command.Noop(),
            invalid(Reply.of(500, "5.5.2", "Error: line too long")),
            invalid(Reply.of(500, "5.5.2", "Error: line too long")),
            new Command.Quit());
  }

  @Test
  void offeredExtensionsRaiseTheLineLimit() throws IOException {
    Capabilities all = Capabilities.all(0);
    assertThat(all.commandLineLimit(512)).isEqualTo(512 + 500);
    assertThat(NONE.commandLineLimit(512)).isEqualTo(512);
    String orcpt = "RCPT TO:<a@b.example> ORCPT=rfc822;" + "x".repeat(480);
    assertThat(readAll(new ByteArrayInputStream(bytes(orcpt + "\r\n")), all).getFirst())
        .isInstanceOf(Command.Rcpt.class);
    SmtpReader wide =
        SmtpReader.of(
            new ByteArrayInputStream(bytes("NOOP " + "x".repeat(3000) + "\r\n")),
            SmtpLimits.defaults().withCommandLineLength(4096));
    assertThat(wide.readCommand(NONE, false)).contains(new Command.Noop());
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void utf8IsDecodedAndInvalidUtf8Refused(Feeds.Feed feed) throws IOException {
    byte[] good = "RCPT TO:<jörg@bücher.example>\r\n".getBytes(UTF_8);
    byte[] bad = bytes("RCPT TO:<j\u00f6rg@example.com>\r\n");
    byte[] wire = new byte[good.length + bad.length];
    System.arraycopy(good, 0, wire, 0, good.length);
    System.arraycopy(bad, 0, wire, good.length, bad.length);
    SmtpReader reader = SmtpReader.of(feed.of(wire), SmtpLimits.defaults());
    Command first = reader.readCommand(Capabilities.all(0), true).orElseThrow();
    assertThat(((Command.Rcpt) first).to().domain()).isEqualTo("bücher.example");
    assertThat(reader.readCommand(Capabilities.all(0), true))
        .contains(invalid(Reply.of(500, "5.5.2", "Error: invalid UTF-8 in command")));
  }

  @Test
  void endOfStreamCleanOrInsideALineIsEmpty() throws IOException {
    assertThat(readAll(InputStream.nullInputStream(), NONE)).isEmpty();
    assertThat(readAll(new ByteArrayInputStream(bytes("QUIT")), NONE)).isEmpty();
    assertThat(readAll(new ByteArrayInputStream(bytes("QUIT\r")), NONE)).isEmpty();
    assertThat(readAll(new ByteArrayInputStream(bytes("NOOP\r\nQUIT")), NONE))
        .containsExactly(new Command.Noop());
  }

  @Test
  void readAheadIsVisibleForPipeliningAndDiscardedAfterStartTls() throws IOException {
    SmtpReader reader =
        SmtpReader.of(
            new ByteArrayInputStream(bytes("STARTTLS\r\nMAIL FROM:<evil@example>\r\n")),
            SmtpLimits.defaults());
    assertThat(reader.hasBufferedInput()).isTrue();
    assertThat(reader.readCommand(Capabilities.all(0).withStartTls(true), false))
        .contains(new Command.StartTls());
    assertThat(reader.hasBufferedInput()).isTrue();
    assertThat(reader.discardBuffered()).isEqualTo(26);
    assertThat(reader.hasBufferedInput()).isFalse();
    assertThat(reader.readCommand(NONE, false)).isEmpty();
  }
}
