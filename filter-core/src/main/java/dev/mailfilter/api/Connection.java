package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * The SMTP client as the server knows it now. Made when the connection opens; the session replaces
 * it when STARTTLS or AUTH succeed ({@link FilterSession#tlsStarted}, {@link
 * FilterSession#authenticated}), so a check always sees the current facts.
 *
 * <p>Behind a load balancer speaking the PROXY protocol, {@code clientAddress} and {@code
 * clientPort} are the real client's, from the PROXY header: allow and block lists and every check
 * see that address. The load balancer itself, the TCP peer, stays in {@link #proxy()}.
 *
 * @param clientAddress the client's IP address (the real client's when proxied)
 * @param clientPort the client's TCP port, or 0 when unknown (an embedder classifying stored mail)
 * @param reverseName the verified reverse DNS name of the client, when the adapter looked it up
 * @param tlsInfo the TLS session when the connection is (or became) encrypted
 * @param authenticatedUser the SMTP AUTH identity once the client authenticated
 * @param proxy the TCP peer that relayed the connection with a PROXY header, when there was one
 */
public record Connection(
    InetAddress clientAddress,
    int clientPort,
    Optional<String> reverseName,
    Optional<TlsInfo> tlsInfo,
    Optional<String> authenticatedUser,
    Optional<InetSocketAddress> proxy) {
  public Connection {
    Objects.requireNonNull(clientAddress, "clientAddress");
    checkArgument(clientPort >= 0 && clientPort <= 65535, "port must be 0..65535: %s", clientPort);
    Objects.requireNonNull(reverseName, "reverseName");
    Objects.requireNonNull(tlsInfo, "tlsInfo");
    Objects.requireNonNull(authenticatedUser, "authenticatedUser");
    authenticatedUser.ifPresent(Connection::checkUser);
    Objects.requireNonNull(proxy, "proxy");
  }

  /**
   * The connection as it was before TLS details, AUTH and PROXY were known: {@code tls} true gives
   * {@link TlsInfo#UNKNOWN}.
   */
  public Connection(
      InetAddress clientAddress, int clientPort, Optional<String> reverseName, boolean tls) {
    this(
        clientAddress,
        clientPort,
        reverseName,
        tls ? Optional.of(TlsInfo.UNKNOWN) : Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  /** A plain connection from an address with no port and no reverse name. */
  public static Connection of(InetAddress clientAddress) {
    return new Connection(clientAddress, 0, Optional.empty(), false);
  }

  /** A plain connection from an address and port with an optional reverse name (may be null). */
  public static Connection of(InetAddress clientAddress, int clientPort, String reverseName) {
    return new Connection(clientAddress, clientPort, Optional.ofNullable(reverseName), false);
  }

  /** Whether the connection is encrypted. */
  public boolean tls() {
    return tlsInfo.isPresent();
  }

  /** This connection, encrypted with {@code tls}. */
  public Connection withTls(TlsInfo tls) {
    Objects.requireNonNull(tls, "tls");
    return new Connection(
        clientAddress, clientPort, reverseName, Optional.of(tls), authenticatedUser, proxy);
  }

  /**
   * This connection after a successful SMTP AUTH as {@code user} (the authorization identity, as
   * Postfix's {@code {auth_authen}} macro gives it).
   *
   * @throws IllegalArgumentException when the name is empty or holds spaces or control characters
   */
  public Connection withAuthenticatedUser(String user) {
    Objects.requireNonNull(user, "user");
    return new Connection(
        clientAddress, clientPort, reverseName, tlsInfo, Optional.of(user), proxy);
  }

  /**
   * This connection as relayed by a PROXY-protocol peer: {@code client} is the real client from the
   * PROXY header and becomes {@link #clientAddress()} and {@link #clientPort()}; the peer this
   * connection came from moves to {@link #proxy()}.
   *
   * @throws IllegalStateException when the connection was already marked as proxied
   */
  public Connection proxiedFor(InetSocketAddress client) {
    Objects.requireNonNull(client, "client");
    checkArgument(!client.isUnresolved(), "PROXY client must be an address: %s", client);
    if (proxy.isPresent()) {
      throw new IllegalStateException(
          "connection from " + clientAddress.getHostAddress() + " is already proxied by " + proxy);
    }
    return new Connection(
        client.getAddress(),
        client.getPort(),
        Optional.empty(), // the reverse name was the peer's, not the real client's
        tlsInfo,
        authenticatedUser,
        Optional.of(new InetSocketAddress(clientAddress, clientPort)));
  }

  private static void checkUser(String user) {
    checkArgument(!user.isEmpty(), "authenticated user is empty");
    for (int i = 0; i < user.length(); i++) {
      char c = user.charAt(i);
      checkArgument(
          c > ' ' && c != 0x7f, "authenticated user has a space or control character: %s", user);
    }
  }
}
