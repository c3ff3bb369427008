package dev.mailfilter.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailfilter.cluster.Settings;
import dev.mailfilter.cluster.Tenant;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantPath.Kind;
import dev.mailfilter.cluster.admin.AdminApi;
import dev.mailfilter.cluster.admin.AdminClient;
import dev.mailfilter.cluster.admin.ApiException;
import dev.mailfilter.cluster.admin.Principal;
import dev.mailfilter.cluster.admin.Role;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reseller panel's tree: one page per node ({@code /tenants/resellers/acme/customers/bakery}),
 * with its effective settings and where each comes from, its own settings, a domain's route, its
 * children a page at a time, and forms to create, edit and delete; a reseller's brand at {@code
 * .../brand}. Every read and write is a call of the admin API as the logged-in principal, so a node
 * outside one's subtree is a 404 here as there, and a form the role may not use is not shown (and
 * refused if posted anyway).
 */
public final class TenantsPage implements WebPage {
  static final String PATH = "/tenants";
  static final int PAGE_SIZE = 20;
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** The panel's pages: the tree, and the brand shortcut of a reseller admin. */
  public static List<WebPage> panel() {
    return List.of(new TenantsPage(), new BrandShortcut());
  }

  @Override
  public String path() {
    return PATH;
  }

  @Override
  public String title() {
    return "Customers and domains";
  }

  @Override
  public String title(Role role) {
    return switch (role) {
      case OPERATOR -> "Resellers and customers";
      case RESELLER_ADMIN -> "Customers";
      case CUSTOMER_ADMIN -> "Domains";
      case DOMAIN_ADMIN -> "Users";
      case USER -> "My settings";
    };
  }

  @Override
  public WebResponse handle(WebRequest q) {
    TreePaths.Parsed parsed = TreePaths.parse(q.rest()).orElseThrow(WebException::notFound);
    TenantPath node = parsed.node();
    Principal p = q.principal();
    if (node.isRoot() && p.role() != Role.OPERATOR) {
      return WebResponse.redirect(TreePaths.page(p.scope()));
    }
    boolean post = q.method().equals("POST");
    return switch (parsed.action()) {
      case "" -> post ? refuse() : view(q, node, Optional.empty(), Map.of(), 200);
      case "settings" -> post ? saveSettings(q, node) : refuse();
      case "lists" -> post ? saveLists(q, node) : refuse();
      case "route" -> post ? saveRoute(q, node) : refuse();
      case "create" -> post ? create(q, node) : refuse();
      case "delete" -> post ? delete(q, node) : refuse();
      case "logins" -> post && !node.isRoot() ? Logins.create(q, node) : refuse();
      case "revoke" -> post && !node.isRoot() ? Logins.revoke(q, node) : refuse();
      case "brand" -> BrandForm.handle(q, node);
      default -> throw WebException.notFound();
    };
  }

  private static WebResponse refuse() {
    throw WebException.notFound();
  }

  // --- the node's page ---

  /**
   * The node's page; {@code error} a refusal of a form to show with what was typed ({@code drafts}
   * by form field).
   */
  static WebResponse view(
      WebRequest q,
      TenantPath node,
      Optional<ApiException> error,
      Map<String, String> drafts,
      int status) {
    AdminClient admin = q.admin();
    Principal p = q.principal();
    List<Html.Safe> parts = new ArrayList<>();
    parts.add(breadcrumbs(p, node));
    q.param("saved")
        .ifPresent(
            what ->
                parts.add(Html.fill("<p class=\"notice\" role=\"status\">Saved: {}.</p>", what)));
    error.ifPresent(e -> parts.add(errorBox(e)));
    String title;
    if (node.isRoot()) {
      title = "All resellers and customers";
    } else {
      JsonNode t = get(admin, p, TreePaths.api(node));
      long version = t.path("version").asLong();
      title = capital(TreePaths.label(node.kind().orElseThrow())) + " " + node.name();
      parts.add(
          Html.fill(
              "<dl class=\"facts\"><dt>Version</dt><dd>{}</dd><dt>Last changed</dt><dd>{} by {}"
                  + "</dd></dl>",
              version,
              when(t.path("changed_at").asText()),
              t.path("changed_by").asText()));
      if (node.kind().orElseThrow() == Kind.RESELLER) {
        parts.add(
            Html.fill(
                "<p><a href=\"{}/brand\">White-label brand of {}</a></p>",
                TreePaths.page(node),
                node.name()));
      }
      parts.add(effective(q, node, t));
      parts.add(settingsForms(q, node, t, version, drafts));
    }
    if (!node.isRoot() && p.role() != Role.USER) {
      parts.add(Logins.section(q, node));
    }
    for (Kind kind : TreePaths.childKinds(node)) {
      parts.add(children(q, node, kind, drafts));
    }
    if (!node.isRoot() && allowed(p, node, AdminApi.Action.DELETE)) {
      JsonNode t = get(admin, p, TreePaths.api(node));
      parts.add(
          Html.fill(
              "<section aria-labelledby=\"delete-h\"><h2 id=\"delete-h\">Delete</h2>"
                  + "<form method=\"post\" action=\"{}/delete\" data-confirm=\"Delete {}?\">{}"
                  + "<input type=\"hidden\" name=\"version\" value=\"{}\">"
                  + "<input type=\"checkbox\" id=\"subtree\" name=\"subtree\" value=\"true\">"
                  + " <label for=\"subtree\">with everything below it</label> "
                  + "<button type=\"submit\" class=\"danger\">Delete {}</button></form></section>",
              TreePaths.page(node),
              node.name(),
              Html.csrfField(q),
              t.path("version").asLong(),
              node.name()));
    }
    return q.render(status, title, Html.join(parts));
  }

  private static Html.Safe breadcrumbs(Principal p, TenantPath node) {
    List<Html.Safe> crumbs = new ArrayList<>();
    if (p.role() == Role.OPERATOR) {
      crumbs.add(Html.fill("<li><a href=\"{}\">All</a></li>", PATH));
    }
    TenantPath at = TenantPath.root();
    for (TenantPath.Segment s : node.segments()) {
      at = at.child(s.kind(), s.name());
      if (p.covers(at)) {
        crumbs.add(
            Html.fill(
                "<li><a href=\"{}\"{}>{} {}</a></li>",
                TreePaths.page(at),
                new Html.Safe(at.equals(node) ? " aria-current=\"page\"" : ""),
                TreePaths.label(s.kind()),
                s.name()));
      }
    }
    return Html.fill(
        "<nav aria-label=\"Breadcrumb\"><ol class=\"crumbs\">{}</ol></nav>", Html.join(crumbs));
  }

  /** The effective settings table: each key, its value and the level it comes from. */
  private static Html.Safe effective(WebRequest q, TenantPath node, JsonNode own) {
    Principal p = q.principal();
    List<Map.Entry<TenantPath, Settings>> levels = new ArrayList<>();
    TenantPath at = TenantPath.root();
    for (TenantPath.Segment s : node.segments()) {
      at = at.child(s.kind(), s.name());
      Settings settings;
      if (at.equals(node)) {
        settings = settingsOf(own);
      } else if (p.covers(at)) {
        settings = settingsOf(get(q.admin(), p, TreePaths.api(at)));
      } else {
        // Above the principal's scope: its own policy's inherited part, read from the store (the
        // API would not show these nodes; only their settings are used, docs/design.md).
        settings = q.server().store().get(at).map(Tenant::settings).orElse(Settings.empty());
      }
      levels.add(new AbstractMap.SimpleImmutableEntry<>(at, settings));
    }
    List<Inheritance.Row> rows = Inheritance.resolve(levels);
    if (rows.isEmpty()) {
      return new Html.Safe(
          "<section aria-labelledby=\"eff-h\"><h2 id=\"eff-h\">Effective settings</h2>"
              + "<p>Nothing is set at this level or above: the configuration's defaults apply."
              + "</p></section>");
    }
    List<Html.Safe> trs = new ArrayList<>();
    for (Inheritance.Row r : rows) {
      String from =
          r.from().equals(node)
              ? "this " + TreePaths.label(r.from().kind().orElseThrow())
              : TreePaths.label(r.from().kind().orElseThrow()) + " " + r.from().name();
      trs.add(
          Html.fill(
              "<tr><td><code>{}</code></td><td>{}</td><td class=\"from\">{}{}</td></tr>",
              r.key(),
              r.value(),
              from,
              r.addsUp() ? " (adds up)" : ""));
    }
    return Html.fill(
        "<section aria-labelledby=\"eff-h\"><h2 id=\"eff-h\">Effective settings</h2>"
            + "<table><caption>Each value in effect here and the level it comes from; keys"
            + " set nowhere take the configuration's defaults.</caption><thead><tr><th scope=\"col\">"
            + "Key</th><th scope=\"col\">Value</th><th scope=\"col\">From</th></tr></thead>"
            + "<tbody>{}</tbody></table></section>",
        Html.join(trs));
  }

  private static Html.Safe settingsForms(
      WebRequest q, TenantPath node, JsonNode t, long version, Map<String, String> drafts) {
    Principal p = q.principal();
    List<Html.Safe> forms = new ArrayList<>();
    JsonNode settings = t.path("settings");
    if (allowed(p, node, AdminApi.Action.UPDATE)) {
      forms.add(
          Html.fill(
              "<section aria-labelledby=\"own-h\"><h2 id=\"own-h\">Own settings</h2>"
                  + "<form class=\"stack\" method=\"post\" action=\"{}/settings\">{}"
                  + "<input type=\"hidden\" name=\"version\" value=\"{}\">"
                  + "<label for=\"settings\">Settings of this {} (JSON; what is left out is"
                  + " inherited; keys as in docs/tenants.md)</label>"
                  + "<textarea id=\"settings\" name=\"settings\" rows=\"10\" spellcheck=\"false\">"
                  + "{}</textarea><button type=\"submit\">Save settings</button></form></section>",
              TreePaths.page(node),
              Html.csrfField(q),
              version,
              TreePaths.label(node.kind().orElseThrow()),
              drafts.getOrDefault("settings", pretty(settings))));
      if (node.kind().orElseThrow() == Kind.DOMAIN) {
        forms.add(routeForm(q, node, settings.path("route"), version, drafts));
      }
    } else if (allowed(p, node, AdminApi.Action.UPDATE_OWN_LISTS)) {
      forms.add(
          Html.fill(
              "<section aria-labelledby=\"lists-h\"><h2 id=\"lists-h\">Allow and block lists</h2>"
                  + "<form class=\"stack\" method=\"post\" action=\"{}/lists\">{}"
                  + "<input type=\"hidden\" name=\"version\" value=\"{}\">"
                  + "<label for=\"lists\">Your lists (JSON: {\"allow\": {\"senders\": [...]},"
                  + " \"block\": {\"domains\": [...]}})</label>"
                  + "<textarea id=\"lists\" name=\"lists\" rows=\"8\" spellcheck=\"false\">{}"
                  + "</textarea><button type=\"submit\">Save lists</button></form></section>",
              TreePaths.page(node),
              Html.csrfField(q),
              version,
              drafts.getOrDefault(
                  "lists", settings.has("lists") ? pretty(settings.get("lists")) : "{}")));
    }
    return Html.join(forms);
  }

  private static Html.Safe routeForm(
      WebRequest q, TenantPath node, JsonNode route, long version, Map<String, String> drafts) {
    String host = drafts.getOrDefault("host", route.path("host").asText(""));
    String port = drafts.getOrDefault("port", route.has("port") ? route.get("port").asText() : "");
    boolean mx =
        drafts.containsKey("host") ? drafts.containsKey("mx") : route.path("mx").asBoolean();
    String tls = drafts.getOrDefault("tls", route.path("tls").asText("may"));
    List<Html.Safe> options = new ArrayList<>();
    for (String level : List.of("none", "may", "encrypt", "verify")) {
      options.add(
          Html.fill(
              "<option value=\"{}\"{}>{}</option>",
              level,
              new Html.Safe(level.equals(tls) ? " selected" : ""),
              level));
    }
    return Html.fill(
        "<section aria-labelledby=\"route-h\"><h2 id=\"route-h\">Route</h2>"
            + "<form class=\"stack\" method=\"post\" action=\"{}/route\">{}"
            + "<input type=\"hidden\" name=\"version\" value=\"{}\">"
            + "<label for=\"host\">Destination host (empty: inherit the route)</label>"
            + "<input id=\"host\" name=\"host\" value=\"{}\" autocomplete=\"off\">"
            + "<label for=\"port\">Port</label>"
            + "<input id=\"port\" name=\"port\" inputmode=\"numeric\" value=\"{}\""
            + " placeholder=\"25\">"
            + "<div><input type=\"checkbox\" id=\"mx\" name=\"mx\" value=\"true\"{}>"
            + " <label for=\"mx\">Look the host up as MX records</label></div>"
            + "<label for=\"tls\">TLS</label><select id=\"tls\" name=\"tls\">{}</select>"
            + "<button type=\"submit\">Save route</button></form></section>",
        TreePaths.page(node),
        Html.csrfField(q),
        version,
        host,
        port,
        new Html.Safe(mx ? " checked" : ""),
        Html.join(options));
  }

  private static Html.Safe children(
      WebRequest q, TenantPath node, Kind kind, Map<String, String> drafts) {
    Principal p = q.principal();
    String collection = TreePaths.collection(kind);
    String cursorParam = "cursor." + collection;
    Map<String, String> query = new LinkedHashMap<>();
    query.put("limit", Integer.toString(PAGE_SIZE));
    Optional<String> cursor = q.param(cursorParam).filter(c -> !c.isEmpty());
    cursor.ifPresent(c -> query.put("cursor", c));
    JsonNode page;
    try {
      page =
          q.admin()
              .call(p, "GET", TreePaths.apiChildren(node, kind), query, null, Optional.empty())
              .body()
              .orElseThrow();
    } catch (ApiException e) {
      if (e.status() == 400 && cursor.isPresent()) {
        throw new WebException(400, "That page of the list no longer exists; go to the first.");
      }
      throw e;
    }
    List<Html.Safe> rows = new ArrayList<>();
    for (JsonNode item : page.path("items")) {
      TenantPath child = node.child(kind, item.path("name").asText());
      rows.add(
          Html.fill(
              "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td></tr>",
              TreePaths.page(child),
              child.name(),
              item.path("settings").size() == 0 ? "inherited" : "own settings",
              when(item.path("changed_at").asText())));
    }
    String plural = TreePaths.label(kind) + "s";
    Html.Safe table =
        rows.isEmpty()
            ? Html.fill("<p>No {} yet.</p>", plural)
            : Html.fill(
                "<table><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Settings</th>"
                    + "<th scope=\"col\">Changed</th></tr></thead><tbody>{}</tbody></table>",
                Html.join(rows));
    List<Html.Safe> pager = new ArrayList<>();
    if (cursor.isPresent()) {
      pager.add(Html.fill("<a href=\"{}\">First page</a>", TreePaths.page(node)));
    }
    JsonNode next = page.path("next_cursor");
    if (next.isTextual()) {
      pager.add(
          Html.fill(
              "<a href=\"{}?{}={}\" rel=\"next\">Next page</a>",
              TreePaths.page(node),
              cursorParam,
              java.net.URLEncoder.encode(next.asText(), java.nio.charset.StandardCharsets.UTF_8)));
    }
    Html.Safe create = new Html.Safe("");
    if (allowed(p, node.isRoot() ? TenantPath.root() : node, AdminApi.Action.CREATE_CHILD)) {
      String id = "new-" + collection;
      create =
          Html.fill(
              "<form class=\"inline-create\" method=\"post\" action=\"{}/create\">{}"
                  + "<input type=\"hidden\" name=\"kind\" value=\"{}\">"
                  + "<label for=\"{}\">New {} name</label> "
                  + "<input id=\"{}\" name=\"name\" required value=\"{}\"> "
                  + "<button type=\"submit\">Create {}</button></form>",
              TreePaths.page(node),
              Html.csrfField(q),
              collection,
              id,
              TreePaths.label(kind),
              id,
              drafts.getOrDefault("name." + collection, ""),
              TreePaths.label(kind));
    }
    return Html.fill(
        "<section aria-labelledby=\"{}-h\"><h2 id=\"{}-h\">{}</h2>{}<p class=\"pager\">{}</p>{}"
            + "</section>",
        collection,
        collection,
        capital(plural),
        table,
        Html.join(pager),
        create);
  }

  // --- the forms' actions ---

  private static WebResponse saveSettings(WebRequest q, TenantPath node) {
    String text = q.param("settings").orElse("");
    Map<String, String> drafts = Map.of("settings", text);
    try {
      JsonNode settings = parseJson(text, "settings");
      ObjectNode body = AdminClient.object();
      body.set("settings", settings);
      q.admin().call(q.principal(), "PUT", TreePaths.api(node), Map.of(), body, version(q));
    } catch (ApiException e) {
      return failed(q, node, e, drafts);
    }
    return WebResponse.redirect(TreePaths.page(node) + "?saved=settings");
  }

  private static WebResponse saveLists(WebRequest q, TenantPath node) {
    String text = q.param("lists").orElse("");
    Map<String, String> drafts = Map.of("lists", text);
    try {
      JsonNode lists = parseJson(text, "lists");
      ObjectNode body = AdminClient.object();
      body.set("lists", lists.isObject() && lists.isEmpty() ? null : lists);
      q.admin()
          .call(q.principal(), "PUT", TreePaths.api(node) + "/lists", Map.of(), body, version(q));
    } catch (ApiException e) {
      return failed(q, node, e, drafts);
    }
    return WebResponse.redirect(TreePaths.page(node) + "?saved=lists");
  }

  private static WebResponse saveRoute(WebRequest q, TenantPath node) {
    Map<String, String> drafts = new LinkedHashMap<>();
    for (String f : List.of("host", "port", "tls", "mx")) {
      q.param(f).ifPresent(v -> drafts.put(f, v));
    }
    drafts.putIfAbsent("host", "");
    try {
      ObjectNode body = AdminClient.object();
      String host = drafts.get("host").trim();
      if (host.isEmpty()) {
        body.putNull("route");
      } else {
        ObjectNode route = body.putObject("route");
        route.put("host", host);
        String port = drafts.getOrDefault("port", "").trim();
        if (!port.isEmpty()) {
          try {
            route.put("port", Integer.parseInt(port));
          } catch (NumberFormatException e) {
            throw ApiException.invalid(
                "route.port", "a number from 1 to 65535, got \"" + port + "\"");
          }
        }
        route.put("mx", drafts.containsKey("mx"));
        route.put("tls", drafts.getOrDefault("tls", "may"));
      }
      q.admin()
          .call(q.principal(), "PUT", TreePaths.api(node) + "/route", Map.of(), body, version(q));
    } catch (ApiException e) {
      return failed(q, node, e, drafts);
    }
    return WebResponse.redirect(TreePaths.page(node) + "?saved=route");
  }

  private static WebResponse create(WebRequest q, TenantPath node) {
    String collection = q.param("kind").orElse("");
    Kind kind =
        TreePaths.childKinds(node).stream()
            .filter(k -> TreePaths.collection(k).equals(collection))
            .findFirst()
            .orElseThrow(WebException::notFound);
    String name = q.param("name").orElse("").trim();
    try {
      ObjectNode body = AdminClient.object();
      body.put("name", name);
      q.admin()
          .call(
              q.principal(),
              "POST",
              TreePaths.apiChildren(node, kind),
              Map.of(),
              body,
              Optional.empty());
    } catch (ApiException e) {
      return failed(q, node, e, Map.of("name." + collection, name));
    }
    return WebResponse.redirect(TreePaths.page(node.child(kind, name)) + "?saved=created");
  }

  private static WebResponse delete(WebRequest q, TenantPath node) {
    try {
      q.admin()
          .call(
              q.principal(),
              "DELETE",
              TreePaths.api(node),
              Map.of("subtree", q.param("subtree").filter("true"::equals).orElse("false")),
              null,
              version(q));
    } catch (ApiException e) {
      if (e.status() == 404 || e.status() == 403) {
        throw e;
      }
      return failed(q, node, e, Map.of());
    }
    TenantPath parent = node.parent();
    return WebResponse.redirect(
        (parent.isRoot() ? PATH : TreePaths.page(parent)) + "?saved=deleted");
  }

  /** A form refused by the API: 404 and 403 as pages of their own, the rest on the node's page. */
  private static WebResponse failed(
      WebRequest q, TenantPath node, ApiException e, Map<String, String> drafts) {
    if (e.status() == 404 || e.status() == 403) {
      throw e;
    }
    return view(q, node, Optional.of(e), drafts, e.status());
  }

  /** The version a form was rendered with: the If-Match of its write. */
  static Optional<Long> version(WebRequest q) {
    try {
      return q.param("version").map(Long::parseLong);
    } catch (NumberFormatException e) {
      return Optional.empty(); // the API answers 428
    }
  }

  static JsonNode get(AdminClient admin, Principal p, String apiPath) {
    return admin.call(p, "GET", apiPath, Map.of(), null, Optional.empty()).body().orElseThrow();
  }

  static boolean allowed(Principal p, TenantPath node, AdminApi.Action action) {
    try {
      AdminApi.authorise(p, node, action);
      return true;
    } catch (ApiException e) {
      return false;
    }
  }

  static Html.Safe errorBox(ApiException e) {
    List<Html.Safe> items = new ArrayList<>();
    for (ApiException.FieldError f : e.fields()) {
      items.add(Html.fill("<li><code>{}</code>: {}</li>", f.path(), f.reason()));
    }
    String message =
        e.status() == 409
            ? "Someone changed this meanwhile, or it is in the way: " + e.getMessage()
            : e.getMessage();
    return Html.fill(
        "<div class=\"error\" role=\"alert\"><p>Not saved: {}</p>{}</div>",
        message,
        items.isEmpty() ? new Html.Safe("") : Html.fill("<ul>{}</ul>", Html.join(items)));
  }

  static JsonNode parseJson(String text, String field) {
    try {
      JsonNode n = JSON.readTree(text.isBlank() ? "{}" : text);
      if (n == null || !n.isObject()) {
        throw ApiException.invalid(field, "expected a JSON object");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw ApiException.invalid(field, "not JSON: " + e.getOriginalMessage());
    }
  }

  private static Settings settingsOf(JsonNode tenant) {
    @SuppressWarnings("unchecked")
    Map<String, Object> m = JSON.convertValue(tenant.path("settings"), Map.class);
    return m == null ? Settings.empty() : Settings.of(m);
  }

  static String pretty(JsonNode n) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
    } catch (JsonProcessingException e) {
      return n.toString();
    }
  }

  /** An instant as people read it: {@code 2026-12-08 03:08:47 UTC}. */
  static String when(String instant) {
    try {
      return java.time.format.DateTimeFormatter.ofPattern(
              "yyyy-MM-dd HH:mm:ss 'UTC'", java.util.Locale.ROOT)
          .withZone(java.time.ZoneOffset.UTC)
          .format(java.time.Instant.parse(instant));
    } catch (java.time.format.DateTimeParseException e) {
      return instant;
    }
  }

  static String capital(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** The brand shortcut in the navigation bar of a reseller admin. */
  static final class BrandShortcut implements WebPage {
    @Override
    public String path() {
      return "/brand";
    }

    @Override
    public String title() {
      return "Brand";
    }

    @Override
    public java.util.Set<Role> roles() {
      return java.util.EnumSet.of(Role.RESELLER_ADMIN);
    }

    @Override
    public WebResponse handle(WebRequest q) {
      return WebResponse.redirect(TreePaths.page(q.principal().scope()) + "/brand");
    }
  }
}
