package dev.mailfilter.cluster.admin;

import java.util.List;

/**
 * An answer other than success, thrown by a handler and written by the server as a JSON problem:
 * {@code
 * {"status":400,"error":"invalid","message":"...","fields":[{"path":"...","reason":"..."}]}}.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** One invalid field: its JSON path in the request body (e.g. {@code actions.reject}). */
  public record FieldError(String path, String reason) {}

  private final int status;
  private final String error;
  private final transient List<FieldError> fields;

  ApiException(int status, String error, String message, List<FieldError> fields) {
    super(message);
    this.status = status;
    this.error = error;
    this.fields = List.copyOf(fields);
  }

  /** A 400 naming one invalid field: its path and why. */
  public static ApiException invalid(String path, String reason) {
    return new ApiException(
        400, "invalid", path + ": " + reason, List.of(new FieldError(path, reason)));
  }

  static ApiException invalid(List<FieldError> fields) {
    FieldError first = fields.get(0);
    return new ApiException(400, "invalid", first.path() + ": " + first.reason(), fields);
  }

  static ApiException notFound(String what) {
    return new ApiException(404, "not_found", "no such " + what, List.of());
  }

  static ApiException forbidden(String why) {
    return new ApiException(403, "forbidden", why, List.of());
  }

  static ApiException conflict(String why) {
    return new ApiException(409, "conflict", why, List.of());
  }

  /** Throws this; typed so that a {@code switch} arm can {@code yield} it. */
  <T> T raise() {
    throw this;
  }

  /** The HTTP status: 400, 403, 404, 409, 428... */
  public int status() {
    return status;
  }

  /** The short error code ({@code not_found}, {@code invalid}...). */
  public String error() {
    return error;
  }

  /** The invalid fields of a 400, each with its path and reason. */
  public List<FieldError> fields() {
    return fields;
  }
}
