package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What an ARC verification (RFC 8617) found, as DMARC needs it to let a trusted forwarder vouch for
 * a message whose DMARC failed here: the chain's validation result and, per ARC set, who sealed it
 * and what its {@code ARC-Authentication-Results} said.
 *
 * @param chainPass whether the chain validated ({@code cv=pass} of the newest set, checked here)
 * @param hops the ARC sets, in any order
 */
public record ArcEvidence(boolean chainPass, List<Hop> hops) {
  /** Copies. */
  public ArcEvidence {
    hops = List.copyOf(hops);
  }

  /**
   * One ARC set.
   *
   * @param instance its {@code i=}, 1 for the first intermediary
   * @param sealer the {@code d=} of its {@code ARC-Seal}
   * @param results the results its {@code ARC-Authentication-Results} recorded
   */
  public record Hop(int instance, String sealer, List<AuthResult> results) {
    /** Validates and copies. */
    public Hop {
      if (instance < 1) {
        throw new IllegalArgumentException("ARC instance below 1: " + instance);
      }
      requireNonNull(sealer, "sealer");
      results = List.copyOf(results);
    }
  }

  /**
   * One method's result in an {@code Authentication-Results} payload (RFC 8601).
   *
   * @param method {@code spf}, {@code dkim}, {@code dmarc}, ...
   * @param result {@code pass}, {@code fail}, ...
   * @param domain the domain it applies to: {@code header.from} for DMARC, {@code header.d} for
   *     DKIM, the {@code smtp.mailfrom} domain for SPF; empty when not given
   */
  public record AuthResult(String method, String result, Optional<String> domain) {
    /** Validates; method and result compare without case. */
    public AuthResult {
      method = requireNonNull(method, "method").toLowerCase(Locale.ROOT);
      result = requireNonNull(result, "result").toLowerCase(Locale.ROOT);
      requireNonNull(domain, "domain");
    }

    /** Whether this is a {@code pass} of {@code m}. */
    boolean passes(String m) {
      return method.equals(m) && result.equals("pass");
    }
  }
}
