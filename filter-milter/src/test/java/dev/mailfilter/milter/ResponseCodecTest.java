package dev.mailfilter.milter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ResponseCodecTest {
  private static final HexFormat HEX = HexFormat.of();

  static List<Response> everyResponse() {
    return List.of(
        Response.CONTINUE,
        Response.ACCEPT,
        Response.REJECT,
        Response.TEMPFAIL,
        Response.DISCARD,
        Response.PROGRESS,
        Response.SKIP,
        new Response.Quarantine("spam score 12.5"),
        Response.ReplyCode.of(554, "5.7.1", "Message rejected as spam (GTUBE)"),
        new Response.ReplyCode(451, "4.7.1", List.of("Try again later", "100% sure")),
        new Response.AddHeader("X-Spam-Score", "3.2"),
        new Response.InsHeader(0, "Authentication-Results", "mx.example.org;\n\tspf=pass"),
        new Response.ChgHeader(2, "Received", "changed"),
        Response.ChgHeader.delete(1, "X-Spam-Flag"),
        new Response.OptNegReply(6, 0x101, 0x1000, Map.of()),
        new Response.OptNegReply(
            6,
            Milter.SMFIF_SETSYMLIST,
            0,
            Map.of(Milter.SMFIM_CONNECT, "{client_addr} {daemon_addr}", Milter.SMFIM_EOM, "i")));
  }

  @Test
  void everyResponseRoundTripsFedWholeByteByByteAndInRandomSplits() throws IOException {
    List<Response> responses = everyResponse();
    byte[] wire = Feeds.concat(responses.stream().map(Response::toPacket).toList());
    for (Function<byte[], InputStream> feed : Feeds.all()) {
      List<Response> decoded = new ArrayList<>();
      for (Packet p : Feeds.readAll(feed.apply(wire))) {
        decoded.add(Response.decode(p));
      }
      assertThat(decoded).isEqualTo(responses);
    }
  }

  @Test
  void simpleRepliesAreOneCodeByte() {
    assertThat(HEX.formatHex(Response.CONTINUE.encode())).isEqualTo("0000000163");
    assertThat(HEX.formatHex(Response.ACCEPT.encode())).isEqualTo("0000000161");
    assertThat(HEX.formatHex(Response.REJECT.encode())).isEqualTo("0000000172");
    assertThat(HEX.formatHex(Response.TEMPFAIL.encode())).isEqualTo("0000000174");
    assertThat(HEX.formatHex(Response.DISCARD.encode())).isEqualTo("0000000164");
    assertThat(HEX.formatHex(Response.PROGRESS.encode())).isEqualTo("0000000170");
    assertThat(HEX.formatHex(Response.SKIP.encode())).isEqualTo("0000000173");
  }

  @Test
  void headerRepliesCarryIndexNameAndValue() {
    assertThat(HEX.formatHex(new Response.AddHeader("X", "y").encode()))
        .isEqualTo("00000005" + "68" + "5800" + "7900");
    assertThat(HEX.formatHex(new Response.InsHeader(0, "X", "y").encode()))
        .isEqualTo("00000009" + "69" + "00000000" + "5800" + "7900");
    assertThat(HEX.formatHex(Response.ChgHeader.delete(3, "X").encode()))
        .isEqualTo("00000008" + "6d" + "00000003" + "5800" + "00");
  }

  @Test
  void optNegReplyListsMacrosPerStageAfterTheMasks() {
    byte[] wire =
        new Response.OptNegReply(6, 0x100, 0x80, Map.of(Milter.SMFIM_EOM, "i", 0, "j")).encode();
    assertThat(HEX.formatHex(wire))
        .isEqualTo(
            "00000019"
                + "4f"
                + "00000006"
                + "00000100"
                + "00000080"
                + "00000000"
                + "6a00"
                + "00000005"
                + "6900");
  }

  @Test
  void multiLineReplyUsesDashContinuationAndDoublesPercent() {
    Response.ReplyCode reply =
        new Response.ReplyCode(550, "5.7.1", List.of("Spam detected", "Score 100% over", "Bye"));
    assertThat(reply.text())
        .isEqualTo("550-5.7.1 Spam detected\r\n550-5.7.1 Score 100%% over\r\n550 5.7.1 Bye");
    assertThat(reply.toPacket().data())
        .isEqualTo((reply.text() + "\0").getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void percentSurvivesTheRoundTripAsPostfixReadsIt() throws MilterProtocolException {
    Response.ReplyCode reply = Response.ReplyCode.of(550, "5.7.1", "100% spam, 50%% ham, %");
    assertThat(reply.text()).isEqualTo("550 5.7.1 100%% spam, 50%%%% ham, %%");
    assertThat(Response.decode(reply.toPacket())).isEqualTo(reply);
  }

  @Test
  void replyCodeRefusesWhatAnMtaWouldNot() {
    assertThatThrownBy(() -> Response.ReplyCode.of(250, "2.0.0", "ok"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reply code must be 4xx or 5xx, got 250");
    assertThatThrownBy(() -> Response.ReplyCode.of(550, "4.7.1", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("enhanced status 4.7.1 does not match reply code 550");
    assertThatThrownBy(() -> Response.ReplyCode.of(550, "5.7", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an enhanced status code: 5.7");
    assertThatThrownBy(() -> Response.ReplyCode.of(550, "5.7.1", "two\r\nlines"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reply line must be one line");
    assertThatThrownBy(() -> new Response.ReplyCode(550, "5.7.1", List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a reply has 1 to 32 lines, got 0");
  }

  @Test
  void headerRepliesRefuseBadNamesBareLineBreaksAndBadIndexes() {
    assertThatThrownBy(() -> new Response.AddHeader("X Bad", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("header name must be printable ASCII without ':'");
    assertThatThrownBy(() -> new Response.AddHeader("X", "v\nBcc: smuggled"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line break not followed by a space or tab");
    assertThatThrownBy(() -> new Response.ChgHeader(0, "X", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header index counts from 1 among headers of the name, got 0");
    assertThatThrownBy(() -> new Response.InsHeader(-1, "X", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header index must be 0 or more, got -1");
    assertThatThrownBy(() -> new Response.OptNegReply(6, 0, 0, Map.of(7, "i")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("macro stage must be 0..6, got 7");
  }

  @Test
  void malformedRepliesAreRefusedWithTheReplyName() {
    assertThatThrownBy(() -> Response.decode(new Packet('y', "hello\0".getBytes())))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessageStartingWith("SMFIR_REPLYCODE: not a reply line");
    assertThatThrownBy(() -> Response.decode(new Packet('m', new byte[] {0, 0, 0, 0, 'X', 0, 0})))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIR_CHGHEADER: header index counts from 1 among headers of the name, got 0");
    // Found by CodecPropertyTest: a value the constructor refuses was an IllegalArgumentException.
    assertThatThrownBy(() -> Response.decode(new Packet('q', "a\r\nb\0".getBytes())))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessageStartingWith("SMFIR_QUARANTINE: quarantine reason must be one line");
    assertThatThrownBy(() -> Response.decode(new Packet('c', new byte[] {1})))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage("SMFIR_CONTINUE: 1 unexpected bytes after the last field");
  }
}
