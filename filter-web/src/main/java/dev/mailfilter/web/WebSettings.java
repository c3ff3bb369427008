package dev.mailfilter.web;

import dev.mailfilter.cluster.admin.AdminSettings;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code web:} section: where {@code mailfilter web} listens and how long sessions and login
 * lockouts last (docs/web.md). The tenant store and the API keys are the admin API's ({@code
 * cluster.store}, {@code admin.keys}).
 *
 * @param listen the HTTP address; default 127.0.0.1:8026 (loopback: put a TLS proxy in front)
 * @param sessionIdle a session ends after this long without a request
 * @param sessionMax a session ends this long after the login, active or not
 * @param secureCookies mark the session cookie {@code Secure} (behind a TLS proxy); always on when
 *     the server itself speaks TLS
 * @param maxBody the largest form body; a larger one is a 413
 * @param loginAttempts failed logins (per IP, per account) before the lockout starts
 * @param loginMaxLockout the longest lockout (it doubles with each further failure)
 * @param trustedProxies the addresses of reverse proxies whose {@code X-Forwarded-For} names the
 *     client (its last entry); from anyone else the header is ignored
 */
public record WebSettings(
    InetSocketAddress listen,
    Duration sessionIdle,
    Duration sessionMax,
    boolean secureCookies,
    long maxBody,
    int loginAttempts,
    Duration loginMaxLockout,
    List<InetAddress> trustedProxies) {
  /** The {@code web:} section; register it when loading the file. */
  public static final ConfigSection<WebSettings> SECTION =
      ConfigSection.of("web", WebSettings::parse);

  /** The default port: beside the admin API's 8025. */
  public static final int DEFAULT_PORT = 8026;

  /** Checks the values. */
  public WebSettings {
    Objects.requireNonNull(listen, "listen");
    if (sessionIdle.isNegative() || sessionIdle.isZero()) {
      throw new IllegalArgumentException("session_idle must be positive, got " + sessionIdle);
    }
    if (sessionMax.compareTo(sessionIdle) < 0) {
      throw new IllegalArgumentException(
          "session_max (" + sessionMax + ") must be at least session_idle (" + sessionIdle + ")");
    }
    if (maxBody < 1024) {
      throw new IllegalArgumentException("max_body must be at least 1 KiB, got " + maxBody);
    }
    if (loginAttempts < 1) {
      throw new IllegalArgumentException("login_attempts must be at least 1, got " + loginAttempts);
    }
    if (loginMaxLockout.isNegative() || loginMaxLockout.isZero()) {
      throw new IllegalArgumentException("login_max_lockout must be positive");
    }
    trustedProxies = List.copyOf(trustedProxies);
  }

  /**
   * The defaults: loopback port 8026, sessions of 30 minutes idle and 12 hours at most, cookies
   * without {@code Secure}, 64 KiB forms, 5 free login attempts, lockouts of at most 15 minutes.
   */
  public static WebSettings defaults() {
    return new WebSettings(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT),
        Duration.ofMinutes(30),
        Duration.ofHours(12),
        false,
        64 * 1024,
        5,
        Duration.ofMinutes(15),
        List.of());
  }

  /** These settings listening elsewhere. */
  public WebSettings withListen(InetSocketAddress listen) {
    return new WebSettings(
        listen,
        sessionIdle,
        sessionMax,
        secureCookies,
        maxBody,
        loginAttempts,
        loginMaxLockout,
        trustedProxies);
  }

  /** These settings with other session lifetimes. */
  public WebSettings withSessions(Duration idle, Duration max) {
    return new WebSettings(
        listen, idle, max, secureCookies, maxBody, loginAttempts, loginMaxLockout, trustedProxies);
  }

  /** These settings with another login limit. */
  public WebSettings withLoginLimit(int attempts, Duration maxLockout) {
    return new WebSettings(
        listen,
        sessionIdle,
        sessionMax,
        secureCookies,
        maxBody,
        attempts,
        maxLockout,
        trustedProxies);
  }

  /** These settings with {@code Secure} cookies or without. */
  public WebSettings withSecureCookies(boolean secure) {
    return new WebSettings(
        listen,
        sessionIdle,
        sessionMax,
        secure,
        maxBody,
        loginAttempts,
        loginMaxLockout,
        trustedProxies);
  }

  /** These settings trusting these proxies' {@code X-Forwarded-For}. */
  public WebSettings withTrustedProxies(List<InetAddress> proxies) {
    return new WebSettings(
        listen,
        sessionIdle,
        sessionMax,
        secureCookies,
        maxBody,
        loginAttempts,
        loginMaxLockout,
        proxies);
  }

  private static WebSettings parse(ConfigNode node) {
    WebSettings d = defaults();
    InetSocketAddress listen = d.listen();
    var listenText = node.optionalString("listen");
    if (listenText.isPresent()) {
      try {
        listen = AdminSettings.parseListen(listenText.get());
      } catch (IllegalArgumentException e) {
        throw node.error("listen", e.getMessage());
      }
    }
    List<InetAddress> proxies = new ArrayList<>();
    for (String p : node.strings("trusted_proxies")) {
      proxies.add(
          literal(p)
              .orElseThrow(
                  () -> node.error("trusted_proxies", "not an IP address: \"" + p + "\"")));
    }
    try {
      return new WebSettings(
          listen,
          node.duration("session_idle", d.sessionIdle()),
          node.duration("session_max", d.sessionMax()),
          node.bool("secure_cookies", d.secureCookies()),
          node.bytes("max_body", d.maxBody()),
          (int) node.integer("login_attempts", d.loginAttempts(), 1, 1000),
          node.duration("login_max_lockout", d.loginMaxLockout()),
          proxies);
    } catch (IllegalArgumentException e) {
      throw node.error("", e.getMessage());
    }
  }

  /** An IP literal (never a name to resolve), or empty. */
  static Optional<InetAddress> literal(String text) {
    String t = text.trim();
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    if (t.isEmpty()
        || !t.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')
        || (t.indexOf(':') < 0 && !t.matches("[0-9.]+"))) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(t)); // a literal: no lookup
    } catch (java.net.UnknownHostException e) {
      return Optional.empty();
    }
  }
}
