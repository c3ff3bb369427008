package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.config.IpRange;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code smtp.forbid_unauth_pipelining} (Postfix 3.9's {@code smtpd_forbid_unauth_pipelining})
 * through real sockets: talking before the banner, pipelining when it was not offered, and commands
 * behind one that must end a group get {@code 554 5.5.0} and a closed connection, while RFC 2920's
 * pipelining still works.
 */
class UnauthPipeliningTest {
  static final String SYNC = "554 5.5.0 Error: SMTP protocol synchronization";

  private Downstream downstream;
  private MailFilter filter;
  private SmtpServer server;

  @BeforeEach
  void start() throws IOException {
    downstream = new Downstream();
    filter = SmtpServerTest.filter(SmtpServerTest.config(downstream.port(), downstream.port()));
    server = SmtpServerTest.server(filter, b -> {});
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    filter.close();
    downstream.close();
  }

  private Client client() throws IOException {
    Client c = new Client(server.localAddress());
    assertThat(c.reply()).startsWith("220 gw.test ");
    return c;
  }

  private Client ehlo() throws IOException {
    Client c = client();
    c.send("EHLO client.example\r\n");
    assertThat(c.reply()).contains("250-PIPELINING");
    return c;
  }

  private static void refused(Client c) throws IOException {
    assertThat(c.reply()).isEqualTo(SYNC);
    assertThat(c.closedByServer()).isTrue();
  }

  /** Before EHLO, and after HELO, replies carry no enhanced code (RFC 2034). */
  private static void refusedWithoutEhlo(Client c) throws IOException {
    assertThat(c.reply()).isEqualTo("554 Error: SMTP protocol synchronization");
    assertThat(c.closedByServer()).isTrue();
  }

  @Test
  void talkingBeforeTheBannerIsRefused() throws Exception {
    // The banner waits for the filter, which waits until the client has spoken: no race.
    CountDownLatch spoke = new CountDownLatch(1);
    server.close();
    server =
        SmtpServerTest.server(
            filter,
            b ->
                b.filters(
                    () -> {
                      try {
                        spoke.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      return filter;
                    }));
    try (Client c = new Client(server.localAddress())) {
      c.send("EHLO client.example\r\n");
      spoke.countDown();
      refusedWithoutEhlo(c); // no 220 first
    }
  }

  @Test
  void pipeliningBeforeEhloIsRefused() throws Exception {
    try (Client c = client()) {
      c.send("EHLO client.example\r\nMAIL FROM:<a@sender.example>\r\n");
      refusedWithoutEhlo(c);
    }
  }

  @Test
  void pipeliningAfterHeloIsRefusedSinceItWasNotOffered() throws Exception {
    try (Client c = client()) {
      c.send("HELO client.example\r\n");
      assertThat(c.reply()).isEqualTo("250 gw.test");
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\n");
      refusedWithoutEhlo(c);
    }
    assertThat(downstream.messages).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "EHLO again.example\r\nMAIL FROM:<a@sender.example>\r\n",
        "HELO again.example\r\nMAIL FROM:<a@sender.example>\r\n",
        "NOOP\r\nRSET\r\n",
        "VRFY bob\r\nNOOP\r\n",
        "QUIT\r\nMAIL FROM:<a@sender.example>\r\n",
      })
  void commandsBehindOneThatMustEndAGroupAreRefused(String wire) throws Exception {
    try (Client c = ehlo()) {
      c.send(wire);
      refused(c);
    }
  }

  @Test
  void contentSentBeforeThe354IsRefused() throws Exception {
    try (Client c = ehlo()) {
      c.send(
          "MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\nDATA\r\n"
              + SmtpServerTest.stuffed(SmtpServerTest.CLEAN)
              + ".\r\n");
      assertThat(c.replies(3)).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok", SYNC);
      assertThat(c.closedByServer()).isTrue();
    }
    assertThat(downstream.messages).isEmpty();
  }

  @Test
  void rfc2920PipeliningStillWorks() throws Exception {
    try (Client c = ehlo()) {
      c.send(
          "MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\n"
              + "RCPT TO:<carol@ours.example>\r\nDATA\r\n");
      assertThat(c.replies(4)).last().asString().startsWith("354");
      // Message content may start a group (RFC 2920 section 3.1): the next transaction follows
      // the end of data in the same write.
      c.send(
          SmtpServerTest.stuffed(SmtpServerTest.CLEAN)
              + ".\r\nRSET\r\nMAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\n"
              + "DATA\r\n");
      List<String> r = c.replies(5);
      assertThat(r.getFirst()).startsWith("250 2.0.0 Ok: queued as ");
      assertThat(r.subList(1, 5))
          .containsExactly(
              "250 2.0.0 Ok",
              "250 2.1.0 Ok",
              "250 2.1.5 Ok",
              "354 End data with <CR><LF>.<CR><LF>");
      c.send(SmtpServerTest.stuffed(SmtpServerTest.CLEAN) + ".\r\nQUIT\r\n");
      assertThat(c.replies(2)).last().isEqualTo("221 2.0.0 Bye");
    }
    assertThat(downstream.messages).hasSize(2);
  }

  @Test
  void turnedOffTheOldBehaviourAnswersEveryCommand() throws Exception {
    server.close();
    server = SmtpServerTest.server(filter, b -> b.forbidUnauthPipelining(false));
    try (Client c = client()) {
      c.send("EHLO client.example\r\nNOOP\r\nNOOP\r\n");
      assertThat(c.replies(3)).last().isEqualTo("250 2.0.0 Ok");
    }
  }

  @Test
  void theSmtpSectionSetsBothKeys() {
    FilterConfig config =
        FilterConfig.builder()
            .section(SmtpSettings.SECTION)
            .yaml(
                "smtp:\n  forbid_unauth_pipelining: false\n  proxy:\n"
                    + "    from: [10.0.0.0/24, '2001:db8::7']\n    timeout: 3s\n")
            .build();
    SmtpSettings s = config.section(SmtpSettings.SECTION);
    assertThat(s.forbidUnauthPipelining()).isFalse();
    assertThat(s.proxy())
        .isEqualTo(
            new SmtpSettings.Proxy(
                List.of(IpRange.parse("10.0.0.0/24"), IpRange.parse("2001:db8::7")),
                Duration.ofSeconds(3)));
    SmtpSettings d =
        FilterConfig.builder()
            .section(SmtpSettings.SECTION)
            .yaml("smtp: {}\n")
            .build()
            .section(SmtpSettings.SECTION);
    assertThat(d.forbidUnauthPipelining()).isTrue();
    assertThat(d.proxy().from()).isEmpty();
  }

  @Test
  void badProxyKeysAreConfigurationErrorsNamingTheKey() {
    assertThatThrownBy(() -> section("smtp:\n  proxy:\n    from: [10.0.0.0/24, lb.example]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("smtp.proxy.from[1]")
        .hasMessageContaining("lb.example");
    assertThatThrownBy(() -> section("smtp:\n  proxy:\n    from: [10.0.0.1]\n    timeout: 0s\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("smtp.proxy.timeout");
    assertThatThrownBy(() -> section("smtp:\n  proxy:\n    timeout: 5s\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("smtp.proxy.from");
    assertThatThrownBy(() -> section("smtp:\n  proxy:\n    form: [10.0.0.1]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("smtp.proxy.form");
  }

  private static void section(String yaml) {
    FilterConfig.builder().section(SmtpSettings.SECTION).yaml(yaml).build();
  }
}
