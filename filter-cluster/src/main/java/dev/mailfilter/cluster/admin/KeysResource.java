package dev.mailfilter.cluster.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /v1/keys}: a principal makes and revokes keys for its own subtree (delegation: a customer
 * admin makes a domain admin's key). The secret is in the answer to the POST and nowhere else. Key
 * changes are not tenant changes: they go to the keys' own audit log ({@link ApiKeys#audit}, with
 * the principal), and are logged.
 */
final class KeysResource {
  private final ApiKeys keys;
  private final TenantStore store;

  KeysResource(ApiKeys keys, TenantStore store) {
    this.keys = keys;
    this.store = store;
  }

  Router.Response list(Router.Request q) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode items = body.putArray("items");
    keys.list().stream()
        .filter(k -> q.principal().covers(k.principal().scope()))
        .forEach(k -> items.add(json(k)));
    return Router.Response.ok(body);
  }

  Router.Response create(Router.Request q) {
    Principal by = q.principal();
    if (by.role() == Role.USER) {
      throw ApiException.forbidden("a user cannot make keys");
    }
    JsonNode body = AdminApi.object(q.body().json(), "");
    AdminApi.allowOnly(body, "", Set.of("name", "role", "scope"));
    String name = body.path("name").isTextual() ? body.get("name").asText() : null;
    if (name == null || name.isBlank() || name.length() > 200) {
      throw ApiException.invalid("name", "required, a string of 1 to 200 characters");
    }
    Optional<Role> role =
        body.path("role").isTextual() ? Role.ofWire(body.get("role").asText()) : Optional.empty();
    if (role.isEmpty()) {
      throw ApiException.invalid(
          "role", "one of operator, reseller_admin, customer_admin, domain_admin, user");
    }
    if (!body.path("scope").isTextual()) {
      throw ApiException.invalid("scope", "required, a tree path such as reseller:acme");
    }
    TenantPath scope;
    try {
      scope = TenantPath.parse(body.get("scope").asText());
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("scope", e.getMessage());
    }
    if (!scope.kind().equals(role.get().level())) {
      throw ApiException.invalid(
          "scope",
          "a "
              + role.get().wireName()
              + " is scoped to a "
              + role.get()
                  .level()
                  .map(k -> k.name().toLowerCase(java.util.Locale.ROOT))
                  .orElse("root (\"\")")
              + ", got \""
              + scope
              + "\"");
    }
    AdminApi.authorise(by, scope, AdminApi.Action.READ);
    if (!scope.isRoot() && store.get(scope).isEmpty()) {
      throw ApiException.notFound("tenant " + scope);
    }
    ApiKeys.Issued issued = keys.issue(name, role.get(), scope, by.auditName());
    AdminApi.log()
        .info(
            "admin: {} made key {} ({} {})",
            by.auditName(),
            issued.record().id(),
            role.get().wireName(),
            scope);
    ObjectNode out = json(issued.record());
    out.put("key", issued.key());
    return new Router.Response(201, out, Optional.empty());
  }

  Router.Response get(Router.Request q) {
    return Router.Response.ok(json(visible(q)));
  }

  Router.Response delete(Router.Request q) {
    ApiKeys.KeyRecord k = visible(q);
    if (q.principal().role() == Role.USER) {
      throw ApiException.forbidden("a user cannot revoke keys");
    }
    keys.revoke(k.id(), q.principal().auditName());
    AdminApi.log().info("admin: {} revoked key {}", q.principal().auditName(), k.id());
    return Router.Response.noContent();
  }

  private ApiKeys.KeyRecord visible(Router.Request q) {
    return keys.get(q.param("key"))
        .filter(k -> q.principal().covers(k.principal().scope()))
        .orElseThrow(() -> ApiException.notFound("key " + q.param("key")));
  }

  private static ObjectNode json(ApiKeys.KeyRecord k) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", k.id());
    o.put("name", k.principal().name());
    o.put("role", k.principal().role().wireName());
    o.put("scope", k.principal().scope().toString());
    o.put("created", k.created().toString());
    return o;
  }
}
