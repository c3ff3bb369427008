package dev.mailfilter.auth;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The outcome of validating a message's Authenticated Received Chain (RFC 8617 section 5.2).
 *
 * @param cv the chain validation status
 * @param reason a short text for logs and symbols: what failed, or what passed
 * @param failure why a {@link Cv#FAIL} failed; {@link Failure#NONE} for pass and none
 * @param instances the ARC sets found, oldest ({@code i=1}) first; empty for {@link Cv#NONE}, and
 *     for a chain so malformed that its sets could not be told apart
 * @param oldestPass the lowest instance whose AMS and every newer AMS validate (RFC 8617 section
 *     5.2 step 5, "oldest-pass"); 0 unless {@link Cv#PASS}
 */
public record ArcResult(
    Cv cv, Failure failure, String reason, List<ArcInstance> instances, int oldestPass) {

  /** Validates and copies. */
  public ArcResult {
    requireNonNull(cv, "cv");
    requireNonNull(reason, "reason");
    instances = List.copyOf(instances);
    checkArgument(
        oldestPass >= 0 && oldestPass <= instances.size(),
        "oldest-pass out of range: %s",
        oldestPass);
    requireNonNull(failure, "failure");
    checkArgument(
        (failure == Failure.NONE) == (cv != Cv.FAIL), "cv=%s with failure %s", cv, failure);
  }

  static ArcResult none() {
    return new ArcResult(Cv.NONE, Failure.NONE, "no ARC sets", List.of(), 0);
  }

  static ArcResult fail(Failure failure, String reason, List<ArcInstance> instances) {
    return new ArcResult(Cv.FAIL, failure, reason, instances, 0);
  }

  /** The newest set, {@code i=N}; empty when there is none. */
  public Optional<ArcInstance> newest() {
    return instances.isEmpty() ? Optional.empty() : Optional.of(instances.getLast());
  }

  /** Why a chain failed: the distinction Rspamd's symbols make. */
  public enum Failure {
    /** The chain did not fail. */
    NONE,
    /**
     * A set is missing, doubled or out of order, or a field's tags are bad ({@code ARC_INVALID}).
     */
    MALFORMED,
    /**
     * A signature does not verify, its key is missing, revoked or unusable, or a sealer recorded
     * {@code cv=fail} ({@code ARC_REJECT}).
     */
    BROKEN,
    /**
     * A key lookup timed out or failed transiently: a later retry may pass ({@code ARC_DNSFAIL}).
     */
    TEMPORARY
  }

  /** The chain validation status of RFC 8617 section 4.4. */
  public enum Cv {
    /** No ARC sets: nothing to validate. */
    NONE,
    /** Every seal and the newest message signature validate. */
    PASS,
    /** The chain is malformed, a signature does not validate, or a sealer recorded a failure. */
    FAIL;

    /** The lower-case keyword of the {@code cv=} tag and of {@code arc=} in A-R headers. */
    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One ARC set as validated, what a receiver needs to decide whether to trust a forwarder's
   * account of the original authentication (the "trusted ARC sealers" DMARC override).
   *
   * @param instance the {@code i=} value, 1 to 50
   * @param sealerDomain the ARC-Seal's {@code d=}: who sealed this hop
   * @param sealerSelector the ARC-Seal's {@code s=}
   * @param signerDomain the ARC-Message-Signature's {@code d=}
   * @param sealCv the {@code cv=} the sealer recorded for the chain it received
   * @param authResults the ARC-Authentication-Results payload after {@code i=N;}: the sealer's
   *     authserv-id and results, unfolded, as that hop saw the message
   */
  public record ArcInstance(
      int instance,
      String sealerDomain,
      String sealerSelector,
      String signerDomain,
      Cv sealCv,
      String authResults) {
    /** Validates. */
    public ArcInstance {
      checkArgument(instance >= 1 && instance <= 50, "ARC instance not in [1, 50]: %s", instance);
      requireNonNull(sealerDomain, "sealerDomain");
      requireNonNull(sealerSelector, "sealerSelector");
      requireNonNull(signerDomain, "signerDomain");
      requireNonNull(sealCv, "sealCv");
      requireNonNull(authResults, "authResults");
    }
  }
}
