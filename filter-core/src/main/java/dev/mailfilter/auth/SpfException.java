package dev.mailfilter.auth;

/**
 * Ends an evaluation with {@link SpfResult.Code#PERMERROR} or {@link SpfResult.Code#TEMPERROR}: RFC
 * 7208 stops {@code check_host()} at the first such error wherever it happens (deep in an {@code
 * include}), so unwinding is the faithful shape. Never leaves this package: {@link SpfVerifier}
 * turns it into a result.
 */
final class SpfException extends Exception {
  private static final long serialVersionUID = 1L;

  private final SpfResult.Code code;

  private SpfException(SpfResult.Code code, String reason) {
    super(reason, null, false, false);
    this.code = code;
  }

  static SpfException permerror(String reason) {
    return new SpfException(SpfResult.Code.PERMERROR, reason);
  }

  static SpfException temperror(String reason) {
    return new SpfException(SpfResult.Code.TEMPERROR, reason);
  }

  SpfResult.Code code() {
    return code;
  }
}
