package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Optional;

/**
 * The outcome of one DMARC evaluation: the result, the policy the Domain Owner asked for and the
 * one this receiver applies, and the evidence, as {@code Authentication-Results} and aggregate
 * reports need them.
 *
 * @param code the result
 * @param authorDomain the Author Domain in lower-case A-labels (empty when there was none)
 * @param policyDomain the domain whose record was applied
 * @param organizationalDomain the Author Domain's Organizational Domain, when it was determined
 * @param record the applied record
 * @param source which tag gave {@link #requested()}
 * @param requested the Domain Owner Assessment Policy for this message ({@code none} unless {@code
 *     fail})
 * @param disposition what this receiver applies: {@link #requested()} lowered one level by {@code
 *     t=y}, and {@code none} when a trusted ARC sealer vouched ({@link #arcSealer()})
 * @param spfAligned the SPF-Authenticated Identifier that aligned, if any
 * @param dkimAligned the first DKIM-Authenticated Identifier that aligned, if any
 * @param arcSealer the trusted ARC sealer whose results overrode a {@code fail}, if any
 * @param reason a short text for logs and symbols
 */
public record DmarcResult(
    Code code,
    String authorDomain,
    Optional<String> policyDomain,
    Optional<String> organizationalDomain,
    Optional<DmarcRecord> record,
    Source source,
    DmarcRecord.Policy requested,
    DmarcRecord.Policy disposition,
    Optional<String> spfAligned,
    Optional<String> dkimAligned,
    Optional<String> arcSealer,
    String reason) {

  /** Validates. */
  public DmarcResult {
    requireNonNull(code, "code");
    requireNonNull(authorDomain, "authorDomain");
    requireNonNull(policyDomain, "policyDomain");
    requireNonNull(organizationalDomain, "organizationalDomain");
    requireNonNull(record, "record");
    requireNonNull(source, "source");
    requireNonNull(requested, "requested");
    requireNonNull(disposition, "disposition");
    requireNonNull(spfAligned, "spfAligned");
    requireNonNull(dkimAligned, "dkimAligned");
    requireNonNull(arcSealer, "arcSealer");
    requireNonNull(reason, "reason");
  }

  /** A result without a record or policy: {@code none}, {@code temperror} or {@code permerror}. */
  static DmarcResult without(Code code, String authorDomain, String reason) {
    return new DmarcResult(
        code,
        authorDomain,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Source.NONE,
        DmarcRecord.Policy.NONE,
        DmarcRecord.Policy.NONE,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        reason);
  }

  /** The results of RFC 8601's registry for {@code dmarc}. */
  public enum Code {
    /** An aligned identifier authenticated. */
    PASS,
    /** No aligned identifier authenticated. */
    FAIL,
    /** No DMARC record applies (or no single Author Domain). */
    NONE,
    /** A DNS lookup failed or timed out: neither pass nor fail (RFC 9989 section 5.3.6). */
    TEMPERROR,
    /** The record's policy is unusable, or the From field names several domains. */
    PERMERROR;

    /** The lower-case keyword of {@code Authentication-Results}. */
    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The record tag the requested policy came from. */
  public enum Source {
    /** No policy (no record, or pass). */
    NONE,
    /** {@code p}: the Author Domain's own record, or its Organizational Domain's. */
    P,
    /** {@code sp}: an existing subdomain. */
    SP,
    /** {@code np}: a non-existent subdomain. */
    NP
  }
}
