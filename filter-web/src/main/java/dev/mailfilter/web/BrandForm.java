package dev.mailfilter.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantPath.Kind;
import dev.mailfilter.cluster.admin.AdminApi;
import dev.mailfilter.cluster.admin.AdminClient;
import dev.mailfilter.cluster.admin.ApiException;
import dev.mailfilter.cluster.admin.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A reseller's white-label brand ({@code /tenants/resellers/acme/brand}): name, support address,
 * logo, colours and host names, read and written through the admin API's {@code brand} resource.
 * The pages of the reseller's principals wear it (the layout reads it for every request).
 */
final class BrandForm {
  static final List<String> COLOURS = List.of("primary", "accent");
  static final Map<String, String> DEFAULT_COLOURS =
      Map.of("primary", "#1f4e79", "accent", "#b3541e");

  private BrandForm() {}

  static WebResponse handle(WebRequest q, TenantPath node) {
    if (node.isRoot() || node.kind().orElseThrow() != Kind.RESELLER) {
      throw WebException.notFound();
    }
    Principal p = q.principal();
    // Reads the node first: a reseller outside the principal's subtree is a 404 here.
    JsonNode tenant = TenantsPage.get(q.admin(), p, TreePaths.api(node));
    if (q.method().equals("POST")) {
      return save(q, node);
    }
    Map<String, String> fields = new LinkedHashMap<>();
    JsonNode brand = tenant.path("brand");
    fields.put("name", brand.path("name").asText(""));
    fields.put("support_address", brand.path("support_address").asText(""));
    fields.put("logo_url", brand.path("logo_url").asText(""));
    for (String c : COLOURS) {
      fields.put("colour_" + c, brand.path("colours").path(c).asText(DEFAULT_COLOURS.get(c)));
    }
    List<String> hosts = new ArrayList<>();
    brand.path("host_names").forEach(h -> hosts.add(h.asText()));
    fields.put("host_names", String.join("\n", hosts));
    return form(q, node, tenant.path("version").asLong(), fields, Optional.empty(), 200);
  }

  private static WebResponse save(WebRequest q, TenantPath node) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String f : List.of("name", "support_address", "logo_url", "host_names")) {
      fields.put(f, q.param(f).orElse("").trim());
    }
    for (String c : COLOURS) {
      fields.put("colour_" + c, q.param("colour_" + c).orElse("").trim());
    }
    ObjectNode body = AdminClient.object();
    body.put("name", fields.get("name"));
    body.put("support_address", fields.get("support_address"));
    if (!fields.get("logo_url").isEmpty()) {
      body.put("logo_url", fields.get("logo_url"));
    }
    ObjectNode colours = body.putObject("colours");
    for (String c : COLOURS) {
      if (!fields.get("colour_" + c).isEmpty()) {
        colours.put(c, fields.get("colour_" + c));
      }
    }
    ArrayNode hosts = body.putArray("host_names");
    for (String h : fields.get("host_names").split("[\\s,]+")) {
      if (!h.isEmpty()) {
        hosts.add(h);
      }
    }
    try {
      q.admin()
          .call(
              q.principal(),
              "PUT",
              TreePaths.api(node) + "/brand",
              Map.of(),
              body,
              TenantsPage.version(q));
    } catch (ApiException e) {
      if (e.status() == 404 || e.status() == 403) {
        throw e;
      }
      long version = TenantsPage.version(q).orElse(0L);
      return form(q, node, version, fields, Optional.of(e), e.status());
    }
    return WebResponse.redirect(TreePaths.page(node) + "/brand?saved=brand");
  }

  private static WebResponse form(
      WebRequest q,
      TenantPath node,
      long version,
      Map<String, String> f,
      Optional<ApiException> error,
      int status) {
    boolean editable = TenantsPage.allowed(q.principal(), node, AdminApi.Action.UPDATE);
    List<Html.Safe> parts = new ArrayList<>();
    q.param("saved")
        .ifPresent(
            s -> parts.add(new Html.Safe("<p class=\"notice\" role=\"status\">Brand saved.</p>")));
    error.ifPresent(e -> parts.add(TenantsPage.errorBox(e)));
    parts.add(
        Html.fill(
            "<p><a href=\"{}\">Back to reseller {}</a></p>", TreePaths.page(node), node.name()));
    List<Html.Safe> colourFields = new ArrayList<>();
    for (String c : COLOURS) {
      colourFields.add(
          Html.fill(
              "<label for=\"colour_{}\">{} colour</label>"
                  + "<input type=\"color\" id=\"colour_{}\" name=\"colour_{}\" value=\"{}\">",
              c,
              TenantsPage.capital(c),
              c,
              c,
              f.get("colour_" + c)));
    }
    parts.add(
        Html.fill(
            "<form class=\"stack\" method=\"post\" action=\"{}/brand\">{}"
                + "<input type=\"hidden\" name=\"version\" value=\"{}\">"
                + "<fieldset{}><legend>What the reseller's customers see</legend>"
                + "<label for=\"name\">Name</label>"
                + "<input id=\"name\" name=\"name\" required maxlength=\"200\" value=\"{}\">"
                + "<label for=\"support_address\">Support address</label>"
                + "<input id=\"support_address\" name=\"support_address\" type=\"email\" required"
                + " value=\"{}\">"
                + "<label for=\"logo_url\">Logo URL (https://…; optional)</label>"
                + "<input id=\"logo_url\" name=\"logo_url\" type=\"url\" value=\"{}\">"
                + "{}"
                + "<label for=\"host_names\">Host names the pages are served under (one per"
                + " line)</label>"
                + "<textarea id=\"host_names\" name=\"host_names\" rows=\"3\">{}</textarea>"
                + "</fieldset>{}</form>",
            TreePaths.page(node),
            Html.csrfField(q),
            version,
            new Html.Safe(editable ? "" : " disabled"),
            f.get("name"),
            f.get("support_address"),
            f.get("logo_url"),
            Html.join(colourFields),
            f.get("host_names"),
            editable
                ? new Html.Safe("<button type=\"submit\">Save brand</button>")
                : new Html.Safe("")));
    return q.render(status, "Brand of " + node.name(), Html.join(parts));
  }
}
