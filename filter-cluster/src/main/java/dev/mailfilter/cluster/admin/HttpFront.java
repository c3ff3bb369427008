package dev.mailfilter.cluster.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.mailfilter.cluster.TenantStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP handler: routes, authenticates, reads the bounded body, runs the route's handler and
 * writes its answer or its {@link ApiException} as JSON. Order: an unknown path is a 404 and a
 * known path with another method a 405 before authentication (the routes are public in the OpenAPI
 * description anyway); then a missing or unknown key is a 401; then the handler decides (a 404 for
 * an object outside the principal's subtree, a 403 for an action its role may not take inside it).
 */
final class HttpFront implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(HttpFront.class);
  static final String OPENAPI_PATH = "/openapi.json";

  private final Router router;
  private final ApiKeys keys;
  private final long maxBody;
  private final byte[] openApi;
  private final Observer observer;

  /** Told the route ({@code GET /v1/resellers/{reseller}}) and status of every routed answer. */
  @FunctionalInterface
  interface Observer {
    void answered(String method, String template, int status);
  }

  HttpFront(Router router, ApiKeys keys, long maxBody, byte[] openApi, Observer observer) {
    this.router = router;
    this.keys = keys;
    this.maxBody = maxBody;
    this.openApi = openApi.clone();
    this.observer = observer;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String[] template = {null};
    int status;
    try (ex) {
      try {
        status = serve(ex, template);
      } catch (ApiException e) {
        drain(ex);
        problem(ex, e);
        status = e.status();
      } catch (TenantStoreException e) {
        // The store is down (Redis unreachable, a disk error): the client may retry; nothing of
        // the request was applied unless the store says so.
        LOG.warn(
            "admin: {} {}: store unavailable: {}",
            ex.getRequestMethod(),
            ex.getRequestURI().getRawPath(),
            e.getMessage());
        drain(ex);
        problem(
            ex,
            new ApiException(
                503,
                "store_unavailable",
                "the tenant store is unavailable: " + e.getMessage(),
                List.of()));
        status = 503;
      } catch (RuntimeException e) {
        LOG.warn("admin: {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e);
        drain(ex);
        problem(ex, new ApiException(500, "internal", "internal error: " + e, List.of()));
        status = 500;
      }
    }
    if (template[0] != null) {
      observer.answered(ex.getRequestMethod(), template[0], status);
    }
  }

  /**
   * Answers the exchange; returns the status, and the matched route's template in {@code route}.
   */
  private int serve(HttpExchange ex, String[] route) throws IOException {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getRawPath();
    if (path.equals(OPENAPI_PATH) && (method.equals("GET") || method.equals("HEAD"))) {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, method.equals("HEAD") ? -1 : openApi.length);
      if (!method.equals("HEAD")) {
        ex.getResponseBody().write(openApi);
      }
      return 200;
    }
    Router.Match m = router.match(method, path);
    switch (m) {
      case Router.Match.NotFound nf -> throw ApiException.notFound("resource: " + path);
      case Router.Match.WrongMethod wm -> {
        ex.getResponseHeaders().set("Allow", String.join(", ", wm.allowed()));
        throw new ApiException(
            405,
            "method_not_allowed",
            method + " is not allowed on " + path + "; allowed: " + wm.allowed(),
            List.of());
      }
      case Router.Match.Found found -> {
        route[0] = found.route().template();
        Principal principal = authenticate(ex);
        byte[] body = readBody(ex);
        Optional<String> ifMatch = Optional.ofNullable(ex.getRequestHeaders().getFirst("If-Match"));
        Router.Request req =
            new Router.Request(
                principal,
                found.params(),
                Router.query(ex.getRequestURI().getRawQuery()),
                () -> Json.parse(body),
                ifMatch);
        Router.Response res = found.route().handler().handle(req);
        res.etag().ifPresent(t -> ex.getResponseHeaders().set("ETag", t));
        write(ex, res.status(), res.body());
        return res.status();
      }
    }
  }

  private Principal authenticate(HttpExchange ex) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String key = null;
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      key = auth.substring(7).trim();
    }
    if (key == null) {
      key = ex.getRequestHeaders().getFirst("X-API-Key");
    }
    Optional<Principal> p = keys.authenticate(key);
    if (p.isEmpty()) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"mailfilter admin\"");
      throw new ApiException(
          401,
          "unauthorized",
          key == null ? "an API key is required (Authorization: Bearer KEY)" : "unknown API key",
          List.of());
    }
    return p.get();
  }

  /** Reads at most {@code maxBody} bytes; a longer body (declared or sent) is a 413. */
  private byte[] readBody(HttpExchange ex) throws IOException {
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > maxBody) {
          throw tooLarge();
        }
      } catch (NumberFormatException e) {
        throw new ApiException(400, "invalid", "bad Content-Length: " + declared, List.of());
      }
    }
    InputStream in = ex.getRequestBody();
    byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBody + 1));
    if (body.length > maxBody) {
      throw tooLarge();
    }
    return body;
  }

  private ApiException tooLarge() {
    return new ApiException(
        413, "too_large", "the body is larger than " + maxBody + " bytes", List.of());
  }

  /**
   * Reads what is left of a refused body (up to a bound) so that the client sees the answer rather
   * than a reset; a client sending more than that gets its connection closed.
   */
  private void drain(HttpExchange ex) {
    try {
      InputStream in = ex.getRequestBody();
      long left = 4 * maxBody;
      byte[] buf = new byte[8192];
      int n;
      while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
        left -= n;
      }
    } catch (IOException | RuntimeException e) {
      // The answer is still written; the exchange closes the connection.
    }
  }

  private static void problem(HttpExchange ex, ApiException e) throws IOException {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("status", e.status());
    body.put("error", e.error());
    body.put("message", e.getMessage());
    if (!e.fields().isEmpty()) {
      ArrayNode fields = body.putArray("fields");
      for (ApiException.FieldError f : e.fields()) {
        fields.addObject().put("path", f.path()).put("reason", f.reason());
      }
    }
    write(ex, e.status(), body);
  }

  private static void write(HttpExchange ex, int status, JsonNode body) throws IOException {
    if (body == null || ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    byte[] bytes = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
