package dev.mailfilter.tenant;

import java.util.Objects;
import java.util.Optional;

/**
 * A recipient the directory knows: its configured domain, where its settings come from, its
 * effective policy and its domain's route.
 *
 * @param address the address as given at RCPT TO (without angle brackets)
 * @param domain the configured domain, lower case, in A-labels
 * @param tenant the tenant path for logs, e.g. {@code acme/bakery/bakery.example/boss}
 * @param policy the effective policy
 * @param route the domain's route, empty when none is configured (a library or milter setup)
 */
public record Recipient(
    String address, String domain, String tenant, TenantPolicy policy, Optional<Route> route) {
  public Recipient {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(route, "route");
  }

  /**
   * Whether this recipient and another share one verdict and one delivery: the same route and the
   * same effective policy.
   */
  public boolean sameGroup(Recipient other) {
    return policy.sameAs(other.policy) && route.equals(other.route);
  }
}
