package dev.mailfilter.cluster.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The admin API called in-process, as an already authenticated principal: the same routes,
 * handlers, validation and authorisation as over HTTP, without a socket or JSON text. The web pages
 * use it so that a page can do nothing the API would refuse the same principal.
 *
 * <pre>{@code
 * AdminClient admin = AdminClient.of(AdminApi.over(store), keys);
 * AdminClient.Reply r = admin.call(principal, "GET", "/v1/resellers/acme/customers",
 *     Map.of("limit", "20"), null, Optional.empty());
 * }</pre>
 */
public final class AdminClient {
  /**
   * A successful answer.
   *
   * @param status 200, 201 or 204
   * @param body the JSON body; empty for a 204
   * @param version the object's version (its ETag) when the answer names one
   */
  public record Reply(int status, Optional<JsonNode> body, Optional<Long> version) {}

  private final Router router;
  private final ApiKeys keys;

  private AdminClient(Router router, ApiKeys keys) {
    this.router = router;
    this.keys = keys;
  }

  /** A client of {@code api}, whose key routes use {@code keys}. */
  public static AdminClient of(AdminApi api, ApiKeys keys) {
    return new AdminClient(api.router(Objects.requireNonNull(keys, "keys")), keys);
  }

  /** The key store: who a presented key belongs to. */
  public ApiKeys keys() {
    return keys;
  }

  /**
   * Runs one request of the API as {@code principal}.
   *
   * @param path the raw path ({@code /v1/resellers/acme}), its segments percent-encoded
   * @param query the query parameters, decoded
   * @param body the JSON body of a POST or PUT; null for none
   * @param ifMatch the version an update or delete expects
   * @throws ApiException the API's refusal: 404 (absent or outside the principal's subtree), 403,
   *     400 with the invalid fields, 409 (a stale version), 405 (no such method on the path)
   */
  public Reply call(
      Principal principal,
      String method,
      String path,
      Map<String, String> query,
      JsonNode body,
      Optional<Long> ifMatch) {
    Objects.requireNonNull(principal, "principal");
    Router.Match m = router.match(method, path);
    return switch (m) {
      case Router.Match.NotFound nf -> throw ApiException.notFound("resource: " + path);
      case Router.Match.WrongMethod wm ->
          throw new ApiException(
              405,
              "method_not_allowed",
              method + " is not allowed on " + path + "; allowed: " + wm.allowed(),
              List.of());
      case Router.Match.Found found -> {
        JsonNode json = body == null ? Json.MAPPER.createObjectNode() : body.deepCopy();
        Router.Request req =
            new Router.Request(
                principal,
                found.params(),
                Map.copyOf(query),
                () -> json,
                ifMatch.map(v -> Router.etag(v)));
        Router.Response res = found.route().handler().handle(req);
        yield new Reply(
            res.status(),
            Optional.ofNullable(res.body()),
            res.etag().map(t -> Long.parseLong(t.substring(1, t.length() - 1))));
      }
    };
  }

  /** An empty JSON object to fill as a request body. */
  public static ObjectNode object() {
    return Json.MAPPER.createObjectNode();
  }
}
