package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import dev.mailfilter.testkit.DebianPackage;
import dev.mailfilter.testkit.Swaks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real client: {@code swaks} (Debian package swaks), pipelining, against the gateway. */
class SwaksInteropTest {
  private static final Path SWAKS = Swaks.BINARY;

  @TempDir Path certificates;

  private Downstream downstream;
  private MailFilter filter;
  private SmtpServer server;

  @BeforeEach
  void start() throws IOException {
    DebianPackage.require(SWAKS, "swaks");
    TestCertificates.Pair pair = TestCertificates.rsa(certificates, "server");
    Optional<SmtpTls> tls = Optional.of(SmtpTls.load(pair.certificate(), pair.key()));
    downstream = new Downstream();
    filter = SmtpServerTest.filter(SmtpServerTest.config(downstream.port(), downstream.port()));
    server = SmtpServerTest.server(filter, b -> b.tls(() -> tls));
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
      filter.close();
      downstream.close();
    }
  }

  private record Run(int status, String output) {}

  private Run swaks(String... more) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                SWAKS.toString(),
                "--server",
                "127.0.0.1:" + server.localAddress().getPort(),
                "--ehlo",
                "client.example",
                "--from",
                "alice@sender.example",
                "--pipeline"));
    command.addAll(List.of(more));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("swaks finished").isTrue();
    return new Run(p.exitValue(), new String(out, UTF_8));
  }

  @Test
  void pipelinedMessageWithDotLinesIsRelayedAsSent(@TempDir Path dir) throws Exception {
    Path message = dir.resolve("m.eml");
    Files.writeString(message, SmtpServerTest.CLEAN);
    Run r = swaks("--to", "bob@ours.example", "--data", message.toString());
    assertThat(r.status()).as(r.output()).isZero();
    assertThat(r.output()).contains("<-  250 2.0.0 Ok: queued as ");
    assertThat(downstream.messages).hasSize(1);
    // swaks ends the data with CRLF before the final ".CRLF", so the message it sent has one
    // more empty line than the file.
    assertThat(
            SmtpServerTest.withoutAddedFields(
                downstream.messages.getFirst().content(), SmtpServerTest.CLEAN))
        .isEqualTo(SmtpServerTest.CLEAN + "\r\n");
  }

  @Test
  void gtubeIsRejectedAndAForeignRecipientRefused() throws Exception {
    Run spam = swaks("--to", "bob@ours.example", "--body", SmtpServerTest.GTUBE);
    assertThat(spam.status()).isNotZero();
    assertThat(spam.output()).contains("<** 554 5.7.1");
    Run relay = swaks("--to", "victim@other.example");
    assertThat(relay.status()).isNotZero();
    assertThat(relay.output()).contains("<** 550 5.7.1");
    assertThat(downstream.messages).isEmpty();
  }

  @Test
  void startTlsWithSwaks(@TempDir Path dir) throws Exception {
    requireNetSsleay();
    Path message = dir.resolve("m.eml");
    Files.writeString(message, SmtpServerTest.CLEAN);
    Run r = swaks("--to", "bob@ours.example", "--data", message.toString(), "--tls");
    assertThat(r.status()).as(r.output()).isZero();
    assertThat(r.output())
        .contains("<-  220 2.0.0 Ready to start TLS")
        .contains("TLS started with");
    assertThat(r.output()).contains("~> EHLO client.example"); // EHLO again, over TLS
    assertThat(downstream.messages).hasSize(1);
    assertThat(new String(downstream.messages.getFirst().content(), UTF_8))
        .contains("with ESMTPS id ");
  }

  /** swaks needs Net::SSLeay for --tls, which its package only recommends. */
  private static void requireNetSsleay() throws Exception {
    Process p =
        new ProcessBuilder("perl", "-MNet::SSLeay", "-e", "1").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(
          "Perl's Net::SSLeay is missing (swaks --tls): install the Debian package"
              + " libnet-ssleay-perl (bin/test installs the packages listed in .ci/packages)");
    }
  }
}
