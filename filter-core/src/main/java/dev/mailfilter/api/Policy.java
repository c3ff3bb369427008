package dev.mailfilter.api;

import java.util.Objects;

/**
 * The filtering policy that applies to a recipient: today its thresholds; per-domain (tenant)
 * settings will grow here. A transaction is judged by the policy of its first accepted recipient.
 *
 * @param name the policy's name for logs, e.g. {@code default} or a customer's domain
 * @param thresholds the score thresholds of the actions
 */
public record Policy(String name, Thresholds thresholds) {
  public Policy {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(thresholds, "thresholds");
  }
}
