package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The TLS policies against a scripted downstream that offers no STARTTLS, or offers it and then
 * hangs up instead of a handshake. The handshakes themselves, with certificates, are in {@link
 * PostfixRelayTest}.
 */
class RelayTlsTest {
  private Downstream downstream;

  @BeforeEach
  void start() throws IOException {
    downstream = new Downstream();
  }

  @AfterEach
  void stop() throws IOException {
    downstream.close();
  }

  private String send(String tls) throws IOException {
    try (MailFilter filter =
            SmtpServerTest.filter(
                "domains:\n  ours.example:\n    route: {host: 127.0.0.1, port: "
                    + downstream.port()
                    + ", tls: "
                    + tls
                    + "}\n");
        SmtpServer server = SmtpServerTest.server(filter, b -> {})) {
      return RelayPoolTest.send(server, "bob@ours.example");
    }
  }

  private boolean startTlsSent() {
    return downstream.commands.stream().anyMatch(c -> c.startsWith("StartTls"));
  }

  @Test
  void noneNeverStartsTlsEvenWhenOffered() throws Exception {
    downstream.brokenStartTls = true;
    assertThat(send("none")).startsWith("250 2.0.0 Ok");
    assertThat(startTlsSent()).isFalse();
    assertThat(downstream.connections.get()).isEqualTo(1);
  }

  @Test
  void mayRelaysInPlainTextWhenStartTlsIsNotOffered() throws Exception {
    assertThat(send("may")).startsWith("250 2.0.0 Ok");
    assertThat(startTlsSent()).isFalse();
    assertThat(downstream.messages).hasSize(1);
  }

  @Test
  void mayFallsBackToPlainTextOnANewConnectionWhenTheHandshakeFails() throws Exception {
    downstream.brokenStartTls = true;
    assertThat(send("may")).startsWith("250 2.0.0 Ok");
    assertThat(startTlsSent()).isTrue();
    assertThat(downstream.connections.get()).isEqualTo(2);
    assertThat(downstream.messages).hasSize(1);
  }

  @Test
  void encryptRefusesWith451WhenStartTlsIsNotOffered() throws Exception {
    assertThat(send("encrypt"))
        .isEqualTo("451 4.7.5 TLS is required for this route, and 127.0.0.1 does not offer it");
    assertThat(downstream.messages).isEmpty();
    assertThat(downstream.commands).noneMatch(c -> c.startsWith("Mail"));
  }

  @Test
  void encryptAndVerifyRefuseWith451WhenTheHandshakeFails() throws Exception {
    downstream.brokenStartTls = true;
    assertThat(send("encrypt")).startsWith("451 4.7.5 TLS with 127.0.0.1 failed: ");
    assertThat(send("verify")).startsWith("451 4.7.5 TLS with 127.0.0.1 failed: ");
    assertThat(downstream.messages).isEmpty();
    assertThat(downstream.commands).noneMatch(c -> c.startsWith("Mail"));
  }
}
