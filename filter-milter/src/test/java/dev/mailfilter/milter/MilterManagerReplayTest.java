package dev.mailfilter.milter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The MTA side of the 40 milter-manager dumps (Postfix 2.5.5, protocol version 2) replayed through
 * the server over a socket, each block of packets in one write as Postfix sent it: every dump runs
 * to its end without a protocol error, every command that is answered gets replies that decode and
 * fit what was negotiated, and commands that are not answered get nothing.
 */
@Timeout(120)
class MilterManagerReplayTest {
  private static final Path DIR =
      Path.of(
          System.getProperty("mailfilter.shared", "../shared"),
          "corpora/milter-smtp/milter-manager/data/packet");

  private static MailFilter filter;
  private static MilterServer server;

  @BeforeAll
  static void start() throws IOException {
    filter = MailFilter.withDefaults();
    server =
        MilterServer.builder()
            .filter(filter)
            .listen(new ListenAddress.Inet("127.0.0.1", 0))
            .build()
            .start();
  }

  @AfterAll
  static void stop() {
    server.close();
    filter.close();
    assertThat(server.stats().protocolErrors()).isZero();
  }

  static Stream<String> dumps() {
    return MilterManagerCorpusTest.dumps();
  }

  @ParameterizedTest
  @MethodSource("dumps")
  void dumpRunsToItsEndWithWellFormedReplies(String name) throws IOException {
    long errorsBefore = server.stats().protocolErrors();
    List<MilterManagerCorpusTest.Block> blocks =
        MilterManagerCorpusTest.blocks(DIR.resolve("milter-packet-" + name + ".log"));
    Response.OptNegReply agreed = null;
    boolean quit = false;
    try (MilterClient client = MilterClient.connect(server.localAddress())) {
      for (MilterManagerCorpusTest.Block block : blocks) {
        if (!block.fromMta()) {
          continue; // the test milter's replies; ours are read below
        }
        List<Command> commands = new ArrayList<>();
        PacketReader reader = PacketReader.of(new ByteArrayInputStream(block.bytes()));
        for (Optional<Packet> p = reader.next(); p.isPresent(); p = reader.next()) {
          commands.add(Command.decode(p.get()));
        }
        client.sendRaw(block.bytes());
        for (Command command : commands) {
          quit |= command instanceof Command.Quit;
          if (client.noReply(command)) {
            continue;
          }
          List<Response> replies = client.readReplies();
          if (command instanceof Command.OptNeg offer) {
            agreed = (Response.OptNegReply) replies.getFirst();
            assertThat(agreed.version()).isEqualTo(Math.min(offer.version(), 6));
            assertThat(agreed.actions() & ~offer.actions()).isZero();
            assertThat(agreed.protocol() & ~offer.protocol()).isZero();
            // Version 2: no macro list after the masks.
            assertThat(agreed.macros()).isEmpty();
            rememberAgreement(client, replies);
            continue;
          }
          assertThat(agreed).as("replies before OPTNEG").isNotNull();
          wellFormed(command, replies, agreed);
        }
      }
      if (quit) {
        assertThat(client.closedByPeer()).as("the server closes after SMFIC_QUIT").isTrue();
      }
    }
    assertThat(server.stats().protocolErrors()).isEqualTo(errorsBefore);
  }

  // The client learnt the agreement from call(); here the OPTNEG went out raw.
  private static void rememberAgreement(MilterClient client, List<Response> replies) {
    client.agreed(replies.getFirst());
  }

  private static void wellFormed(
      Command command, List<Response> replies, Response.OptNegReply agreed) {
    Response last = replies.getLast();
    List<Response> before = replies.subList(0, replies.size() - 1);
    if (!(command instanceof Command.BodyEob)) {
      // Before the end of the message: one reply, continue or a refusal, SKIP only for a body
      // chunk and only when agreed.
      assertThat(replies).hasSize(1);
      boolean skipOk =
          command instanceof Command.Body && (agreed.protocol() & Milter.SMFIP_SKIP) != 0;
      assertThat(
              last.equals(Response.CONTINUE)
                  || last instanceof Response.ReplyCode
                  || (skipOk && last.equals(Response.SKIP)))
          .as("reply %s to %s", last, command)
          .isTrue();
      return;
    }
    for (Response r : before) {
      switch (r) {
        case Response.AddHeader h ->
            assertThat(agreed.actions() & Milter.SMFIF_ADDHDRS).isNotZero();
        case Response.ChgHeader h ->
            assertThat(agreed.actions() & Milter.SMFIF_CHGHDRS).isNotZero();
        case Response.Quarantine q ->
            assertThat(agreed.actions() & Milter.SMFIF_QUARANTINE).isNotZero();
        case Response.InsHeader h -> assertThat(agreed.version()).isGreaterThanOrEqualTo(6);
        case Response.Simple s ->
            assertThat(s)
                .isEqualTo(Response.PROGRESS)
                .satisfies(x -> assertThat(agreed.version()).isEqualTo(6));
        default -> throw new AssertionError("not an edit: " + r);
      }
    }
    assertThat(
            last.equals(Response.CONTINUE)
                || last.equals(Response.DISCARD)
                || last instanceof Response.ReplyCode)
        .as("final reply %s", last)
        .isTrue();
  }
}
