package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LookupCommandTest {
  @TempDir Path dir;

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Main.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Path config(int silentPort) throws Exception {
    Files.writeString(
        dir.resolve("bl.zone"),
        ":127.0.0.2:Listed: $\n192.0.2.0/24 :4:Range $\n!192.0.2.1\n127.0.0.2\n");
    Path cfg = dir.resolve("mailfilter.yaml");
    Files.writeString(
        cfg,
        """
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 300ms
        dnsbl:
          lists:
            - symbol: LOCAL_BL
              zone: local.test
              return_codes: {"127.0.0.4": LOCAL_BL_RANGE, "127.0.0.2": LOCAL_BL_ONE}
            - symbol: REMOTE_BL
              zone: remote.test
        mirrors:
          files:
            - {zone: local.test, path: "%s", kind: ip4set}
        """
            .formatted(silentPort, dir.resolve("bl.zone")));
    return cfg;
  }

  @Test
  void printsEveryListsAnswerItsSourceAndTime() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      Path cfg = config(silent.getLocalPort());
      Run r = run("lookup", "192.0.2.7", "--config", cfg.toString());
      assertThat(r.status()).as(r.err()).isEqualTo(1);
      assertThat(r.out())
          .containsPattern(
              "LOCAL_BL +local\\.test +listed +mirror .*127\\.0\\.0\\.4 LOCAL_BL_RANGE")
          .contains("query 7.2.0.192.local.test")
          .contains("txt   \"Range 192.0.2.7\"")
          .contains("from  " + dir.resolve("bl.zone") + " (ip4set, 3 entries")
          .containsPattern("REMOTE_BL +remote\\.test +timeout +dns ");

      Run excluded = run("lookup", "192.0.2.1", "--config", cfg.toString());
      assertThat(excluded.status()).isZero();
      assertThat(excluded.out()).containsPattern("LOCAL_BL +local\\.test +not listed +mirror");

      Run domain = run("lookup", "example.com", "--config", cfg.toString());
      assertThat(domain.out()).contains("no list takes domains");
    }
  }

  @Test
  void refusesBadUsageAndMissingLists() {
    assertThat(run("lookup").status()).isEqualTo(2);
    Run none = run("lookup", "192.0.2.1");
    assertThat(none.status()).isEqualTo(2);
    assertThat(none.err()).contains("no blocklists configured");
    Run missing = run("lookup", "192.0.2.1", "--config", "/nonexistent.yaml");
    assertThat(missing.status()).isEqualTo(2);
    assertThat(missing.err()).contains("/nonexistent.yaml");
  }

  @Test
  void aFailingSelfTestExitsTwo() throws Exception {
    // RFC 5782: a list must answer its test point 127.0.0.2; this mirror lacks it.
    Path zone = dir.resolve("broken.zone");
    Files.writeString(zone, ":127.0.0.2:Listed $\n192.0.2.0/24\n");
    Path cfg = dir.resolve("broken.yaml");
    Files.writeString(
        cfg,
        """
        dnsbl:
          lists:
            - {symbol: LOCAL_BL, zone: local.test}
        mirrors:
          files:
            - {zone: local.test, path: "%s", kind: ip4set}
        """
            .formatted(zone));
    Run broken = run("lookup", "192.0.2.7", "--config", cfg.toString(), "--self-test");
    assertThat(broken.status()).as(broken.out()).isEqualTo(2);
    assertThat(broken.out()).contains("FAILING");
    assertThat(broken.err()).isEqualTo("mailfilter lookup: self-test failed (see FAILING above)\n");

    Files.writeString(zone, ":127.0.0.2:Listed $\n192.0.2.0/24\n127.0.0.2\n");
    Run healthy = run("lookup", "192.0.2.7", "--config", cfg.toString(), "--self-test");
    assertThat(healthy.status()).as(healthy.out()).isEqualTo(1);
    assertThat(healthy.out()).doesNotContain("FAILING");
  }
}
