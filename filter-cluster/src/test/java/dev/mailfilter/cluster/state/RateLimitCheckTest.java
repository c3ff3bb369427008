package dev.mailfilter.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Decision;
import dev.mailfilter.cluster.state.RateLimitCheck.Kind;
import dev.mailfilter.testkit.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rate limits on a real redis-server, and its Lua bucket against the Java reference model. */
class RateLimitCheckTest {
  private static final Duration BUDGET = Duration.ofSeconds(2);

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

  private RateLimitCheck check(Map<Kind, TokenBucket> buckets) {
    return RateLimitCheck.of(
        buckets, RateLimitCheck.OnLimit.TEMPFAIL, Optional.of(redis), r -> Optional.empty(), clock);
  }

  @Test
  void twoNodesShareOneBucketPerClientAndTheFourthRecipientGets451() throws Exception {
    // 3 at once, then one a minute.
    Map<Kind, TokenBucket> ip = Map.of(Kind.IP, TokenBucket.of(1, Duration.ofMinutes(1), 3));
    try (MailFilter a = MailFilter.builder().addCheck(check(ip)).clock(clock).build();
        MailFilter b = MailFilter.builder().addCheck(check(ip)).clock(clock).build()) {
      assertThat(Sessions.rcpt(a, "192.0.2.1", "s@y.example", "r1@x.example").refused()).isFalse();
      assertThat(Sessions.rcpt(b, "192.0.2.1", "s@y.example", "r2@x.example").refused()).isFalse();
      assertThat(Sessions.rcpt(a, "192.0.2.1", "s@y.example", "r3@x.example").refused()).isFalse();
      Decision over = Sessions.rcpt(b, "192.0.2.1", "s@y.example", "r4@x.example");
      assertThat(over).isInstanceOf(Decision.Refuse.class);
      Decision.Refuse r = (Decision.Refuse) over;
      assertThat(r.reply().code()).isEqualTo(451);
      assertThat(r.reply().enhanced()).isEqualTo("4.7.0");
      assertThat(String.join(" ", r.reply().lines())).contains("Rate limit exceeded (ip)");
      // Another client has its own bucket.
      assertThat(Sessions.rcpt(b, "192.0.2.2", "s@y.example", "r4@x.example").refused()).isFalse();
      clock.advance(Duration.ofMinutes(1));
      assertThat(Sessions.rcpt(b, "192.0.2.1", "s@y.example", "r4@x.example").refused()).isFalse();
      assertThat(Sessions.rcpt(a, "192.0.2.1", "s@y.example", "r5@x.example").refused()).isTrue();
    }
  }

  @Test
  void anEmptyBucketChargesNoneOfTheOthers() throws Exception {
    RateLimitCheck c =
        check(
            Map.of(
                Kind.SENDER, TokenBucket.of(1, Duration.ofHours(1), 10),
                Kind.RECIPIENT_DOMAIN, TokenBucket.of(1, Duration.ofHours(1), 1)));
    assertThat(c.decide("192.0.2.1", "s@y.example", "a@x.example", BUDGET).limited()).isEmpty();
    for (int i = 0; i < 5; i++) {
      assertThat(c.decide("192.0.2.1", "s@y.example", "b@x.example", BUDGET).limited())
          .contains(Kind.RECIPIENT_DOMAIN);
    }
    // The sender's bucket lost only the one token of the admitted recipient: 9 more to other
    // domains.
    for (int i = 0; i < 9; i++) {
      assertThat(c.decide("192.0.2.1", "s@y.example", "a@d" + i + ".example", BUDGET).limited())
          .isEmpty();
    }
    assertThat(c.decide("192.0.2.1", "s@y.example", "a@d9.example", BUDGET).limited())
        .contains(Kind.SENDER);
  }

  @Test
  void tenantBucketsCountPerTenantAcrossDomains() throws Exception {
    RateLimitCheck c =
        RateLimitCheck.of(
            Map.of(Kind.TENANT, TokenBucket.of(1, Duration.ofHours(1), 2)),
            RateLimitCheck.OnLimit.SYMBOL,
            Optional.of(redis),
            r -> Optional.of(r.endsWith("@a.example") || r.endsWith("@b.example") ? "acme" : "x"),
            clock);
    assertThat(c.decide("192.0.2.1", "s@y", "u@a.example", BUDGET).limited()).isEmpty();
    assertThat(c.decide("192.0.2.9", "t@y", "u@b.example", BUDGET).limited()).isEmpty();
    assertThat(c.decide("192.0.2.8", "v@y", "w@b.example", BUDGET).limited()).contains(Kind.TENANT);
    assertThat(c.decide("192.0.2.8", "v@y", "w@c.example", BUDGET).limited()).isEmpty();
  }

  @Test
  void fallsBackToLocalBucketsWhenRedisIsKilled() throws Exception {
    RateLimitCheck c = check(Map.of(Kind.IP, TokenBucket.of(1, Duration.ofHours(1), 2)));
    RateLimitCheck.Decision before = c.decide("192.0.2.1", "s@y", "r@x", BUDGET);
    assertThat(before.shared()).isTrue();
    assertThat(before.limited()).isEmpty();
    server.kill();
    // The node's own bucket starts full: Redis's use of it is not known here.
    List<RateLimitCheck.Decision> local = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      local.add(c.decide("192.0.2.1", "s@y", "r@x", BUDGET));
    }
    assertThat(local).allMatch(d -> !d.shared());
    assertThat(local.stream().map(d -> d.limited().isPresent()).toList())
        .containsExactly(false, false, true);
  }

  /**
   * The Lua bucket and the Java model, fed the same random sequence of times and buckets, admit
   * exactly the same recipients and hold the same tokens to the billionth.
   */
  @Test
  void luaBucketsAgreeWithTheJavaModelOnRandomTraffic() throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    for (int round = 0; round < 20; round++) {
      TestClock modelClock = new TestClock();
      Map<Kind, TokenBucket> buckets =
          Map.of(
              Kind.IP,
              TokenBucket.of(
                  1 + random.nextInt(100),
                  Duration.ofSeconds(1 + random.nextInt(3600)),
                  1 + random.nextInt(20)),
              Kind.SENDER,
              TokenBucket.of(
                  1 + random.nextInt(1000),
                  Duration.ofMillis(1 + random.nextInt(100_000)),
                  1 + random.nextInt(50)));
      RateLimitCheck shared =
          RateLimitCheck.of(
              buckets,
              RateLimitCheck.OnLimit.SYMBOL,
              Optional.of(redis),
              r -> Optional.empty(),
              modelClock);
      RateLimitCheck model =
          RateLimitCheck.of(
              buckets,
              RateLimitCheck.OnLimit.SYMBOL,
              Optional.empty(),
              r -> Optional.empty(),
              modelClock);
      String prefix = "round" + round + "-";
      for (int i = 0; i < 200; i++) {
        modelClock.advance(Duration.ofMillis(random.nextInt(4) == 0 ? random.nextInt(60_000) : 0));
        String ip = prefix + random.nextInt(3);
        String sender = prefix + random.nextInt(3) + "@y";
        RateLimitCheck.Decision s = shared.decide(ip, sender, "r@x", BUDGET);
        RateLimitCheck.Decision m = model.decide(ip, sender, "r@x", BUDGET);
        assertThat(s.shared()).as("seed %s", seed).isTrue();
        assertThat(s.limited())
            .as("seed %s, round %s, step %s", seed, round, i)
            .isEqualTo(m.limited());
        assertThat(s.retryIn())
            .as("seed %s, round %s, step %s", seed, round, i)
            .isEqualTo(m.retryIn());
      }
    }
  }
}
