package dev.mailfilter.milter;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a milter server listens, written as the MTA's configuration writes it: {@code
 * inet:HOST:PORT} (Postfix's {@code smtpd_milters} form), {@code inet6:[::1]:PORT}, {@code
 * inet:PORT@HOST} (Sendmail's {@code X} option form) or {@code unix:/path} ({@code local:/path}).
 *
 * <p>{@link #parse} checks the text and refuses it with a message that shows the forms; host names
 * are resolved only when the server binds.
 */
public sealed interface ListenAddress {
  /** The default, as Rspamd's milter: TCP on the loopback address, port 11332. */
  ListenAddress DEFAULT = new Inet("127.0.0.1", 11332);

  /** The address for a socket channel to bind or connect to. */
  SocketAddress socketAddress();

  /**
   * A TCP address.
   *
   * @param host a host name or an IPv4 or IPv6 literal (without brackets)
   * @param port 0 to 65535; 0 asks the system for a free port when binding
   */
  record Inet(String host, int port) implements ListenAddress {
    /** Checks the host is not empty and the port is in range. */
    public Inet {
      Objects.requireNonNull(host, "host");
      if (host.isEmpty()) {
        throw new IllegalArgumentException("listen address: the host is empty");
      }
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("listen address: port out of range 0-65535: " + port);
      }
    }

    @Override
    public SocketAddress socketAddress() {
      return new InetSocketAddress(host, port);
    }

    /** The Postfix form, {@code inet:HOST:PORT}, an IPv6 literal in brackets. */
    @Override
    public String toString() {
      return host.indexOf(':') >= 0 ? "inet6:[" + host + "]:" + port : "inet:" + host + ":" + port;
    }
  }

  /**
   * A Unix-domain socket.
   *
   * @param path the socket file
   */
  record Unix(Path path) implements ListenAddress {
    /** Checks the path is not empty. */
    public Unix {
      Objects.requireNonNull(path, "path");
      if (path.toString().isEmpty()) {
        throw new IllegalArgumentException("listen address: the unix socket path is empty");
      }
    }

    @Override
    public SocketAddress socketAddress() {
      return UnixDomainSocketAddress.of(path);
    }

    @Override
    public String toString() {
      return "unix:" + path;
    }
  }

  /**
   * Parses a listen address.
   *
   * @throws IllegalArgumentException naming the text and the accepted forms when it is none of them
   */
  static ListenAddress parse(String text) {
    Objects.requireNonNull(text, "text");
    int colon = text.indexOf(':');
    if (colon < 0) {
      throw bad(text, "no type before a colon");
    }
    String type = text.substring(0, colon);
    String rest = text.substring(colon + 1);
    try {
      return switch (type) {
        case "unix", "local" -> new Unix(Path.of(rest));
        case "inet", "inet6" -> inet(rest);
        default -> throw bad(text, "unknown type '" + type + "'");
      };
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("listen address \"")) {
        throw e;
      }
      throw bad(text, e.getMessage());
    }
  }

  private static Inet inet(String rest) {
    String host;
    String port;
    int at = rest.indexOf('@');
    if (at >= 0) { // Sendmail: PORT@HOST
      port = rest.substring(0, at);
      host = rest.substring(at + 1);
    } else if (rest.startsWith("[")) {
      int close = rest.indexOf(']');
      if (close < 0 || close + 1 >= rest.length() || rest.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("expected [IPV6]:PORT");
      }
      host = rest.substring(1, close);
      port = rest.substring(close + 2);
    } else {
      int last = rest.lastIndexOf(':');
      if (last < 0) {
        throw new IllegalArgumentException("no port: expected HOST:PORT");
      }
      host = rest.substring(0, last);
      port = rest.substring(last + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException("an IPv6 address goes in brackets: [" + host + "]");
      }
    }
    if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(
          "the port is not a number from 0 to 65535: '" + port + "'");
    }
    if (host.isBlank() || host.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '@')) {
      throw new IllegalArgumentException("not a host name or address: '" + host + "'");
    }
    return new Inet(host, Integer.parseInt(port));
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException(
        "listen address \""
            + text
            + "\": "
            + why
            + " (expected inet:HOST:PORT, inet6:[ADDRESS]:PORT or unix:/PATH)");
  }
}
