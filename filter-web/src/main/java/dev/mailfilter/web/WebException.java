package dev.mailfilter.web;

/**
 * An answer other than success from a page, shown as the layout's error page with the status: a
 * page throws {@link #notFound()} for an object outside the principal's scope exactly as for one
 * that does not exist (as the admin API does), so that nobody learns what else exists.
 */
public final class WebException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  /** An answer with a status and a message shown to the user. */
  public WebException(int status, String message) {
    super(message, null, false, false);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("not an error status: " + status);
    }
    this.status = status;
  }

  /** The 404 of an absent object, or one outside the principal's scope. */
  public static WebException notFound() {
    return new WebException(404, "There is no such page or object.");
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }
}
