package dev.mailfilter.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.BuiltIns;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.testkit.Processes;
import dev.mailfilter.testkit.RedisServer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks as a node's configuration enables them ({@code checks.greylist}, {@code
 * checks.reputation}, {@code shared_state}), two filters built from it sharing one real Redis.
 */
class SharedStateConfigTest {
  /** The settings the checks run with: shared_state with the Redis of the redis: section. */
  static StateSettings state(FilterConfig c) {
    return c.section(StateSettings.SECTION)
        .withServer(c.section(dev.mailfilter.cluster.RedisSettings.SECTION).uri());
  }

  @TempDir Path dir;
  private RedisServer server;

  @BeforeEach
  void start() throws Exception {
    server = RedisServer.primary(dir.resolve("redis"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private FilterConfig config(String checks) {
    FilterConfig.Builder b =
        FilterConfig.builder().registry(SharedStateChecks.registry(BuiltIns.checks()));
    SharedStateChecks.SECTIONS.forEach(b::section);
    // A key prefix of the test's own: the connection is shared by settings, process-wide.
    return b.yaml(
            "redis:\n  uri: redis://127.0.0.1:"
                + server.port()
                + "\nshared_state:\n  timeout: 2s\n  prefix: '"
                + dir.getFileName()
                + ":'\n"
                + checks)
        .build();
  }

  private static FilterSession session(MailFilter node, String ip) throws Exception {
    FilterSession s = node.open(Connection.of(InetAddress.getByName(ip)));
    s.helo("mx.sender.example");
    s.mailFrom("someone@sender.example");
    return s;
  }

  @Test
  void greylistingEnabledInTheConfigurationIsSharedByTwoNodes() throws Exception {
    FilterConfig c = config("checks:\n  greylist:\n    enabled: true\n    delay: 1s\n");
    try (MailFilter a = MailFilter.builder().config(c).build();
        MailFilter b = MailFilter.builder().config(c).build()) {
      // The first calls may find the connection still opening: local state answers then, and
      // greylists just the same; wait for the shared state so that the test is about sharing.
      assertThat(SharedRedis.shared(state(c)).awaitAvailable(Duration.ofSeconds(10))).isTrue();
      try (FilterSession s = session(a, "192.0.2.1")) {
        Decision d = s.rcptTo("u@rcpt.example");
        assertThat(d.refused()).isTrue();
        assertThat(((Decision.Refuse) d).reply().code()).isEqualTo(451);
      }
      // Node b accepts the retry once the second passed: it knows a's first attempt.
      assertThat(
              Processes.await(
                  Duration.ofSeconds(10),
                  () -> {
                    try (FilterSession s = session(b, "192.0.2.1")) {
                      return !s.rcptTo("u@rcpt.example").refused();
                    } catch (Exception e) {
                      return false;
                    }
                  }))
          .isTrue();
    }
  }

  @Test
  void theChecksAreOffUnlessEnabled() throws Exception {
    FilterConfig c = config("checks:\n  greylist:\n    delay: 1h\n");
    try (MailFilter a = MailFilter.builder().config(c).build();
        FilterSession s = session(a, "192.0.2.1")) {
      assertThat(s.rcptTo("u@rcpt.example").refused()).isFalse();
    }
  }

  @Test
  void badOptionsAreRefusedWithTheirKey() {
    assertThatThrownBy(() -> config("checks:\n  greylist:\n    enabled: true\n    delay: soon\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.greylist.delay");
    assertThatThrownBy(
            () -> config("checks:\n  ratelimit:\n    enabled: true\n    ip:\n      rate: -1\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.ratelimit.ip.rate");
    assertThatThrownBy(() -> config("checks:\n  greylist:\n    enabled: true\n    dealy: 1s\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dealy");
  }

  @Test
  void verdictsOfOneNodeGiveTheClientABadReputationOnTheOther() throws Exception {
    FilterConfig c = config("checks:\n  reputation:\n    enabled: true\n    min_count: 3\n");
    byte[] spam =
        ("From: x@sender.example\r\nSubject: hi\r\n\r\n"
                + "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] plain =
        "From: x@sender.example\r\nSubject: hi\r\n\r\nhello\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    try (MailFilter a = MailFilter.builder().config(c).build();
        MailFilter b = MailFilter.builder().config(c).build()) {
      assertThat(SharedRedis.shared(state(c)).awaitAvailable(Duration.ofSeconds(10))).isTrue();
      for (int i = 0; i < 3; i++) {
        try (FilterSession s = session(a, "203.0.113.9")) {
          s.rcptTo("u@rcpt.example");
          assertThat(s.endOfData(spam).isSpam()).isTrue();
        }
      }
      AtomicReference<Verdict> last = new AtomicReference<>();
      // The counts are written without waiting: poll until they arrived.
      assertThat(
              Processes.await(
                  Duration.ofSeconds(10),
                  () -> {
                    try (FilterSession s = session(b, "203.0.113.9")) {
                      s.rcptTo("u@rcpt.example");
                      last.set(s.endOfData(plain));
                      return last.get().has(ReputationCheck.IP_BAD);
                    } catch (Exception e) {
                      return false;
                    }
                  }))
          .as("last verdict %s", last.get())
          .isTrue();
      assertThat(last.get().has(ReputationCheck.DOMAIN_BAD)).isTrue();
      // Another client has no reputation yet.
      try (FilterSession s = session(b, "198.51.100.3")) {
        s.rcptTo("u@rcpt.example");
        assertThat(s.endOfData(plain).has(ReputationCheck.IP_BAD)).isFalse();
      }
    }
  }
}
