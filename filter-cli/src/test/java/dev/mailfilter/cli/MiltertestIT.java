package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testkit.Miltertest;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The libmilter project's {@code miltertest} (Debian's) as a second real MTA side against the
 * {@code mailfilter milter} command: the Lua scripts under {@code src/test/resources/miltertest}
 * negotiate at version 6 and at version 2 and check GTUBE's refusal, the added and deleted headers
 * and a quarantine. Each script fails with the expectation it missed.
 */
@Timeout(120)
class MiltertestIT {
  @TempDir static Path dir;
  private static DaemonProcess milter;
  private static Path scripts;

  @BeforeAll
  static void start() throws Exception {
    scripts = Path.of(MiltertestIT.class.getResource("/miltertest/common.lua").toURI()).getParent();
    // Low thresholds, so that a message missing three fields (4.5 points) is quarantined.
    Path config =
        Files.writeString(
            dir.resolve("mailfilter.yaml"), "actions: {add_header: 3, quarantine: 4}\n");
    milter = DaemonProcess.milter(dir, config);
  }

  @AfterAll
  static void stop() {
    if (milter != null) {
      milter.close();
    }
  }

  private static Miltertest.Result run(String script) throws Exception {
    return Miltertest.run(
        scripts.resolve(script),
        Map.of("port", Integer.toString(milter.port()), "dir", scripts.toString()),
        dir);
  }

  private static void passes(String script) throws Exception {
    Miltertest.Result r = run(script);
    assertThat(r.exit()).as("%s%nmilter log:%n%s", r.output(), milter.log()).isZero();
    assertThat(r.output()).contains(script.replace(".lua", "") + ": ok");
  }

  @Test
  void negotiatesVersion6AddsResultHeadersAndDeletesAForgedFlag() throws Exception {
    passes("negotiate-v6.lua");
  }

  @Test
  void negotiatesDownToVersion2AndStillJudgesEachMessage() throws Exception {
    passes("negotiate-v2.lua");
  }

  @Test
  void refusesGtubeWithReplyCode554() throws Exception {
    passes("gtube.lua");
    assertThat(milter.log()).contains("client=192.0.2.12").contains("action=reject");
  }

  @Test
  void quarantinesAtTheQuarantineThreshold() throws Exception {
    passes("quarantine.lua");
    assertThat(milter.log()).contains("client=192.0.2.13").contains("action=quarantine");
  }

  @Test
  void sendsProgressWhileASlowEndOfMessageCheckRuns() throws Exception {
    // A DNS server that never answers: the URL's blocklist lookup waits out dns.deadline.
    try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      Path config =
          Files.writeString(
              dir.resolve("slow.yaml"),
              """
              milter: {progress_interval: 100ms}
              dns: {servers: ["127.0.0.1:%d"], deadline: 1500ms, retries: 0}
              dnsbl:
                self_test: false
                lists: [{symbol: URI_SLOW, zone: uri.test, kind: uri, test_points: false}]
              checks:
                dnsbl_data: {enabled: true}
              """
                  .formatted(silent.getLocalPort()));
      try (DaemonProcess slow = DaemonProcess.milter(dir, config)) {
        Miltertest.Result r =
            Miltertest.run(
                scripts.resolve("progress.lua"),
                Map.of("port", Integer.toString(slow.port()), "dir", scripts.toString()),
                dir,
                2);
        assertThat(r.exit()).as("%s%nmilter log:%n%s", r.output(), slow.log()).isZero();
        assertThat(r.output()).contains("progress: ok");
        // 1.5 s at one packet per 100 ms: several, whatever the machine's load.
        assertThat(r.output().lines().filter(l -> l.contains(": cmd p, len 0")).count())
            .as(r.output())
            .isGreaterThanOrEqualTo(3);
        assertThat(slow.log()).contains("client=192.0.2.15").contains("RBL_TIMEOUT");
      }
    }
  }

  @Test
  void aMissedExpectationFailsTheScriptAndSaysWhy() throws Exception {
    Miltertest.Result r = run("failing.lua");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.output())
        .contains("miltertest script failed: ")
        .contains("expected a refusal of a clean message");
  }
}
