package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * The SMTP client as the server sees it when the connection opens.
 *
 * @param clientAddress the peer's IP address
 * @param clientPort the peer's TCP port, or 0 when unknown (an embedder classifying stored mail)
 * @param reverseName the verified reverse DNS name of the client, when the adapter looked it up
 * @param tls whether the connection is (or became) encrypted
 */
public record Connection(
    InetAddress clientAddress, int clientPort, Optional<String> reverseName, boolean tls) {
  public Connection {
    Objects.requireNonNull(clientAddress, "clientAddress");
    checkArgument(clientPort >= 0 && clientPort <= 65535, "port must be 0..65535: %s", clientPort);
    Objects.requireNonNull(reverseName, "reverseName");
  }

  /** A plain connection from an address with no port and no reverse name. */
  public static Connection of(InetAddress clientAddress) {
    return new Connection(clientAddress, 0, Optional.empty(), false);
  }

  /** A plain connection from an address and port with an optional reverse name (may be null). */
  public static Connection of(InetAddress clientAddress, int clientPort, String reverseName) {
    return new Connection(clientAddress, clientPort, Optional.ofNullable(reverseName), false);
  }
}
