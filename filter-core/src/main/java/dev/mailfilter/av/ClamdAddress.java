package dev.mailfilter.av;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where clamd listens: a TCP host and port (its {@code TCPAddr}/{@code TCPSocket}) or a Unix domain
 * socket path (its {@code LocalSocket}).
 */
public sealed interface ClamdAddress {

  /**
   * clamd on TCP.
   *
   * @param host a host name or literal address; resolved at each connect so DNS changes apply
   * @param port 1 to 65535
   */
  record Tcp(String host, int port) implements ClamdAddress {
    public Tcp {
      Objects.requireNonNull(host, "host");
      checkArgument(!host.isBlank(), "clamd host must not be blank: '%s'", host);
      checkArgument(port >= 1 && port <= 65535, "clamd port must be 1..65535: %s", port);
    }

    @Override
    public String toString() {
      return "tcp:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /**
   * clamd on a Unix domain socket.
   *
   * @param path the socket file
   */
  record Unix(Path path) implements ClamdAddress {
    public Unix {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public String toString() {
      return "unix:" + path;
    }
  }

  /** clamd on TCP at {@code host:port}. */
  static ClamdAddress tcp(String host, int port) {
    return new Tcp(host, port);
  }

  /** clamd on the Unix domain socket at {@code path}. */
  static ClamdAddress unix(Path path) {
    return new Unix(path);
  }

  /**
   * Parses {@code tcp:HOST:PORT} (IPv6 literals in brackets: {@code tcp:[::1]:3310}) or {@code
   * unix:/PATH}, the forms {@link #toString()} prints.
   *
   * @throws IllegalArgumentException naming the bad text and the expected forms
   */
  static ClamdAddress parse(String text) {
    Objects.requireNonNull(text, "text");
    String expected = " (expected tcp:HOST:PORT or unix:/PATH)";
    if (text.startsWith("unix:")) {
      String path = text.substring("unix:".length());
      checkArgument(
          !path.isBlank(), "clamd address has an empty socket path: '%s'%s", text, expected);
      return new Unix(Path.of(path));
    }
    checkArgument(
        text.startsWith("tcp:"), "clamd address has no known scheme: '%s'%s", text, expected);
    String rest = text.substring("tcp:".length());
    int colon = rest.lastIndexOf(':');
    checkArgument(colon > 0, "clamd address has no port: '%s'%s", text, expected);
    String host = rest.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String portText = rest.substring(colon + 1);
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "clamd address has a bad port '" + portText + "': '" + text + "'" + expected, e);
    }
    return new Tcp(host, port);
  }
}
