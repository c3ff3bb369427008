package dev.mailfilter.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Decision;
import dev.mailfilter.testkit.RedisServer;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Greylisting on a real redis-server, shared by two filters as two nodes would share it. */
class GreylistCheckTest {
  private static final Duration DELAY = Duration.ofMinutes(5);

  @TempDir Path dir;
  private LocalRedis local;
  private RedisServer server;
  private SharedRedis redis;
  private final TestClock clock = new TestClock();

  @BeforeEach
  void start() throws Exception {
    local = LocalRedis.start(dir, Duration.ofSeconds(2), Duration.ofMillis(200));
    server = local.server();
    redis = local.redis();
  }

  @AfterEach
  void stop() {
    local.close();
  }

  private MailFilter node(GreylistSettings s) {
    return MailFilter.builder()
        .addCheck(GreylistCheck.of(s, Optional.of(redis), clock))
        .clock(clock)
        .build();
  }

  @Test
  void firstAttemptAndEarlyRetryGet451AndARetryAfterTheDelayOnAnotherNodeIsAccepted()
      throws Exception {
    GreylistSettings s = GreylistSettings.defaults().withDelay(DELAY);
    try (MailFilter a = node(s);
        MailFilter b = node(s)) {
      Decision first = Sessions.rcpt(a, "192.0.2.10", "alice@sender.example", "bob@rcpt.example");
      assertThat(first).isInstanceOf(Decision.Refuse.class);
      Decision.Refuse r = (Decision.Refuse) first;
      assertThat(r.reply().code()).isEqualTo(451);
      assertThat(r.reply().enhanced()).isEqualTo("4.7.1");
      assertThat(String.join(" ", r.reply().lines()))
          .contains("Greylisted")
          .contains("300 seconds");

      clock.advance(Duration.ofMinutes(2));
      // The retry comes from a sibling address of the same /24 to the other node: still early.
      Decision early = Sessions.rcpt(b, "192.0.2.11", "alice@sender.example", "bob@rcpt.example");
      assertThat(early.refused()).isTrue();
      assertThat(String.join(" ", ((Decision.Refuse) early).reply().lines()))
          .contains("180 seconds");

      clock.advance(Duration.ofMinutes(3));
      assertThat(
              Sessions.rcpt(b, "192.0.2.12", "Alice@Sender.example", "bob@rcpt.example").refused())
          .isFalse();
      // Passed: from now on the triplet passes at once on every node.
      assertThat(
              Sessions.rcpt(a, "192.0.2.10", "alice@sender.example", "bob@rcpt.example").refused())
          .isFalse();
      // Another recipient is another triplet.
      assertThat(
              Sessions.rcpt(a, "192.0.2.10", "alice@sender.example", "carol@rcpt.example")
                  .refused())
          .isTrue();
      // Another network too.
      assertThat(
              Sessions.rcpt(a, "198.51.100.7", "alice@sender.example", "bob@rcpt.example")
                  .refused())
          .isTrue();
    }
  }

  @Test
  void aClientNetworkIsAllowedAfterNPassedTriplets() throws Exception {
    GreylistCheck check =
        GreylistCheck.of(
            GreylistSettings.defaults().withDelay(DELAY).withAutoAllowAfter(2),
            Optional.of(redis),
            clock);
    Duration budget = Duration.ofSeconds(2);
    String net = "203.0.113.0/24";
    for (String rcpt : List.of("a@x.example", "b@x.example")) {
      assertThat(check.decide(net, "s@y.example", rcpt, budget).outcome())
          .isEqualTo(GreylistCheck.Outcome.GREYLISTED);
    }
    clock.advance(DELAY);
    assertThat(check.decide(net, "s@y.example", "a@x.example", budget).outcome())
        .isEqualTo(GreylistCheck.Outcome.PASSED);
    // One pass is not enough.
    assertThat(check.decide(net, "s@y.example", "c@x.example", budget).outcome())
        .isEqualTo(GreylistCheck.Outcome.GREYLISTED);
    assertThat(check.decide(net, "s@y.example", "b@x.example", budget).outcome())
        .isEqualTo(GreylistCheck.Outcome.PASSED);
    GreylistCheck.Decision d = check.decide(net, "other@z.example", "new@x.example", budget);
    assertThat(d.outcome()).isEqualTo(GreylistCheck.Outcome.AUTO_ALLOWED);
    assertThat(d.shared()).isTrue();
  }

  @Test
  void everyKeyItWritesHasATtl() throws Exception {
    GreylistCheck check =
        GreylistCheck.of(GreylistSettings.defaults().withDelay(DELAY), Optional.of(redis), clock);
    check.decide("192.0.2.0/24", "s@y.example", "a@x.example", Duration.ofSeconds(2));
    clock.advance(DELAY);
    check.decide("192.0.2.0/24", "s@y.example", "a@x.example", Duration.ofSeconds(2));
    KeyScanCursor<String> keys =
        redis.call(c -> c.scan(ScanArgs.Builder.limit(1000)), Duration.ofSeconds(2)).orElseThrow();
    assertThat(keys.getKeys()).hasSize(2);
    for (String k : keys.getKeys()) {
      long ttl = redis.call(c -> c.pttl(k), Duration.ofSeconds(2)).orElseThrow();
      assertThat(ttl).as(k).isPositive().isLessThanOrEqualTo(Duration.ofDays(35).toMillis());
    }
  }

  @Test
  void fallsBackToLocalGreylistingWhenRedisIsKilled() throws Exception {
    GreylistCheck check =
        GreylistCheck.of(GreylistSettings.defaults().withDelay(DELAY), Optional.of(redis), clock);
    Duration budget = Duration.ofSeconds(2);
    assertThat(check.decide("192.0.2.0/24", "s@y.example", "a@x.example", budget).shared())
        .isTrue();
    server.kill();

    // The local state knows nothing of Redis's triplets: greylisted again, locally.
    GreylistCheck.Decision down =
        check.decide("192.0.2.0/24", "s@y.example", "a@x.example", budget);
    assertThat(down.shared()).isFalse();
    assertThat(down.outcome()).isEqualTo(GreylistCheck.Outcome.GREYLISTED);
    clock.advance(DELAY);
    GreylistCheck.Decision later =
        check.decide("192.0.2.0/24", "s@y.example", "a@x.example", budget);
    assertThat(later.shared()).isFalse();
    assertThat(later.outcome()).isEqualTo(GreylistCheck.Outcome.PASSED);

    // Through a whole filter too: the session is answered (451 from local state), not stuck.
    try (MailFilter node = node(GreylistSettings.defaults().withDelay(DELAY))) {
      Decision d = Sessions.rcpt(node, "198.51.100.1", "s@y.example", "b@x.example");
      assertThat(d.refused()).isTrue();
      assertThat(((Decision.Refuse) d).reply().code()).isEqualTo(451);
    }
  }
}
