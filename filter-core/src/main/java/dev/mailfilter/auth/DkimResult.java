package dev.mailfilter.auth;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The verification result of one {@code DKIM-Signature} (RFC 8601 section 2.7.1 names).
 *
 * @param code the result
 * @param reason why, for logs and the {@code Authentication-Results} comment
 * @param domain {@code d=} (empty when the field did not parse that far)
 * @param selector {@code s=}, or empty
 * @param algorithm {@code a=} as written, or empty
 * @param identity {@code i=} (the AUID), or empty
 * @param signatureText {@code b=} without white space, for {@code header.b}; or empty
 * @param length {@code l=} when the signature has one
 * @param partialBody whether {@code l=} left part of the canonical body unsigned
 * @param testing whether the key record says {@code t=y}
 */
public record DkimResult(
    Code code,
    String reason,
    String domain,
    String selector,
    String algorithm,
    String identity,
    String signatureText,
    OptionalLong length,
    boolean partialBody,
    boolean testing) {

  /** RFC 8601's DKIM results. */
  public enum Code {
    /** The signature verified. */
    PASS,
    /** The signature or the body hash did not verify. */
    FAIL,
    /** It could not be evaluated to pass or fail: a failure under a key in testing mode. */
    NEUTRAL,
    /**
     * Verifiable but refused by policy: a key that excludes e-mail ({@code s=}) or a sub-domain
     * AUID ({@code t=s}), or a signature beyond the per-message limit, left unverified.
     */
    POLICY,
    /** A DNS failure or timeout fetching the key: retrying later may succeed. */
    TEMPERROR,
    /**
     * An error that will not go away: bad syntax, no or bad key record, revoked key, expired
     * signature, {@code rsa-sha1}, an RSA key under 1024 bits.
     */
    PERMERROR;

    /** The lower-case name as in {@code Authentication-Results}. */
    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The {@code header.b} value: the first {@code n} characters of {@code b=}. */
  public String signaturePrefix(int n) {
    return signatureText.length() <= n ? signatureText : signatureText.substring(0, n);
  }

  /** The {@code d=} when the signature had one. */
  public Optional<String> signingDomain() {
    return domain.isEmpty() ? Optional.empty() : Optional.of(domain);
  }
}
