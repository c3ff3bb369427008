package dev.mailfilter.tenant;

import java.net.InetAddress;
import java.util.Optional;

/**
 * Who the filter accepts mail for, and with which settings: answered at each RCPT TO. The
 * configuration file backs it on one node ({@link TenantConfig}); a shared store can back it in a
 * cluster. Implementations are immutable or safe for concurrent use, and {@link #resolve} must be
 * fast: it runs for every recipient (a hash lookup, no I/O on the request path).
 */
public interface TenantDirectory {
  /**
   * Whether relay control applies: true once any domain is configured. When false (no tenants, no
   * domains: the library and command-line case) every recipient is accepted with the global policy.
   */
  boolean relayControl();

  /**
   * The recipient's effective settings, or empty when its domain is not configured (the session
   * refuses it with {@code 550 5.7.1 Relaying denied} unless the client is {@link #trusted}).
   *
   * @param address an address without angle brackets; the domain compares case-insensitively and in
   *     A-labels ({@code bücher.example} finds {@code xn--bcher-kva.example})
   */
  Optional<Recipient> resolve(String address);

  /** Whether a client may relay to domains that are not configured (outbound mail). */
  boolean trusted(InetAddress client);

  /**
   * How the recipients of a configured domain are verified before DATA, if at all.
   *
   * @param domain a configured domain as {@link Recipient#domain()} gives it
   */
  default Optional<RecipientVerification> verification(String domain) {
    return Optional.empty();
  }

  /** A directory without domains: no relay control, every recipient gets the global policy. */
  static TenantDirectory none() {
    return None.INSTANCE;
  }

  /** The directory of no domains. */
  enum None implements TenantDirectory {
    INSTANCE;

    @Override
    public boolean relayControl() {
      return false;
    }

    @Override
    public Optional<Recipient> resolve(String address) {
      return Optional.empty();
    }

    @Override
    public boolean trusted(InetAddress client) {
      return false;
    }
  }
}
