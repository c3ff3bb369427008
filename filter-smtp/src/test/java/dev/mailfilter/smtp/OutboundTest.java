package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.api.Reply;
import dev.mailfilter.tenant.Route;
import dev.mailfilter.tenant.TlsPolicy;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mail the service writes itself, through the gateway's relay leg. */
class OutboundTest {
  @Test
  void sendsOneMessageToTheRouteAndReturnsItsReply() throws IOException {
    try (Downstream d = new Downstream();
        Outbound out = new Outbound(new Relay("gw.test", QuarantineTest.FAST))) {
      Route route = new Route("127.0.0.1", false, d.port(), TlsPolicy.NONE);
      byte[] m = "Subject: digest\r\n\r\n.leading dot\r\n".getBytes(UTF_8);
      Reply r = out.send(route, "quarantine@gw.test", List.of("bob@ours.example"), m);
      assertThat(r.code()).isEqualTo(250);
      assertThat(d.messages).hasSize(1);
      assertThat(d.messages.getFirst().from()).isEqualTo("quarantine@gw.test");
      assertThat(d.messages.getFirst().recipients()).containsExactly("bob@ours.example");
      assertThat(d.messages.getFirst().content()).isEqualTo(m);
      d.replies.put("END", Reply.of(452, "4.3.1", "Insufficient system storage"));
      assertThat(out.send(route, "", List.of("bob@ours.example"), m).code()).isEqualTo(452);
    }
  }

  @Test
  void refusesAMessageWithoutRecipients() {
    try (Outbound out = Outbound.open("gw.test", RelaySettings.defaults(), List.of())) {
      assertThatThrownBy(
              () ->
                  out.send(
                      new Route("127.0.0.1", false, 25, TlsPolicy.NONE),
                      "a@b.example",
                      List.of(),
                      new byte[0]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least one recipient");
    }
  }
}
