package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.smtp.SmtpServer;
import dev.mailfilter.smtp.SmtpSettings;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mailfilter quarantine}: over a store the gateway filled through a socket. */
class QuarantineCommandTest {
  private static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final List<String> delivered = new CopyOnWriteArrayList<>();
  private ServerSocket downstream;
  private Thread downstreamThread;
  private Path config;

  private int run(String... args) {
    out.reset();
    err.reset();
    return QuarantineCommand.run(
        List.of(args), new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
  }

  @BeforeEach
  void start() throws IOException {
    downstream = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    downstreamThread = Thread.ofVirtual().start(this::serveDownstream);
    config = dir.resolve("c.yaml");
    Files.writeString(
        config,
        "smtp:\n  host_name: gw.example\n  quarantine:\n    dir: \""
            + dir.resolve("q")
            + "\"\n"
            + "domains:\n  held.example:\n    action_overrides: {reject: quarantine}\n"
            + "    route: {host: 127.0.0.1, port: "
            + downstream.getLocalPort()
            + ", tls: none}\n");
  }

  @AfterEach
  void stop() throws Exception {
    downstream.close();
    downstreamThread.join();
  }

  /** A minimal downstream server: accepts every message and keeps its content. */
  private void serveDownstream() {
    while (!downstream.isClosed()) {
      try (Socket s = downstream.accept()) {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
        OutputStream o = s.getOutputStream();
        o.write("220 down.example ESMTP\r\n".getBytes(UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
          String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line;
          if (verb.equals("DATA")) {
            o.write("354 go ahead\r\n".getBytes(UTF_8));
            StringBuilder content = new StringBuilder();
            while (!(line = in.readLine()).equals(".")) {
              content.append(line).append("\n");
            }
            delivered.add(content.toString());
            o.write("250 2.0.0 Ok\r\n".getBytes(UTF_8));
          } else if (verb.equals("QUIT")) {
            o.write("221 2.0.0 Bye\r\n".getBytes(UTF_8));
            break;
          } else {
            o.write("250 Ok\r\n".getBytes(UTF_8));
          }
        }
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Sends GTUBE to the held domain through a gateway running on the configuration. */
  private void holdOne() throws IOException {
    FilterConfig c =
        FilterConfig.builder().section(SmtpSettings.SECTION).yaml(Files.readString(config)).build();
    SmtpSettings settings =
        c.section(SmtpSettings.SECTION)
            .withListen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    try (MailFilter filter = MailFilter.builder().config(c).build();
        SmtpServer server =
            SmtpServer.builder().filters(() -> filter).settings(settings).build().start();
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.localAddress().getPort())) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
      OutputStream o = s.getOutputStream();
      assertThat(in.readLine()).startsWith("220 ");
      // One command per write: after HELO, pipelining is refused (forbid_unauth_pipelining).
      for (String command :
          new String[] {
            "HELO c.example", "MAIL FROM:<a@sender.example>", "RCPT TO:<bob@held.example>"
          }) {
        o.write((command + "\r\n").getBytes(UTF_8));
        assertThat(in.readLine()).startsWith("250");
      }
      o.write("DATA\r\n".getBytes(UTF_8));
      assertThat(in.readLine()).startsWith("354");
      o.write(("Subject: held\r\n\r\n" + GTUBE + "\r\n.\r\n").getBytes(UTF_8));
      assertThat(in.readLine()).startsWith("250 ");
      o.write("QUIT\r\n".getBytes(UTF_8));
      assertThat(in.readLine()).startsWith("221");
    }
  }

  /** A release goes where the gateway would send it: an MX route through the dns: servers. */
  @Test
  void releaseToAnMxRouteAsksTheConfiguredNameServers() throws Exception {
    try (dev.mailfilter.testkit.DnsmasqServer dns =
        dev.mailfilter.testkit.DnsmasqServer.start(
            dir,
            List.of(
                "--local=/test/",
                "--mx-host=held.test,mx.held.test,10",
                "--host-record=mx.held.test,127.0.0.1"))) {
      Files.writeString(
          config,
          "dns:\n  servers: [\"127.0.0.1:"
              + dns.port()
              + "\"]\nsmtp:\n  host_name: gw.example\n  quarantine:\n    dir: \""
              + dir.resolve("q")
              + "\"\n"
              + "domains:\n  held.example:\n    action_overrides: {reject: quarantine}\n"
              + "    route: {host: held.test, mx: true, port: "
              + downstream.getLocalPort()
              + ", tls: none}\n");
      holdOne();
      assertThat(run("list", "--config", config.toString())).isZero();
      String id = out.toString(UTF_8).lines().findFirst().orElseThrow().split("\t")[0];
      assertThat(run("release", id, "--config", config.toString()))
          .as(err.toString(UTF_8))
          .isZero();
      assertThat(delivered).hasSize(1);
    }
  }

  @Test
  void listShowReleaseOnceAndDelete() throws Exception {
    holdOne();
    assertThat(delivered).isEmpty();
    assertThat(run("list", "--config", config.toString())).isZero();
    List<String> lines = out.toString(UTF_8).lines().toList();
    assertThat(lines).hasSize(1);
    String id = lines.getFirst().split("\t")[0];
    assertThat(lines.getFirst()).contains("<a@sender.example>").contains("bob@held.example");

    assertThat(run("show", id, "--config", config.toString())).isZero();
    assertThat(out.toString(UTF_8))
        .contains("id: " + id)
        .contains("symbols: ")
        .contains("GTUBE")
        .contains("released: no")
        .contains("Subject: held");

    assertThat(run("release", id, "--config", config.toString())).isZero();
    assertThat(out.toString(UTF_8)).startsWith("released " + id + " to [127.0.0.1]:");
    assertThat(delivered).hasSize(1);
    assertThat(delivered.getFirst()).contains("Subject: held").contains(GTUBE);

    assertThat(run("release", id, "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8))
        .isEqualTo("mailfilter quarantine: quarantine entry " + id + " was released already\n");
    assertThat(delivered).hasSize(1);

    assertThat(run("list", "--config", config.toString())).isZero();
    assertThat(out.toString(UTF_8)).isEmpty(); // released entries only with --all
    assertThat(run("list", "--all", "--config", config.toString())).isZero();
    assertThat(out.toString(UTF_8)).contains(id).contains("released ");

    assertThat(run("delete", id, "--config", config.toString())).isZero();
    assertThat(run("delete", id, "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8))
        .isEqualTo("mailfilter quarantine: no quarantine entry " + id + "\n");
    assertThat(run("show", id, "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8))
        .isEqualTo("mailfilter quarantine: no quarantine entry " + id + "\n");
  }

  @Test
  void listByTenantTakesAPathPrefix() throws Exception {
    holdOne();
    assertThat(run("list", "--config", config.toString())).isZero();
    String[] fields = out.toString(UTF_8).lines().toList().getFirst().split("\t");
    String id = fields[0];
    String tenant = fields[5];
    assertThat(tenant).isNotEmpty();
    for (String prefix : List.of(tenant, tenant.substring(0, tenant.length() - 1))) {
      assertThat(run("list", "--tenant", prefix, "--config", config.toString())).isZero();
      assertThat(out.toString(UTF_8).lines()).as(prefix).singleElement().asString().startsWith(id);
    }
    assertThat(run("list", "--tenant", tenant + "/someone", "--config", config.toString()))
        .isZero();
    assertThat(out.toString(UTF_8)).isEmpty();
    assertThat(run("list", "--tenant", "nobody/", "--config", config.toString())).isZero();
    assertThat(out.toString(UTF_8)).isEmpty();
  }

  @Test
  void errorsExitTwoWithOneLine() throws IOException {
    Files.createDirectories(dir.resolve("q"));
    Path none = dir.resolve("none.yaml");
    Files.writeString(none, "smtp:\n  host_name: gw.example\n");
    assertThat(run("list")).isEqualTo(2);
    assertThat(err.toString(UTF_8)).startsWith("mailfilter quarantine: --config FILE is required");
    assertThat(run("list", "--config", none.toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8)).contains("configures no quarantine");
    assertThat(run("list", "--config", dir.resolve("missing.yaml").toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8)).endsWith("missing.yaml: no such file\n");
    assertThat(run("frobnicate", "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8))
        .isEqualTo("mailfilter quarantine: unknown subcommand 'frobnicate'\n");
    assertThat(run("show", "--config", config.toString())).isEqualTo(2);
    assertThat(run("list", "--limit", "x", "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8).lines())
        .hasSize(1)
        .allMatch(l -> l.startsWith("mailfilter quarantine: "));
    assertThat(run("release", "0000000000-00000000", "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8))
        .isEqualTo("mailfilter quarantine: no quarantine entry 0000000000-00000000\n");
    assertThat(run()).isEqualTo(2);
    assertThat(run("--help")).isZero();
    assertThat(out.toString(UTF_8)).startsWith("usage: mailfilter quarantine list");
  }

  @Test
  void aMissingQuarantineDirectoryIsAnErrorNotAnEmptyList() {
    assertThat(run("list", "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8)).startsWith("mailfilter quarantine: no quarantine directory ");
  }
}
