package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * What DMARC evaluates: the Author Domain and the authentication results of the other mechanisms,
 * given as values so that the evaluation does not depend on how (or whether) they were verified.
 *
 * @param authorDomain the domain of the {@code From} header's single address (RFC 9989 section
 *     5.3.1), in any case, U-labels allowed
 * @param spf the SPF result of the MAIL FROM identity
 * @param dkimDomains the {@code d=} of every DKIM signature that verified ({@code pass})
 * @param arc ARC evidence, when the message carried an ARC chain that was verified
 */
public record DmarcInput(
    String authorDomain, Spf spf, List<String> dkimDomains, Optional<ArcEvidence> arc) {

  /** Validates and copies. */
  public DmarcInput {
    requireNonNull(authorDomain, "authorDomain");
    requireNonNull(spf, "spf");
    dkimDomains = List.copyOf(dkimDomains);
    requireNonNull(arc, "arc");
  }

  /** An input without DKIM and ARC evidence. */
  public static DmarcInput of(String authorDomain, Spf spf) {
    return new DmarcInput(authorDomain, spf, List.of(), Optional.empty());
  }

  /**
   * The SPF result DMARC uses (RFC 9989 section 4.4.2): only a {@code pass} of the MAIL FROM
   * identity gives an SPF-Authenticated Identifier.
   *
   * @param code the result
   * @param domain the domain SPF evaluated: the MAIL FROM domain, or the HELO name for the null
   *     sender
   */
  public record Spf(SpfResult.Code code, String domain) {
    /** Validates. */
    public Spf {
      requireNonNull(code, "code");
      requireNonNull(domain, "domain");
    }

    /** The code and domain of a full {@link SpfResult}. */
    public static Spf of(SpfResult r) {
      return new Spf(r.code(), r.domain());
    }

    /** No SPF result at all (SPF not evaluated). */
    public static Spf none() {
      return new Spf(SpfResult.Code.NONE, "");
    }
  }
}
