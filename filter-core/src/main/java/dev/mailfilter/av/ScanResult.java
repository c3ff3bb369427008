package dev.mailfilter.av;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/**
 * What clamd said about one stream: clean, infected with a named signature, or no answer worth
 * trusting. A sealed type so that a {@code switch} over it is exhaustive without a default.
 */
public sealed interface ScanResult {

  /** clamd scanned the whole stream and found nothing ({@code stream: OK}). */
  record Clean() implements ScanResult {}

  /**
   * clamd found a signature ({@code stream: NAME FOUND}).
   *
   * @param signature the signature name as clamd reported it, for example {@code
   *     Win.Test.EICAR_HDB-1} or {@code Test.EICAR.Body.UNOFFICIAL}; never blank
   */
  record Infected(String signature) implements ScanResult {
    public Infected {
      Objects.requireNonNull(signature, "signature");
      checkArgument(!signature.isBlank(), "signature must not be blank: '%s'", signature);
    }
  }

  /**
   * No verdict: the scan could not be completed. The message is neither known clean nor known
   * infected, so the caller applies its failure action.
   *
   * @param kind why, as a closed set a policy can switch on
   * @param reason a short human-readable explanation for logs, never null
   */
  record Failed(FailureKind kind, String reason) implements ScanResult {
    public Failed {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Why a scan gave no verdict. */
  enum FailureKind {
    /** clamd could not be reached: connection refused, no such socket, connect timeout. */
    UNAVAILABLE,
    /** clamd accepted the connection but did not answer (or read) within the read timeout. */
    TIMEOUT,
    /**
     * The message is larger than the configured maximum stream length (not sent), or clamd answered
     * {@code INSTREAM size limit exceeded} because its own StreamMaxLength is smaller.
     */
    SIZE_LIMIT,
    /** The connection broke after it was established, before a complete reply arrived. */
    CONNECTION,
    /** clamd answered with an error of its own ({@code ... ERROR}). */
    SERVER_ERROR,
    /** clamd's reply was not one the protocol allows (garbage, overlong, wrong session id). */
    PROTOCOL
  }

  /** The one clean result. */
  static ScanResult clean() {
    return CleanHolder.CLEAN;
  }

  /** An infected result naming the signature. */
  static ScanResult infected(String signature) {
    return new Infected(signature);
  }

  /** A failed scan of the given kind. */
  static ScanResult failed(FailureKind kind, String reason) {
    return new Failed(kind, reason);
  }
}

/** Holds the shared {@link ScanResult.Clean} instance (interfaces cannot have private fields). */
final class CleanHolder {
  static final ScanResult.Clean CLEAN = new ScanResult.Clean();

  private CleanHolder() {}
}
