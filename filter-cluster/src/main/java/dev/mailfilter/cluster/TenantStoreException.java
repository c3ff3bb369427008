package dev.mailfilter.cluster;

/** The store itself failed (disk, network, corrupt data); the message names what and where. */
public final class TenantStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure with its cause. */
  public TenantStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A failure without an underlying exception. */
  public TenantStoreException(String message) {
    super(message);
  }
}
