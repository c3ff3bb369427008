package dev.mailfilter.web.quarantine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.smtp.Quarantine;
import dev.mailfilter.smtp.SmtpServer;
import dev.mailfilter.smtp.SmtpSettings;
import dev.mailfilter.testkit.SmtpClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real SMTP gateway that holds GTUBE mail for its domains in a quarantine directory: the tests'
 * way to fill a store, as production fills it (through a socket, the verdict's headers applied).
 */
public final class HoldingGateway implements AutoCloseable {
  static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  private final MailFilter filter;
  private final SmtpServer server;
  private final Path quarantineDir;

  private HoldingGateway(MailFilter filter, SmtpServer server, Path quarantineDir) {
    this.filter = filter;
    this.server = server;
    this.quarantineDir = quarantineDir;
  }

  /**
   * Starts a gateway with these domains, each routed to 127.0.0.1:port and holding what it would
   * reject.
   *
   * @param domains {@code domain -> downstream port}
   */
  public static HoldingGateway start(Path quarantineDir, java.util.Map<String, Integer> domains)
      throws IOException {
    StringBuilder yaml = new StringBuilder("domains:\n");
    domains.forEach(
        (d, port) ->
            yaml.append("  ")
                .append(d)
                .append(":\n    action_overrides: {reject: quarantine}\n")
                .append("    route: {host: 127.0.0.1, port: ")
                .append(port)
                .append(", tls: none}\n"));
    return start(quarantineDir, yaml.toString());
  }

  /**
   * Starts a gateway with this configuration after its {@code smtp:} section (a {@code tenants:}
   * tree or {@code domains:}).
   */
  public static HoldingGateway start(Path quarantineDir, String yaml) throws IOException {
    FilterConfig c =
        FilterConfig.builder()
            .section(SmtpSettings.SECTION)
            .yaml(
                "smtp:\n  host_name: gw.example\n  quarantine:\n    dir: \""
                    + quarantineDir
                    + "\"\n"
                    + yaml)
            .build();
    SmtpSettings settings =
        c.section(SmtpSettings.SECTION)
            .withListen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    MailFilter filter = MailFilter.builder().config(c).build();
    SmtpServer server =
        SmtpServer.builder().filters(() -> filter).settings(settings).build().start();
    return new HoldingGateway(filter, server, quarantineDir);
  }

  /** Sends a GTUBE message with this header and body text; it is held. */
  public String hold(String from, List<String> rcpts, String header, String body)
      throws IOException {
    try (SmtpClient c =
        SmtpClient.connect(server.localAddress().getPort(), Duration.ofSeconds(30))) {
      assertThat(c.greeting().code()).isEqualTo(220);
      assertThat(c.send("EHLO c.example").code()).isEqualTo(250);
      assertThat(c.send("MAIL FROM:<" + from + ">").code()).isEqualTo(250);
      for (String r : rcpts) {
        assertThat(c.send("RCPT TO:<" + r + ">").code()).isEqualTo(250);
      }
      SmtpClient.Reply r =
          c.data((header + "\r\n" + body + "\r\n" + GTUBE + "\r\n").getBytes(UTF_8));
      assertThat(r.code()).as(r.toString()).isEqualTo(250);
      c.send("QUIT");
    }
    // Ids sort by the time held: the newest is this one.
    return open().list(e -> true, java.util.Optional.empty(), 10_000).entries().getLast().id();
  }

  /** Another process's view of the store, as the web server and the digest command open it. */
  public Quarantine open() throws IOException {
    return Quarantine.open(quarantineDir, Duration.ofDays(7), "web.example");
  }

  @Override
  public void close() {
    server.close();
    filter.close();
  }
}
