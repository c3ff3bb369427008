package dev.mailfilter.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.admin.AdminClient;
import dev.mailfilter.cluster.admin.ApiException;
import dev.mailfilter.cluster.admin.Principal;
import dev.mailfilter.cluster.admin.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The logins of a node: the API keys scoped to it (one logs in with one's key), made and revoked
 * through the admin API's {@code /v1/keys}, so that a reseller admin gives its customer's admin a
 * login, a customer admin its domain admins, a domain admin its users. A new key is shown once, in
 * the answer to the form, and never again (only its SHA-256 is kept).
 */
final class Logins {
  private Logins() {}

  /** The role of a login scoped to a node: the admin of its level, or a user. */
  static Role roleOf(TenantPath node) {
    return switch (node.kind().orElseThrow()) {
      case RESELLER -> Role.RESELLER_ADMIN;
      case CUSTOMER -> Role.CUSTOMER_ADMIN;
      case DOMAIN -> Role.DOMAIN_ADMIN;
      case USER -> Role.USER;
    };
  }

  static Html.Safe section(WebRequest q, TenantPath node) {
    return section(q, node, "");
  }

  private static Html.Safe section(WebRequest q, TenantPath node, String draft) {
    JsonNode keys = TenantsPage.get(q.admin(), q.principal(), "/v1/keys");
    List<Html.Safe> rows = new ArrayList<>();
    for (JsonNode k : keys.path("items")) {
      if (!k.path("scope").asText().equals(node.toString())) {
        continue;
      }
      rows.add(
          Html.fill(
              "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>"
                  + "<form method=\"post\" action=\"{}/revoke\" data-confirm=\"Revoke the login of"
                  + " {}?\">{}<input type=\"hidden\" name=\"key\" value=\"{}\">"
                  + "<button type=\"submit\" class=\"danger\">Revoke</button></form></td></tr>",
              k.path("name").asText(),
              k.path("role").asText().replace('_', ' '),
              k.path("id").asText(),
              TenantsPage.when(k.path("created").asText()),
              TreePaths.page(node),
              k.path("name").asText(),
              Html.csrfField(q),
              k.path("id").asText()));
    }
    Html.Safe table =
        rows.isEmpty()
            ? new Html.Safe("<p>No logins here yet.</p>")
            : Html.fill(
                "<table><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Role</th>"
                    + "<th scope=\"col\">Key id</th><th scope=\"col\">Made</th>"
                    + "<th scope=\"col\"><span class=\"hint\">Action</span></th></tr></thead>"
                    + "<tbody>{}</tbody></table>",
                Html.join(rows));
    return Html.fill(
        "<section aria-labelledby=\"logins-h\"><h2 id=\"logins-h\">Logins</h2>{}"
            + "<form class=\"inline-create\" method=\"post\" action=\"{}/logins\">{}"
            + "<label for=\"login-name\">New {} login for</label> "
            + "<input id=\"login-name\" name=\"name\" required maxlength=\"200\""
            + " placeholder=\"name@example.com\" value=\"{}\"> "
            + "<button type=\"submit\">Make login key</button></form></section>",
        table,
        TreePaths.page(node),
        Html.csrfField(q),
        roleOf(node).wireName().replace('_', ' '),
        draft);
  }

  /** Makes a key for the node's role and shows it once. */
  static WebResponse create(WebRequest q, TenantPath node) {
    Principal p = q.principal();
    String name = q.param("name").orElse("").trim();
    ObjectNode body = AdminClient.object();
    body.put("name", name);
    body.put("role", roleOf(node).wireName());
    body.put("scope", node.toString());
    JsonNode made;
    try {
      made =
          q.admin()
              .call(p, "POST", "/v1/keys", Map.of(), body, Optional.empty())
              .body()
              .orElseThrow();
    } catch (ApiException e) {
      if (e.status() == 404 || e.status() == 403) {
        throw e;
      }
      return TenantsPage.view(q, node, Optional.of(e), Map.of(), e.status());
    }
    return q.render(
        201,
        "New login",
        Html.fill(
            "<p class=\"notice\" role=\"status\">A login key for <strong>{}</strong> ({} of {}):"
                + "</p><p><label for=\"new-key\">Key</label></p>"
                + "<input id=\"new-key\" readonly size=\"70\" value=\"{}\">"
                + "<p>Give it to its holder by a safe way. It is shown only now: only its SHA-256"
                + " is kept. They log in with it at this site's login page.</p>"
                + "<p><a href=\"{}\">Back to {} {}</a></p>",
            name,
            roleOf(node).wireName().replace('_', ' '),
            node.toString(),
            made.path("key").asText(),
            TreePaths.page(node),
            TreePaths.label(node.kind().orElseThrow()),
            node.name()));
  }

  /** Revokes a key scoped to this node (the API refuses any key outside one's subtree: 404). */
  static WebResponse revoke(WebRequest q, TenantPath node) {
    String id = q.param("key").orElse("");
    if (!id.matches("[0-9a-f]{1,64}")) {
      throw WebException.notFound();
    }
    JsonNode k = TenantsPage.get(q.admin(), q.principal(), "/v1/keys/" + id);
    if (!k.path("scope").asText().equals(node.toString())) {
      throw WebException.notFound();
    }
    q.admin().call(q.principal(), "DELETE", "/v1/keys/" + id, Map.of(), null, Optional.empty());
    return WebResponse.redirect(TreePaths.page(node) + "?saved=login+revoked");
  }
}
