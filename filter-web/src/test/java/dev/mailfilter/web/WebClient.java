package dev.mailfilter.web;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A plain HTTP client of the web server that keeps its session cookie by hand (no redirects
 * followed: the tests look at each answer), for the tests of headers, CSRF and login limits.
 */
final class WebClient {
  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private final WebFixture web;
  private String cookie;
  private String csrf;
  private String forwardedFor;

  WebClient(WebFixture web) {
    this.web = web;
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(web.url(path))).GET();
    return send(b);
  }

  /** A form POST; {@code _csrf} is added from the last page unless the fields name it. */
  HttpResponse<String> post(String path, Map<String, String> fields)
      throws IOException, InterruptedException {
    Map<String, String> all = new LinkedHashMap<>(fields);
    if (csrf != null) {
      all.putIfAbsent(WebServer.CSRF_FIELD, csrf);
    }
    all.values().removeIf(v -> v == null);
    return postRaw(path, all);
  }

  /** A form POST with exactly these fields. */
  HttpResponse<String> postRaw(String path, Map<String, String> fields)
      throws IOException, InterruptedException {
    String body =
        fields.entrySet().stream()
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(web.url(path)))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    return send(b);
  }

  /** Logs in with a key: GET the form (its CSRF token), POST it; returns the POST's answer. */
  HttpResponse<String> login(String key) throws IOException, InterruptedException {
    get("/login");
    HttpResponse<String> r = post("/login", Map.of("key", key));
    if (r.statusCode() == 303) {
      get("/"); // the new session's CSRF token
    }
    return r;
  }

  Optional<String> cookie() {
    return Optional.ofNullable(cookie);
  }

  void forgetCsrf() {
    csrf = null;
  }

  /** Sends {@code X-Forwarded-For} with this address from now on (a proxy's header). */
  void forwardedFor(String address) {
    forwardedFor = address;
  }

  private HttpResponse<String> send(HttpRequest.Builder b)
      throws IOException, InterruptedException {
    if (cookie != null) {
      b.header("Cookie", WebServer.COOKIE + "=" + cookie);
    }
    if (forwardedFor != null) {
      b.header("X-Forwarded-For", "198.51.100.9, " + forwardedFor);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    r.headers()
        .firstValue("Set-Cookie")
        .ifPresent(
            c -> {
              String v = c.substring(c.indexOf('=') + 1, c.indexOf(';'));
              cookie = v.isEmpty() ? null : v;
            });
    Matcher m = CSRF.matcher(r.body());
    if (m.find()) {
      csrf = m.group(1);
    }
    return r;
  }
}
