package dev.mailfilter.web.quarantine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.web.quarantine.DigestTokens.Action;
import dev.mailfilter.web.quarantine.DigestTokens.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The digest's signed links: once, until they expire, and never when changed. */
class DigestTokensTest {
  static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @TempDir Path dir;
  private final MovableClock clock = new MovableClock(Instant.parse("2026-12-08T06:00:00Z"));

  private DigestTokens tokens(byte[] key) throws IOException {
    return DigestTokens.create(key, UsedTokens.directory(dir.resolve("used"), clock), clock);
  }

  private static byte[] key(int seed) {
    byte[] k = new byte[32];
    new Random(seed).nextBytes(k);
    return k;
  }

  @Test
  void aLinkWorksOnceAndNotTwice() throws IOException {
    DigestTokens t = tokens(key(1));
    String token =
        t.issue(Action.RELEASE, "0mxdi9byh-d488c93e", "bob@bakery.example", Duration.ofDays(3));
    assertThat(t.check(token)).isInstanceOf(Outcome.Accepted.class);
    assertThat(t.check(token)).isInstanceOf(Outcome.Accepted.class); // a look does not use it
    Outcome first = t.redeem(token);
    assertThat(first).isInstanceOf(Outcome.Accepted.class);
    DigestTokens.Claim c = ((Outcome.Accepted) first).claim();
    assertThat(c.action()).isEqualTo(Action.RELEASE);
    assertThat(c.entryId()).isEqualTo("0mxdi9byh-d488c93e");
    assertThat(c.recipient()).isEqualTo("bob@bakery.example");
    assertThat(c.expires()).isEqualTo(clock.instant().plus(Duration.ofDays(3)));
    assertThat(t.redeem(token)).isInstanceOf(Outcome.Used.class);
    assertThat(t.check(token)).isInstanceOf(Outcome.Used.class);
    // Another process on the same used set (the web server after the digest command) agrees.
    assertThat(tokens(key(1)).redeem(token)).isInstanceOf(Outcome.Used.class);
  }

  @Test
  void aLinkGivenBackAfterAFailedReleaseWorksAgain() throws IOException {
    DigestTokens t = tokens(key(1));
    String token =
        t.issue(Action.RELEASE, "e1-00000000", "bob@bakery.example", Duration.ofHours(1));
    Outcome o = t.redeem(token);
    t.giveBack(((Outcome.Accepted) o).claim());
    assertThat(t.redeem(token)).isInstanceOf(Outcome.Accepted.class);
    assertThat(t.redeem(token)).isInstanceOf(Outcome.Used.class);
  }

  @Test
  void aLinkExpires() throws IOException {
    DigestTokens t = tokens(key(1));
    String token =
        t.issue(Action.BLOCK_SENDER, "e1-00000000", "bob@bakery.example", Duration.ofDays(3));
    clock.advance(Duration.ofDays(3).minusSeconds(1));
    assertThat(t.check(token)).isInstanceOf(Outcome.Accepted.class);
    clock.advance(Duration.ofSeconds(1));
    assertThat(t.redeem(token)).isInstanceOf(Outcome.Expired.class);
    assertThat(t.check(token)).isInstanceOf(Outcome.Expired.class);
  }

  @Test
  void aTamperedLinkIsRefusedWhereverItIsChanged() throws IOException {
    DigestTokens t = tokens(key(1));
    String token = t.issue(Action.RELEASE, "e1-00000000", "bob@bakery.example", Duration.ofDays(3));
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int refused = 0;
    for (int i = 0; i < token.length(); i++) {
      char was = token.charAt(i);
      if (was == '.') {
        continue;
      }
      char other = alphabet.charAt((alphabet.indexOf(was) + 1) % alphabet.length());
      String changed = token.substring(0, i) + other + token.substring(i + 1);
      assertThat(t.redeem(changed)).as("changed at %d", i).isInstanceOf(Outcome.Invalid.class);
      refused++;
    }
    assertThat(refused).isEqualTo(token.length() - 1);
    // The payload of another recipient under the first one's signature.
    String[] parts = token.split("\\.");
    String payload =
        new String(
            Base64.getUrlDecoder().decode(parts[0]), java.nio.charset.StandardCharsets.UTF_8);
    String forged =
        Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    payload
                        .replace("bob@", "eve@")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8))
            + "."
            + parts[1];
    assertThat(t.redeem(forged)).isEqualTo(new Outcome.Invalid("bad signature"));
    // Made with another deployment's key.
    assertThat(tokens(key(2)).redeem(token)).isEqualTo(new Outcome.Invalid("bad signature"));
    for (String junk :
        List.of("", ".", "a.b.c", "!!!.???", "x".repeat(5000), "v1|release|e|b|9|n.AAAA")) {
      assertThat(t.redeem(junk)).as(junk).isInstanceOf(Outcome.Invalid.class);
    }
    assertThat(t.redeem(token)).isInstanceOf(Outcome.Accepted.class); // the original still works
  }

  @Test
  void ofManyConcurrentRedemptionsExactlyOneWins() throws Exception {
    DigestTokens t = tokens(key(1));
    String token = t.issue(Action.RELEASE, "e1-00000000", "bob@bakery.example", Duration.ofDays(1));
    List<Callable<Outcome>> tasks = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      tasks.add(() -> t.redeem(token));
    }
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      int accepted = 0;
      for (Future<Outcome> f : pool.invokeAll(tasks)) {
        if (f.get() instanceof Outcome.Accepted) {
          accepted++;
        }
      }
      assertThat(accepted).isEqualTo(1);
    }
  }

  @Test
  void expiredEntriesLeaveTheUsedSet() throws IOException {
    UsedTokens.DirectoryUsedTokens used =
        (UsedTokens.DirectoryUsedTokens) UsedTokens.directory(dir.resolve("used"), clock);
    DigestTokens t = DigestTokens.create(key(1), used, clock);
    String token =
        t.issue(Action.RELEASE, "e1-00000000", "bob@bakery.example", Duration.ofHours(1));
    assertThat(t.redeem(token)).isInstanceOf(Outcome.Accepted.class);
    used.prune();
    assertThat(Files.list(dir.resolve("used")).count()).isEqualTo(1);
    clock.advance(Duration.ofHours(2));
    used.prune();
    assertThat(Files.list(dir.resolve("used")).count()).isZero();
    assertThat(t.redeem(token)).isInstanceOf(Outcome.Expired.class); // still refused
  }

  @Test
  void refusesShortKeysAndFieldsThatCannotBeInAToken() throws IOException {
    assertThatThrownBy(() -> tokens(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 31");
    DigestTokens t = tokens(key(1));
    assertThatThrownBy(() -> t.issue(Action.RELEASE, "a|b", "bob@x", Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a|b");
    assertThatThrownBy(() -> t.issue(Action.RELEASE, "a", "bob@x", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theKeyFileIsMadeOnceOwnerOnlyAndReadAfterwards() throws IOException {
    Path f = dir.resolve("state/digest.key");
    byte[] k = DigestKey.loadOrCreate(f);
    assertThat(k).hasSize(32);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-------");
    assertThat(DigestKey.loadOrCreate(f)).isEqualTo(k);
    Files.writeString(f, "abcd\n");
    assertThatThrownBy(() -> DigestKey.loadOrCreate(f))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("2 bytes");
    Files.writeString(f, "not hex\n");
    assertThatThrownBy(() -> DigestKey.loadOrCreate(f))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("hex");
  }
}
