package dev.mailfilter.cluster.admin;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.smtp.SmtpTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code admin:} section: where {@code mailfilter admin} listens, its key file, and the largest
 * request body. The tenant store is the node's own {@code cluster.store} ({@link
 * dev.mailfilter.cluster.ClusterSettings}), so that the API writes where the nodes read, with the
 * same key prefix and replica acknowledgement.
 *
 * @param listen the address; default 127.0.0.1:8025
 * @param keys the API key file; none: {@code admin-keys.json} in a file store's directory
 * @param maxBody the largest request body; a larger one is a 413
 * @param tls HTTPS with this certificate and key ({@code admin.tls}, as {@code smtp.tls}); empty:
 *     plain HTTP, which only a loopback address may serve unless {@code allowPlainHttp}
 * @param allowPlainHttp plain HTTP on an address other than loopback ({@code
 *     admin.allow_plain_http}), for a TLS proxy in front on a trusted network
 */
public record AdminSettings(
    InetSocketAddress listen,
    Optional<Path> keys,
    long maxBody,
    Optional<SmtpTls> tls,
    boolean allowPlainHttp) {
  /** The {@code admin:} section; register it when loading the file. */
  public static final ConfigSection<AdminSettings> SECTION =
      ConfigSection.of("admin", AdminSettings::parse);

  /** The default port: unassigned by IANA, beside the gateway's 2525. */
  public static final int DEFAULT_PORT = 8025;

  /** Checks the values. */
  public AdminSettings {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(tls, "tls");
    if (maxBody < 1024) {
      throw new IllegalArgumentException("max_body must be at least 1 KiB, got " + maxBody);
    }
  }

  /** The defaults: loopback port 8025, no key file, 256 KiB bodies. */
  public static AdminSettings defaults() {
    return new AdminSettings(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT),
        Optional.empty(),
        AdminServer.DEFAULT_MAX_BODY,
        Optional.empty(),
        false);
  }

  /** These settings listening elsewhere. */
  public AdminSettings withListen(InetSocketAddress listen) {
    return new AdminSettings(listen, keys, maxBody, tls, allowPlainHttp);
  }

  /** These settings with another key file. */
  public AdminSettings withKeys(Path keys) {
    return new AdminSettings(listen, Optional.of(keys), maxBody, tls, allowPlainHttp);
  }

  /** Whether an address is loopback, where plain HTTP does not cross the network. */
  static boolean loopback(InetSocketAddress a) {
    return a.getAddress() != null && a.getAddress().isLoopbackAddress();
  }

  /**
   * Refuses plain HTTP on an address other than loopback unless allowed: API keys would cross the
   * network in clear.
   *
   * @throws IllegalArgumentException saying what to configure
   */
  public void requireSafeTransport() {
    if (tls.isEmpty() && !allowPlainHttp && !loopback(listen)) {
      throw new IllegalArgumentException(
          "admin.listen "
              + listen.getAddress().getHostAddress()
              + ":"
              + listen.getPort()
              + " is not loopback and admin.tls is not configured: API keys would cross the"
              + " network in clear; give admin.tls (certificate, key), listen on 127.0.0.1, or"
              + " set admin.allow_plain_http: true for a TLS proxy in front");
    }
  }

  /**
   * Parses {@code HOST:PORT} ({@code [v6]:PORT} for IPv6 literals; port 0: any free port).
   *
   * @throws IllegalArgumentException naming the bad text
   */
  public static InetSocketAddress parseListen(String text) {
    int colon = text.lastIndexOf(':');
    String host = colon > 0 ? text.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = -1;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      // reported below
    }
    if (host.isEmpty() || port < 0 || port > 65535) {
      throw new IllegalArgumentException("expected HOST:PORT (port 0-65535), got \"" + text + "\"");
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host in \"" + text + "\"", e);
    }
  }

  private static AdminSettings parse(ConfigNode node) {
    AdminSettings d = defaults();
    InetSocketAddress listen = d.listen();
    Optional<String> listenText = node.optionalString("listen");
    if (listenText.isPresent()) {
      try {
        listen = parseListen(listenText.get());
      } catch (IllegalArgumentException e) {
        throw node.error("listen", e.getMessage());
      }
    }
    long maxBody = node.bytes("max_body", AdminServer.DEFAULT_MAX_BODY);
    if (maxBody < 1024) {
      throw node.error("max_body", "must be at least 1 KiB, got " + maxBody);
    }
    Optional<SmtpTls> tls = Optional.empty();
    if (node.has("tls")) {
      ConfigNode t = node.section("tls");
      Optional<String> certificate = t.optionalString("certificate");
      Optional<String> key = t.optionalString("key");
      if (certificate.isEmpty() || key.isEmpty()) {
        throw t.error(certificate.isEmpty() ? "certificate" : "key", "is required for HTTPS");
      }
      try {
        tls = Optional.of(SmtpTls.load(Path.of(certificate.get()), Path.of(key.get())));
      } catch (IllegalArgumentException e) {
        throw t.error("certificate", e.getMessage());
      }
    }
    AdminSettings s =
        new AdminSettings(
            listen,
            node.optionalString("keys").map(Path::of),
            maxBody,
            tls,
            node.bool("allow_plain_http", false));
    try {
      s.requireSafeTransport();
    } catch (IllegalArgumentException e) {
      throw node.error("listen", e.getMessage());
    }
    return s;
  }
}
