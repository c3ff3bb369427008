package dev.mailfilter.web;

import dev.mailfilter.cluster.admin.Principal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions of one server, in memory: a session ends after {@code idle} without a request or
 * {@code absolute} after it began, whichever comes first. Bounded: when full, expired sessions are
 * dropped, and if none is expired the oldest anonymous (not logged-in) ones; a new login is refused
 * only when every slot holds a live login.
 */
final class Sessions {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ConcurrentHashMap<String, Session> byId = new ConcurrentHashMap<>();
  private final Clock clock;
  private final Duration idle;
  private final Duration absolute;
  private final int max;

  Sessions(Clock clock, Duration idle, Duration absolute, int max) {
    this.clock = clock;
    this.idle = idle;
    this.absolute = absolute;
    this.max = max;
  }

  /** A new session: 32 random bytes of id and 32 of CSRF token. */
  Session create(Optional<Principal> principal) {
    if (byId.size() >= max) {
      sweep();
      if (byId.size() >= max) {
        byId.values().removeIf(s -> s.principal().isEmpty());
      }
      if (byId.size() >= max) {
        throw new IllegalStateException("too many sessions (" + max + ")");
      }
    }
    Session s = new Session(token(), token(), principal, clock.instant());
    byId.put(s.id(), s);
    return s;
  }

  /** The live session of a cookie value, touched; empty when unknown or expired (then removed). */
  Optional<Session> find(String id) {
    if (id == null) {
      return Optional.empty();
    }
    Session s = byId.get(id);
    if (s == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    if (expired(s, now)) {
      byId.remove(id, s);
      return Optional.empty();
    }
    s.touch(now);
    return Optional.of(s);
  }

  void remove(Session s) {
    byId.remove(s.id(), s);
  }

  int size() {
    return byId.size();
  }

  private void sweep() {
    Instant now = clock.instant();
    byId.values().removeIf(s -> expired(s, now));
  }

  private boolean expired(Session s, Instant now) {
    return !now.isBefore(s.lastSeen().plus(idle)) || !now.isBefore(s.created().plus(absolute));
  }

  private static String token() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
