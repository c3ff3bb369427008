package dev.mailfilter.auth;

/**
 * A DKIM input that breaks the syntax or the rules of RFC 6376 (a tag list, a signature header, a
 * key record) or a key the rules refuse (RFC 8301). Unchecked: the verifier turns it into a {@code
 * permerror} result for the one signature, so it never leaves a verification.
 */
public final class DkimException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An error whose message names the offending text. */
  public DkimException(String message) {
    super(message);
  }

  /** An error with the cause underneath (a key that does not decode). */
  public DkimException(String message, Throwable cause) {
    super(message, cause);
  }
}
