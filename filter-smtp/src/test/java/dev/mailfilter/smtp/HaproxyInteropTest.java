package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import dev.mailfilter.config.IpRange;
import dev.mailfilter.testkit.DebianPackage;
import dev.mailfilter.testkit.FreePort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real balancer in front: HAProxy (Debian package {@code haproxy}) in TCP mode with {@code
 * send-proxy} and {@code send-proxy-v2}. The client connects from 127.0.0.5, HAProxy from
 * 127.0.0.1; the gateway must see 127.0.0.5, and a message must go through.
 */
@Timeout(60)
class HaproxyInteropTest {
  private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");

  @Test
  void throughHaproxyTheGatewaySeesTheClientWithV1AndV2(@TempDir Path dir) throws Exception {
    DebianPackage.require(HAPROXY, "haproxy");
    try (Downstream downstream = new Downstream();
        MailFilter filter =
            SmtpServerTest.filter(SmtpServerTest.config(downstream.port(), downstream.port()));
        SmtpServer server =
            SmtpServerTest.server(
                filter,
                b ->
                    b.proxy(
                        new SmtpSettings.Proxy(
                            List.of(IpRange.parse("127.0.0.1")), Duration.ofSeconds(5))))) {
      int v1 = FreePort.tcp();
      int v2 = FreePort.tcp();
      int gw = server.localAddress().getPort();
      Path cfg = dir.resolve("haproxy.cfg");
      Files.writeString(
          cfg,
          "global\n  maxconn 100\n"
              + "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 30s\n"
              + "  timeout server 30s\n"
              + "frontend v1\n  bind 127.0.0.1:"
              + v1
              + "\n  default_backend gw1\n"
              + "frontend v2\n  bind 127.0.0.1:"
              + v2
              + "\n  default_backend gw2\n"
              + "backend gw1\n  server gw 127.0.0.1:"
              + gw
              + " send-proxy\n"
              + "backend gw2\n  server gw 127.0.0.1:"
              + gw
              + " send-proxy-v2\n",
          UTF_8);
      Process haproxy =
          new ProcessBuilder(HAPROXY.toString(), "-db", "-f", cfg.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("haproxy.log").toFile())
              .start();
      try {
        for (int port : new int[] {v1, v2}) {
          String log = "haproxy: " + Files.readString(dir.resolve("haproxy.log"));
          try (Client c = viaHaproxy(port, haproxy, dir)) {
            assertThat(c.reply()).as(log).startsWith("220 gw.test ");
            c.send("EHLO client.example\r\n");
            assertThat(c.reply()).startsWith("250-gw.test Hello client.example [127.0.0.5]");
            c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<bob@ours.example>\r\nDATA\r\n");
            assertThat(c.replies(3)).last().asString().startsWith("354");
            c.send(SmtpServerTest.stuffed(SmtpServerTest.CLEAN) + ".\r\nQUIT\r\n");
            assertThat(c.replies(2).getFirst()).startsWith("250 2.0.0 Ok: queued as ");
          }
        }
        assertThat(downstream.messages).hasSize(2);
        // Our Received field names the client, not the balancer.
        assertThat(new String(downstream.messages.getFirst().content(), UTF_8))
            .startsWith("Received: from client.example ([127.0.0.5])");
      } finally {
        haproxy.destroy();
        haproxy.waitFor();
      }
    }
  }

  /** A client bound to 127.0.0.5, connected to HAProxy once it listens. */
  private static Client viaHaproxy(int port, Process haproxy, Path dir) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      Socket s = new Socket();
      try {
        s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.5"), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        return new Client(s);
      } catch (IOException e) {
        s.close();
        assertThat(haproxy.isAlive())
            .as("haproxy running: %s", Files.readString(dir.resolve("haproxy.log")))
            .isTrue();
        assertThat(System.nanoTime()).as("haproxy listening within 10 s").isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }
}
