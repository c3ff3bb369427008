package dev.mailfilter.cluster.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The routes of the API: a method and a path template ({@code /v1/resellers/{reseller}}) each. A
 * path that no template matches is a 404; a path that matches with another method, a 405 with the
 * allowed methods.
 */
final class Router {
  /** A request as a handler sees it: already authenticated, its path variables decoded. */
  record Request(
      Principal principal,
      Map<String, String> params,
      Map<String, String> query,
      JsonBody body,
      Optional<String> ifMatch) {
    String param(String name) {
      return params.get(name);
    }
  }

  /** The body, parsed on first use so that a GET's body is never read as JSON. */
  interface JsonBody {
    JsonNode json();
  }

  /** What a handler answers: a status, a JSON body or none, and an ETag or none. */
  record Response(int status, JsonNode body, Optional<String> etag) {
    static Response ok(JsonNode body) {
      return new Response(200, body, Optional.empty());
    }

    static Response ok(JsonNode body, long version) {
      return new Response(200, body, Optional.of(Router.etag(version)));
    }

    static Response created(JsonNode body, long version) {
      return new Response(201, body, Optional.of(Router.etag(version)));
    }

    static Response noContent() {
      return new Response(204, null, Optional.empty());
    }
  }

  @FunctionalInterface
  interface Handler {
    Response handle(Request request);
  }

  /** One route. */
  record Route(String method, String template, List<String> segments, Handler handler) {}

  /** The outcome of matching a path. */
  sealed interface Match {
    record Found(Route route, Map<String, String> params) implements Match {}

    record WrongMethod(List<String> allowed) implements Match {}

    record NotFound() implements Match {}
  }

  private final List<Route> routes = new ArrayList<>();

  Router add(String method, String template, Handler handler) {
    List<String> segments = split(template);
    for (Route r : routes) {
      if (r.method().equals(method) && r.template().equals(template)) {
        throw new IllegalArgumentException("route defined twice: " + method + " " + template);
      }
    }
    routes.add(new Route(method, template, segments, handler));
    return this;
  }

  List<Route> routes() {
    return List.copyOf(routes);
  }

  /** Matches a raw (still percent-encoded) path. */
  Match match(String method, String rawPath) {
    List<String> parts = split(rawPath);
    TreeSet<String> allowed = new TreeSet<>();
    for (Route r : routes) {
      Map<String, String> params = bind(r.segments(), parts);
      if (params == null) {
        continue;
      }
      if (r.method().equals(method)) {
        return new Match.Found(r, params);
      }
      allowed.add(r.method());
    }
    return allowed.isEmpty() ? new Match.NotFound() : new Match.WrongMethod(List.copyOf(allowed));
  }

  private static Map<String, String> bind(List<String> template, List<String> parts) {
    if (template.size() != parts.size()) {
      return null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < template.size(); i++) {
      String t = template.get(i);
      String p = parts.get(i);
      if (t.startsWith("{")) {
        String value = decode(p);
        if (value == null || value.isEmpty()) {
          return null;
        }
        params.put(t.substring(1, t.length() - 1), value);
      } else if (!t.equals(p)) {
        return null;
      }
    }
    return params;
  }

  private static String decode(String segment) {
    try {
      // '+' is a literal plus in a path (user+tag), not a space as in a form.
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static List<String> split(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/", -1)) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  /** The ETag of a version: a strong tag, the version in quotes. */
  static String etag(long version) {
    return "\"" + version + "\"";
  }

  /** The query string as a map; a repeated name keeps its last value. */
  static Map<String, String> query(String rawQuery) {
    Map<String, String> q = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return q;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        q.put(
            URLDecoder.decode(k, StandardCharsets.UTF_8),
            URLDecoder.decode(v, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw ApiException.invalid("?" + k, "bad percent-encoding in the query");
      }
    }
    return q;
  }
}
