package dev.mailfilter.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.admin.Principal;
import dev.mailfilter.cluster.admin.Role;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Random ids, idle and absolute expiry, and a bound that spares logged-in sessions. */
class SessionsTest {
  private final TestClock clock = new TestClock();
  private final Optional<Principal> operator =
      Optional.of(new Principal("k", "op", Role.OPERATOR, TenantPath.root()));

  @Test
  void idsAndTokensAreDistinctAndLong() {
    Sessions s = new Sessions(clock, Duration.ofMinutes(1), Duration.ofHours(1), 1000);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      Session x = s.create(operator);
      assertThat(x.id()).hasSize(43); // 32 bytes, base64url
      assertThat(seen.add(x.id())).isTrue();
      assertThat(seen.add(x.csrf())).isTrue();
    }
  }

  @Test
  void aSessionEndsWhenIdleOrTooOld() {
    Sessions s = new Sessions(clock, Duration.ofMinutes(10), Duration.ofMinutes(25), 10);
    Session x = s.create(operator);
    clock.advance(Duration.ofMinutes(9));
    assertThat(s.find(x.id())).isPresent();
    clock.advance(Duration.ofMinutes(9));
    assertThat(s.find(x.id())).isPresent();
    clock.advance(Duration.ofMinutes(10));
    assertThat(s.find(x.id())).isEmpty(); // 28 min: past the absolute 25
    Session y = s.create(operator);
    clock.advance(Duration.ofMinutes(10));
    assertThat(s.find(y.id())).isEmpty(); // idle 10 min
    assertThat(s.find(null)).isEmpty();
    assertThat(s.find("nope")).isEmpty();
  }

  @Test
  void whenFullAnonymousSessionsGoFirstAndLoginsAreNeverDropped() {
    Sessions s = new Sessions(clock, Duration.ofMinutes(10), Duration.ofHours(1), 3);
    Session a = s.create(operator);
    s.create(Optional.empty());
    s.create(Optional.empty());
    Session b = s.create(operator); // drops the anonymous ones
    assertThat(s.find(a.id())).isPresent();
    assertThat(s.find(b.id())).isPresent();
    s.create(operator);
    assertThatThrownBy(() -> s.create(operator)).hasMessageContaining("too many sessions");
    clock.advance(Duration.ofMinutes(11));
    assertThat(s.create(operator)).isNotNull(); // the expired ones are swept
  }
}
