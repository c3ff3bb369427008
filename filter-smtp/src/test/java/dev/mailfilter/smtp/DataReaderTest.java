package dev.mailfilter.smtp;

import static dev.mailfilter.smtp.Feeds.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.api.Reply;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** DATA content: dot-unstuffing, the one true end, bare line ends, the size limit. */
class DataReaderTest {
  static List<Feeds.Feed> feeds() {
    return Feeds.all();
  }

  /** What one DATA read gave, and the command read after it. */
  record Read(DataResult result, String content, Optional<Command> next, int sinkCalls) {}

  static Read read(Feeds.Feed feed, String wire, SmtpLimits limits) throws IOException {
    SmtpReader reader = SmtpReader.of(feed.of(bytes(wire)), limits);
    Feeds.Collect sink = new Feeds.Collect();
    DataResult result = reader.readData(sink);
    return new Read(
        result, sink.text(), reader.readCommand(Capabilities.none(), false), sink.calls);
  }

  static Read read(Feeds.Feed feed, String wire) throws IOException {
    return read(feed, wire, SmtpLimits.defaults());
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void endsAtCrlfDotCrlfAndReadsOnInStep(Feeds.Feed feed) throws IOException {
    Read r = read(feed, "Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    assertThat(r.content()).isEqualTo("Subject: hi\r\n\r\nbody\r\n");
    assertThat(r.result()).isEqualTo(new DataResult(true, 21, 0, 0, 0, Optional.empty()));
    assertThat(r.result().acceptable()).isTrue();
    assertThat(r.next()).contains(new Command.Quit());
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void emptyMessagesAndTheFirstLine(Feeds.Feed feed) throws IOException {
    assertThat(read(feed, ".\r\nQUIT\r\n").content()).isEmpty();
    assertThat(read(feed, "\r\n.\r\nQUIT\r\n").content()).isEqualTo("\r\n");
    // A stuffed dot on the very first line is removed too: the content starts at a line start.
    assertThat(read(feed, "..x\r\n.\r\n").content()).isEqualTo(".x\r\n");
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void removesDotStuffing(Feeds.Feed feed) throws IOException {
    Read r = read(feed, "a\r\n..\r\n...\r\n. x\r\n..hidden\r\nb.c\r\n.\r\nQUIT\r\n");
    assertThat(r.content()).isEqualTo("a\r\n.\r\n..\r\n x\r\n.hidden\r\nb.c\r\n");
    assertThat(r.next()).contains(new Command.Quit());
  }

  /**
   * The end-of-data probes of Hanno Böck's smtpsmug and SEC Consult's SMTP-Smuggling-Tools (inbound
   * and outbound lists), each followed by a smuggled transaction; the name says what the content
   * holds, in each policy, where the probe sat.
   */
  static Stream<Arguments> smugglingProbes() {
    return Stream.of(
        // probe, content kept (NOTE), content normalised (NORMALIZE), bare LF, bare CR
        Arguments.of("\n.\n", "\n.\n", "\r\n.\r\n", 2, 0),
        Arguments.of("\r.\r", "\r.\r", "\r\n.\r\n", 0, 2),
        Arguments.of("\r.\n", "\r.\n", "\r\n.\r\n", 1, 1),
        Arguments.of("\n.\r", "\n.\r", "\r\n.\r\n", 1, 1),
        Arguments.of("\n.\r\n", "\n.\r\n", "\r\n.\r\n", 1, 0),
        Arguments.of("\r\n.\n", "\r\n\n", "\r\n\r\n", 1, 0),
        Arguments.of("\r.\r\n", "\r.\r\n", "\r\n.\r\n", 0, 1),
        Arguments.of("\r\n.\r", "\r\n\r", "\r\n\r\n", 0, 1),
        Arguments.of("\r\n\0.\r\n", "\r\n\0.\r\n", "\r\n\0.\r\n", 0, 0),
        Arguments.of("\r\n.\0\r\n", "\r\n\0\r\n", "\r\n\0\r\n", 0, 0),
        Arguments.of("\r\n.\r\r\n", "\r\n\r\r\n", "\r\n\r\n\r\n", 0, 1),
        Arguments.of("\r\r\n.\r\r\n", "\r\r\n\r\r\n", "\r\n\r\n\r\n\r\n", 0, 2));
  }

  private static final String SMUGGLED =
      "MAIL FROM:<admin@bank.example>\r\nRCPT TO:<victim@ours.example>\r\nDATA\r\n"
          + "From: admin@bank.example\r\n\r\nsmuggled\r\n";

  @ParameterizedTest
  @MethodSource("smugglingProbes")
  void noSmugglingProbeEndsData(String probe, String kept, String normalized, int lf, int cr)
      throws IOException {
    String wire = "Subject: t\r\n\r\nbefore" + probe + SMUGGLED + ".\r\nQUIT\r\n";
    for (Feeds.Feed feed : Feeds.all()) {
      Read note = read(feed, wire, SmtpLimits.defaults().withBareLineEnd(BareLineEnd.NOTE));
      assertThat(note.content())
          .as(feed.name())
          .isEqualTo("Subject: t\r\n\r\nbefore" + kept + SMUGGLED);
      assertThat(note.next()).as(feed.name()).contains(new Command.Quit());
      assertThat(note.result().bareLf()).isEqualTo(lf);
      assertThat(note.result().bareCr()).isEqualTo(cr);
      assertThat(note.result().refusal()).isEmpty();

      Read normal = read(feed, wire);
      assertThat(normal.content())
          .as(feed.name())
          .isEqualTo("Subject: t\r\n\r\nbefore" + normalized + SMUGGLED);
      assertThat(normal.content().replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
      assertThat(normal.next()).contains(new Command.Quit());
      assertThat(normal.result().refusal()).isEmpty();

      Read reject = read(feed, wire, SmtpLimits.defaults().withBareLineEnd(BareLineEnd.REJECT));
      assertThat(reject.next()).contains(new Command.Quit());
      assertThat(reject.result().refusal())
          .isEqualTo(
              lf + cr == 0
                  ? Optional.empty()
                  : Optional.of(
                      Reply.of(550, "5.5.2", "Error: bare <CR> or <LF> in message content")));
    }
  }

  @Test
  void onlyTheRealEndEndsEvenWhenTheProbeIsTheLastThingSent() throws IOException {
    for (String probe : new String[] {"\n.\n", "\r.\r", "\n.\r\n", "\r\n.\r", "\r\n.\n"}) {
      Read r = read(Feeds.all().getFirst(), "x" + probe);
      assertThat(r.result().ended()).as(probe).isFalse();
      assertThat(r.next()).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void oversizeIsReadToTheEndThenRefusedWith552(Feeds.Feed feed) throws IOException {
    String body = "0123456789\r\n".repeat(100);
    Read r = read(feed, body + ".\r\nQUIT\r\n", SmtpLimits.defaults().withMaxMessageSize(100));
    assertThat(r.content()).isEqualTo(body.substring(0, 100));
    assertThat(r.result().size()).isEqualTo(1200);
    assertThat(r.result().refusal())
        .contains(Reply.of(552, "5.3.4", "Error: message file too big"));
    assertThat(r.result().acceptable()).isFalse();
    assertThat(r.next()).contains(new Command.Quit());
    Read exact = read(feed, body + ".\r\n", SmtpLimits.defaults().withMaxMessageSize(1200));
    assertThat(exact.result().refusal()).isEmpty();
  }

  @Test
  void oversizeWinsOverBareLineEnds() throws IOException {
    Read r =
        read(
            Feeds.all().getFirst(),
            "a\nb\r\n".repeat(50) + ".\r\n",
            SmtpLimits.defaults().withMaxMessageSize(10).withBareLineEnd(BareLineEnd.REJECT));
    assertThat(r.result().refusal()).map(Reply::code).contains(552);
    assertThat(r.result().bareLf()).isEqualTo(50);
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void longLinesAreCountedNotRefused(Feeds.Feed feed) throws IOException {
    String at = "x".repeat(998) + "\r\n";
    String over = "y".repeat(999) + "\r\n";
    String stuffed = "." + "." + "z".repeat(997) + "\r\n";
    Read r = read(feed, at + over + stuffed + over + ".\r\n");
    assertThat(r.result().longLines()).isEqualTo(2);
    assertThat(r.result().refusal()).isEmpty();
    assertThat(r.content()).hasSize(998 + 999 + 998 + 999 + 8);
  }

  @Test
  void bigMessageGoesToTheSinkInBufferSizedChunksNotPerLine() throws IOException {
    StringBuilder wire = new StringBuilder();
    for (int i = 0; i < 50_000; i++) {
      wire.append(i % 7 == 0 ? ".stuffed line " : "line ").append(i).append("\r\n");
    }
    Read r = read(Feeds.all().getFirst(), wire + ".\r\n");
    assertThat(r.result().size()).isGreaterThan(500_000);
    assertThat(r.sinkCalls()).isLessThanOrEqualTo((int) (r.result().size() / 65536) + 1);
  }

  @Test
  void connectionLostInsideDataIsNotAnEnd() throws IOException {
    Read r = read(Feeds.all().getFirst(), "Subject: x\r\n\r\npartial");
    assertThat(r.result().ended()).isFalse();
    assertThat(r.result().acceptable()).isFalse();
    assertThat(r.content()).isEqualTo("Subject: x\r\n\r\npartial");
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void pipelinedTransactionAfterDataIsReadInStep(Feeds.Feed feed) throws IOException {
    String wire =
        "DATA\r\nm1\r\n.\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nm2\r\n.\r\n"
            + "QUIT\r\n";
    SmtpReader reader = SmtpReader.of(feed.of(bytes(wire)), SmtpLimits.defaults());
    List<String> events = new ArrayList<>();
    Capabilities caps = Capabilities.all(0);
    for (Optional<Command> c = reader.readCommand(caps, false);
        c.isPresent();
        c = reader.readCommand(caps, false)) {
      events.add(c.get().getClass().getSimpleName());
      if (c.get() instanceof Command.Data) {
        Feeds.Collect sink = new Feeds.Collect();
        reader.readData(sink);
        events.add(sink.text().strip());
      }
    }
    assertThat(events).containsExactly("Data", "m1", "Mail", "Rcpt", "Data", "m2", "Quit");
  }

  @Test
  void commandsPipelinedBehindTheEndOfDataAreVisibleBeforeTheReply() throws IOException {
    // smtpsmug's pipelining probe: a second transaction sent before the reply to the first ".".
    // The server can see it and refuse, as Postfix's smtpd_forbid_unauth_pipelining does.
    SmtpReader reader =
        SmtpReader.of(
            new ByteArrayInputStream(bytes("m1\r\n.\r\nMAIL FROM:<a@b.example>\r\n")),
            SmtpLimits.defaults());
    assertThat(reader.readData(DataSink.DISCARD).ended()).isTrue();
    assertThat(reader.hasBufferedInput()).isTrue();
    SmtpReader patient =
        SmtpReader.of(new ByteArrayInputStream(bytes("m1\r\n.\r\n")), SmtpLimits.defaults());
    assertThat(patient.readData(DataSink.DISCARD).ended()).isTrue();
    assertThat(patient.hasBufferedInput()).isFalse();
  }

  @Test
  void eightBitAndNulBytesPassThrough() throws IOException {
    byte[] wire = new byte[256 + 5];
    for (int i = 0; i < 256; i++) {
      wire[i] = (byte) i;
    }
    System.arraycopy(bytes("\r\n.\r\n"), 0, wire, 256, 5);
    SmtpReader reader =
        SmtpReader.of(
            new ByteArrayInputStream(wire),
            SmtpLimits.defaults().withBareLineEnd(BareLineEnd.NOTE));
    Feeds.Collect sink = new Feeds.Collect();
    DataResult result = reader.readData(sink);
    assertThat(result.ended()).isTrue();
    byte[] expected = new byte[258];
    System.arraycopy(wire, 0, expected, 0, 258);
    assertThat(sink.bytes.toByteArray()).isEqualTo(expected);
    assertThat(result.bareLf()).isEqualTo(1);
    assertThat(result.bareCr()).isEqualTo(1);
  }
}
