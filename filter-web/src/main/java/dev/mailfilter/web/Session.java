package dev.mailfilter.web;

import dev.mailfilter.cluster.admin.Principal;
import java.time.Instant;
import java.util.Optional;

/**
 * A browser's session, kept on the server: a random id (the cookie), a CSRF token, and once logged
 * in the principal. A session without a principal exists only between the login form and the login
 * (it carries the login form's CSRF token); logging in replaces it with a new id.
 */
public final class Session {
  private final String id;
  private final String csrf;
  private final Optional<Principal> principal;
  private final Instant created;
  private volatile Instant lastSeen;

  Session(String id, String csrf, Optional<Principal> principal, Instant created) {
    this.id = id;
    this.csrf = csrf;
    this.principal = principal;
    this.created = created;
    this.lastSeen = created;
  }

  String id() {
    return id;
  }

  /** The CSRF token every POST of this session must carry. */
  public String csrf() {
    return csrf;
  }

  /** The logged-in principal; empty before the login. */
  public Optional<Principal> principal() {
    return principal;
  }

  /** When the session began. */
  public Instant created() {
    return created;
  }

  Instant lastSeen() {
    return lastSeen;
  }

  void touch(Instant now) {
    lastSeen = now;
  }
}
