package dev.mailfilter.web;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a page answers: a status, a content type, the body, and extra headers. The server adds the
 * security headers (content security policy, frame options, no-sniff, no-store) to every answer.
 *
 * @param status the HTTP status
 * @param contentType the {@code Content-Type}; null for a body-less answer
 * @param body the body (empty for none)
 * @param headers extra headers ({@code Location}, {@code Cache-Control}...)
 */
public record WebResponse(
    int status, String contentType, byte[] body, Map<String, String> headers) {
  /** Copies the headers. */
  public WebResponse {
    Objects.requireNonNull(body, "body");
    headers = Map.copyOf(headers);
  }

  /** A 200 HTML page (use {@link WebRequest#render} to wrap a body in the layout). */
  public static WebResponse html(String html) {
    return html(200, html);
  }

  /** An HTML page with a status. */
  public static WebResponse html(int status, String html) {
    return new WebResponse(
        status, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** Any content, e.g. an SVG map ({@code image/svg+xml}) or CSV. */
  public static WebResponse of(int status, String contentType, byte[] body) {
    return new WebResponse(status, contentType, body, Map.of());
  }

  /** A 303 to {@code location} (after a POST: the browser GETs it). */
  public static WebResponse redirect(String location) {
    return new WebResponse(303, null, new byte[0], Map.of("Location", location));
  }

  /** This answer with one more header. */
  public WebResponse withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new WebResponse(status, contentType, body, h);
  }
}
