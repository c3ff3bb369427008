package dev.mailfilter.cluster.admin;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailfilter.cluster.Brand;
import dev.mailfilter.cluster.Change;
import dev.mailfilter.cluster.Settings;
import dev.mailfilter.cluster.Tenant;
import dev.mailfilter.cluster.TenantPage;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantPath.Kind;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.WriteResult;
import dev.mailfilter.cluster.state.TrainingEvents;
import dev.mailfilter.learn.Label;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resources of the admin API over a {@link TenantStore}: the tenant tree as nested resources
 * ({@code /v1/resellers/{reseller}/customers/{customer}/domains/{domain}/users/{user}}, and the
 * provider's own customers at {@code /v1/customers/{customer}}), slices of a node's settings
 * ({@code lists}, {@code quarantine}, a domain's {@code route}), a reseller's {@code brand}, the
 * audit log and the API keys.
 *
 * <p>Authorisation, the same for every route: an object outside the principal's subtree is a 404
 * whatever the method, exactly as an object that does not exist, so that nobody learns which other
 * tenants exist; inside it, an action the role may not take is a 403 (a user changing anything but
 * its own lists and quarantine; anyone deleting their own node or making keys as a user).
 */
public final class AdminApi {
  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  static final String RESELLERS = "/v1/resellers";
  static final String RESELLER = RESELLERS + "/{reseller}";
  static final String DIRECT_CUSTOMERS = "/v1/customers";

  /** The largest message a user may report (the model reads no more of one). */
  public static final int MAX_FEEDBACK_BYTES = TrainingEvents.MAX_MESSAGE_BYTES;

  private final TenantStore store;
  private final Optional<TrainingEvents> feedback;

  private AdminApi(TenantStore store, Optional<TrainingEvents> feedback) {
    this.store = store;
    this.feedback = feedback;
  }

  /** The API over a store. */
  public static AdminApi over(TenantStore store) {
    return new AdminApi(Objects.requireNonNull(store, "store"), Optional.empty());
  }

  /**
   * This API with users' "this is spam / not spam" ({@code POST /v1/feedback}) published to the
   * cluster's training events; without it that route answers 503.
   */
  public AdminApi withFeedback(TrainingEvents events) {
    return new AdminApi(store, Optional.of(events));
  }

  /** What a principal does to a node. */
  public enum Action {
    /** Reads the node or lists its children. */
    READ,
    /** Creates a child of the node. */
    CREATE_CHILD,
    /** Changes the node's settings or brand. */
    UPDATE,
    /**
     * Changes the node's allow/block lists or quarantine settings (a user may, on its own node).
     */
    UPDATE_OWN_LISTS,
    /** Deletes the node. */
    DELETE
  }

  /** Every route of the API. */
  Router router(ApiKeys keys) {
    Router r = new Router();
    r.add("GET", RESELLERS, q -> list(q, TenantPath.root(), Kind.RESELLER));
    r.add("POST", RESELLERS, q -> create(q, TenantPath.root(), Kind.RESELLER));
    node(r, RESELLER);
    r.add("GET", RESELLER + "/brand", this::getBrand);
    r.add("PUT", RESELLER + "/brand", this::putBrand);
    slices(r, RESELLER);
    customers(r, DIRECT_CUSTOMERS, q -> TenantPath.root());
    customers(r, RESELLER + "/customers", AdminApi::pathOf);
    r.add("GET", "/v1/audit", this::audit);
    r.add("POST", "/v1/feedback", this::feedback);
    KeysResource k = new KeysResource(keys, store);
    r.add("GET", "/v1/keys", k::list);
    r.add("POST", "/v1/keys", k::create);
    r.add("GET", "/v1/keys/{key}", k::get);
    r.add("DELETE", "/v1/keys/{key}", k::delete);
    return r;
  }

  private void customers(
      Router r, String collection, java.util.function.Function<Router.Request, TenantPath> parent) {
    String customer = collection + "/{customer}";
    String domains = customer + "/domains";
    String domain = domains + "/{domain}";
    String users = domain + "/users";
    String user = users + "/{user}";
    r.add("GET", collection, q -> list(q, parent.apply(q), Kind.CUSTOMER));
    r.add("POST", collection, q -> create(q, parent.apply(q), Kind.CUSTOMER));
    node(r, customer);
    slices(r, customer);
    r.add("GET", domains, q -> list(q, pathOf(q), Kind.DOMAIN));
    r.add("POST", domains, q -> create(q, pathOf(q), Kind.DOMAIN));
    node(r, domain);
    slices(r, domain);
    r.add("GET", domain + "/route", q -> getSlice(q, "route"));
    r.add("PUT", domain + "/route", q -> putSlice(q, "route", Action.UPDATE));
    r.add("GET", users, q -> list(q, pathOf(q), Kind.USER));
    r.add("POST", users, q -> create(q, pathOf(q), Kind.USER));
    node(r, user);
    slices(r, user);
  }

  private void node(Router r, String item) {
    r.add("GET", item, this::get);
    r.add("PUT", item, this::put);
    r.add("DELETE", item, this::delete);
  }

  private void slices(Router r, String item) {
    r.add("GET", item + "/lists", q -> getSlice(q, "lists"));
    r.add("PUT", item + "/lists", q -> putSlice(q, "lists", Action.UPDATE_OWN_LISTS));
    r.add("GET", item + "/quarantine", q -> getSlice(q, "quarantine"));
    r.add("PUT", item + "/quarantine", q -> putSlice(q, "quarantine", Action.UPDATE_OWN_LISTS));
  }

  // --- the tree ---

  private Router.Response list(Router.Request q, TenantPath parent, Kind kind) {
    authorise(q.principal(), parent, Action.READ);
    if (!parent.isRoot() && store.get(parent).isEmpty()) {
      throw ApiException.notFound("tenant " + parent);
    }
    int limit = limit(q);
    TenantPage page;
    try {
      page = store.children(parent, Optional.ofNullable(q.query().get("cursor")), limit);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("?cursor", e.getMessage());
    }
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode items = body.putArray("items");
    // The root holds resellers and direct customers in one listing: a page of one of them may
    // hold fewer than the limit; next_cursor says whether more follow.
    page.items().stream().filter(t -> t.kind() == kind).forEach(t -> items.add(json(t)));
    body.put("next_cursor", page.next().orElse(null));
    return Router.Response.ok(body);
  }

  private Router.Response create(Router.Request q, TenantPath parent, Kind kind) {
    authorise(q.principal(), parent, Action.CREATE_CHILD);
    JsonNode body = object(q.body().json(), "");
    allowOnly(
        body,
        "",
        kind == Kind.RESELLER ? Set.of("name", "settings", "brand") : Set.of("name", "settings"));
    JsonNode nameNode = body.get("name");
    if (nameNode == null || !nameNode.isTextual()) {
      throw ApiException.invalid("name", "required, a string");
    }
    TenantPath path;
    try {
      path = parent.child(kind, nameNode.asText());
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("name", e.getMessage());
    }
    Settings settings = settings(body.get("settings"), "settings");
    Optional<Brand> brand =
        body.hasNonNull("brand")
            ? Optional.of(brand(body.get("brand"), "brand"))
            : Optional.empty();
    WriteResult w = store.create(path, settings, brand, q.principal().auditName());
    Tenant t = written(w, "settings");
    return Router.Response.created(json(t), t.version());
  }

  private Router.Response get(Router.Request q) {
    Tenant t = read(q);
    return Router.Response.ok(json(t), t.version());
  }

  private Router.Response put(Router.Request q) {
    TenantPath path = pathOf(q);
    authorise(q.principal(), path, Action.UPDATE);
    long expected = ifMatch(q);
    JsonNode body = object(q.body().json(), "");
    allowOnly(body, "", Set.of("settings"));
    Tenant current = existing(path);
    Settings settings = settings(body.get("settings"), "settings");
    WriteResult w =
        store.update(path, expected, settings, current.brand(), q.principal().auditName());
    Tenant t = written(w, "settings");
    return Router.Response.ok(json(t), t.version());
  }

  private Router.Response delete(Router.Request q) {
    TenantPath path = pathOf(q);
    authorise(q.principal(), path, Action.DELETE);
    long expected = ifMatch(q);
    String subtree = q.query().getOrDefault("subtree", "false");
    if (!subtree.equals("true") && !subtree.equals("false")) {
      throw ApiException.invalid("?subtree", "true or false, got \"" + subtree + "\"");
    }
    written(
        store.delete(path, expected, subtree.equals("true"), q.principal().auditName()),
        "settings");
    return Router.Response.noContent();
  }

  // --- slices of a node's settings ---

  private Router.Response getSlice(Router.Request q, String key) {
    Tenant t = read(q);
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.set(key, Json.MAPPER.valueToTree(t.settings().values().get(key)));
    return Router.Response.ok(body, t.version());
  }

  private Router.Response putSlice(Router.Request q, String key, Action action) {
    TenantPath path = pathOf(q);
    authorise(q.principal(), path, action);
    long expected = ifMatch(q);
    JsonNode body = object(q.body().json(), "");
    allowOnly(body, "", Set.of(key));
    Tenant current = existing(path);
    Map<String, Object> values = new LinkedHashMap<>(current.settings().values());
    JsonNode value = body.get(key);
    if (value == null || value.isNull()) {
      values.remove(key); // inherited again
    } else {
      values.put(key, Json.MAPPER.convertValue(value, Object.class));
    }
    Settings settings;
    try {
      settings = Settings.of(values);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(key, e.getMessage());
    }
    Tenant t =
        written(
            store.update(path, expected, settings, current.brand(), q.principal().auditName()), "");
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.set(key, Json.MAPPER.valueToTree(t.settings().values().get(key)));
    return Router.Response.ok(out, t.version());
  }

  // --- a reseller's brand ---

  private Router.Response getBrand(Router.Request q) {
    Tenant t = read(q);
    if (t.brand().isEmpty()) {
      throw ApiException.notFound("brand: reseller " + t.path().name() + " has none");
    }
    return Router.Response.ok(json(t.brand().get()), t.version());
  }

  private Router.Response putBrand(Router.Request q) {
    TenantPath path = pathOf(q);
    authorise(q.principal(), path, Action.UPDATE);
    long expected = ifMatch(q);
    Brand brand = brand(q.body().json(), "");
    Tenant current = existing(path);
    Tenant t =
        written(
            store.update(
                path, expected, current.settings(), Optional.of(brand), q.principal().auditName()),
            "");
    return Router.Response.ok(json(t.brand().orElseThrow()), t.version());
  }

  // --- users' feedback for the model ---

  /**
   * A user's (or an admin's) "this is spam / not spam" on a message of a domain or user in their
   * subtree: the raw message (base64) is published as one training event; the cluster's trainer
   * learns it into the next model version (docs/cluster.md).
   */
  private Router.Response feedback(Router.Request q) {
    JsonNode body = object(q.body().json(), "");
    allowOnly(body, "", Set.of("tenant", "label", "message"));
    TenantPath path;
    try {
      path = TenantPath.parse(text(body, "tenant"));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("tenant", e.getMessage());
    }
    if (path.isRoot()
        || (path.kind().orElseThrow() != Kind.DOMAIN && path.kind().orElseThrow() != Kind.USER)) {
      throw ApiException.invalid("tenant", "the domain or user the message was addressed to");
    }
    authorise(q.principal(), path, Action.READ);
    existing(path);
    Label label =
        switch (text(body, "label")) {
          case "spam" -> Label.SPAM;
          case "ham" -> Label.HAM;
          default -> throw ApiException.invalid("label", "\"spam\" or \"ham\"");
        };
    byte[] message;
    try {
      message = Base64.getMimeDecoder().decode(text(body, "message"));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("message", "not base64: " + e.getMessage());
    }
    if (message.length == 0 || message.length > MAX_FEEDBACK_BYTES) {
      throw ApiException.invalid(
          "message", "the raw message, 1 to " + MAX_FEEDBACK_BYTES + " bytes: " + message.length);
    }
    if (feedback.isEmpty()) {
      throw new ApiException(
          503,
          "unavailable",
          "feedback needs the cluster's shared state (redis.uri) on the admin server",
          List.of());
    }
    Optional<String> id;
    try {
      id = feedback.get().publish(message, label, Duration.ofSeconds(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      id = Optional.empty();
    }
    if (id.isEmpty()) {
      throw new ApiException(
          503, "unavailable", "the shared state (Redis) did not take the event; retry", List.of());
    }
    LOG.info("feedback {} on {} by {}: event {}", label, path, q.principal().auditName(), id.get());
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("event", id.get());
    out.put("tenant", path.toString());
    out.put("label", label == Label.SPAM ? "spam" : "ham");
    return new Router.Response(201, out, Optional.empty());
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || !n.isTextual()) {
      throw ApiException.invalid(field, "required, a string");
    }
    return n.asText();
  }

  // --- the audit log ---

  private Router.Response audit(Router.Request q) {
    int limit = limit(q);
    long after;
    try {
      after = Long.parseLong(q.query().getOrDefault("after", "0"));
    } catch (NumberFormatException e) {
      throw ApiException.invalid(
          "?after", "a version number, got \"" + q.query().get("after") + "\"");
    }
    List<Change> changes = store.audit(q.principal().scope(), after, limit);
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode items = body.putArray("items");
    for (Change c : changes) {
      ObjectNode o = items.addObject();
      o.put("version", c.version());
      o.put("at", c.at().toString());
      o.put("principal", c.principal());
      o.put("op", c.op().name().toLowerCase(java.util.Locale.ROOT));
      o.put("path", c.path().toString());
    }
    if (changes.size() == limit) {
      body.put("next_after", changes.get(changes.size() - 1).version());
    } else {
      body.putNull("next_after");
    }
    return Router.Response.ok(body);
  }

  // --- helpers ---

  /** The node a request names; 404 when it is outside the principal's subtree or absent. */
  private Tenant read(Router.Request q) {
    TenantPath path = pathOf(q);
    authorise(q.principal(), path, Action.READ);
    return existing(path);
  }

  private Tenant existing(TenantPath path) {
    return store.get(path).orElseThrow(() -> ApiException.notFound("tenant " + path));
  }

  /**
   * Allows or refuses an action on a node: outside the subtree a 404 (as for a node that does not
   * exist); inside, a 403 for what the role may not do. Public so that other front ends (the web
   * pages) apply the very same rules.
   *
   * @throws ApiException 404 outside the principal's subtree, 403 for an action its role may not
   *     take
   */
  public static void authorise(Principal p, TenantPath target, Action action) {
    if (!p.covers(target)) {
      throw ApiException.notFound("tenant " + target);
    }
    boolean user = p.role() == Role.USER;
    switch (action) {
      case READ, UPDATE_OWN_LISTS -> {}
      case CREATE_CHILD, UPDATE -> {
        if (user) {
          throw ApiException.forbidden(
              "a user may change only its own lists and quarantine settings");
        }
      }
      case DELETE -> {
        if (user || target.equals(p.scope())) {
          throw ApiException.forbidden(
              "a principal cannot delete its own node (" + target + "); its parent's can");
        }
      }
    }
  }

  /** The tree path of a request's path variables; a name that cannot exist is a 404. */
  static TenantPath pathOf(Router.Request q) {
    TenantPath p = TenantPath.root();
    try {
      for (Kind k : Kind.values()) {
        String name = q.param(k.name().toLowerCase(java.util.Locale.ROOT));
        if (name != null) {
          p = p.child(k, name);
        }
      }
    } catch (IllegalArgumentException e) {
      throw ApiException.notFound("tenant: " + e.getMessage());
    }
    return p;
  }

  private static int limit(Router.Request q) {
    String text = q.query().get("limit");
    if (text == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(text);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // the same answer as out of range
    }
    throw ApiException.invalid("?limit", "1 to " + MAX_LIMIT + ", got \"" + text + "\"");
  }

  /**
   * The version an update or delete expects, from {@code If-Match}: required (428 without), so that
   * no client overwrites a change it has not seen.
   */
  static long ifMatch(Router.Request q) {
    String tag =
        q.ifMatch()
            .orElseThrow(
                () ->
                    new ApiException(
                        428,
                        "precondition_required",
                        "If-Match with the object's ETag (its version) is required",
                        List.of()))
            .trim();
    if (tag.startsWith("W/")) {
      tag = tag.substring(2);
    }
    if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
      tag = tag.substring(1, tag.length() - 1);
    }
    try {
      return Long.parseLong(tag);
    } catch (NumberFormatException e) {
      throw new ApiException(
          400,
          "invalid",
          "If-Match: expected an ETag of this API (\"<version>\"), got " + q.ifMatch().get(),
          List.of(new ApiException.FieldError("If-Match", "not an ETag of this API")));
    }
  }

  /** The node of a write, or the write's refusal as an {@link ApiException}. */
  private static Tenant written(WriteResult w, String settingsPrefix) {
    return switch (w) {
      case WriteResult.Written ok -> ok.tenant();
      case WriteResult.Stale s ->
          new ApiException(
                  409,
                  "stale",
                  "version "
                      + s.expected()
                      + " of "
                      + s.path()
                      + " is stale: it is at version "
                      + s.current()
                      + "; read it again and retry",
                  List.of())
              .raise();
      case WriteResult.NotFound nf -> ApiException.notFound("tenant " + nf.path()).raise();
      case WriteResult.Conflict c -> ApiException.conflict(c.path() + ": " + c.reason()).raise();
      case WriteResult.Invalid inv -> {
        String field = inv.field();
        String path =
            field.startsWith("brand") || settingsPrefix.isEmpty() || field.isEmpty()
                ? field
                : settingsPrefix + "." + field;
        yield ApiException.invalid(path.isEmpty() ? "" : path, inv.reason()).raise();
      }
    };
  }

  static JsonNode object(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      throw ApiException.invalid(path, "expected a JSON object");
    }
    return node;
  }

  static void allowOnly(JsonNode body, String path, Set<String> allowed) {
    List<ApiException.FieldError> errors = new ArrayList<>();
    body.fieldNames()
        .forEachRemaining(
            f -> {
              if (!allowed.contains(f)) {
                errors.add(
                    new ApiException.FieldError(
                        path.isEmpty() ? f : path + "." + f,
                        "unknown field; expected one of " + new java.util.TreeSet<>(allowed)));
              }
            });
    if (!errors.isEmpty()) {
      throw ApiException.invalid(errors);
    }
  }

  private static Settings settings(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return Settings.empty();
    }
    object(node, path);
    try {
      return Settings.of(Json.MAPPER.convertValue(node, MAP));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(path, e.getMessage());
    }
  }

  private static Brand brand(JsonNode node, String path) {
    object(node, path);
    String prefix = path.isEmpty() ? "" : path + ".";
    allowOnly(node, path, Set.of("name", "support_address", "logo_url", "colours", "host_names"));
    Map<String, String> colours = new TreeMap<>();
    JsonNode c = node.path("colours");
    if (!c.isMissingNode() && !c.isNull()) {
      object(c, prefix + "colours");
      for (Map.Entry<String, JsonNode> e : c.properties()) {
        if (!e.getValue().isTextual()) {
          throw ApiException.invalid(prefix + "colours." + e.getKey(), "expected #rrggbb");
        }
        colours.put(e.getKey(), e.getValue().asText());
      }
    }
    List<String> hosts = new ArrayList<>();
    JsonNode h = node.path("host_names");
    if (!h.isMissingNode() && !h.isNull()) {
      if (!h.isArray()) {
        throw ApiException.invalid(prefix + "host_names", "expected a list of host names");
      }
      for (int i = 0; i < h.size(); i++) {
        if (!h.get(i).isTextual()) {
          throw ApiException.invalid(prefix + "host_names[" + i + "]", "expected a host name");
        }
        hosts.add(h.get(i).asText());
      }
    }
    String name = text(node, "name", prefix);
    String support = text(node, "support_address", prefix);
    Optional<String> logo =
        node.hasNonNull("logo_url")
            ? Optional.of(text(node, "logo_url", prefix))
            : Optional.empty();
    try {
      return new Brand(name, support, logo, colours, hosts);
    } catch (IllegalArgumentException e) {
      // The record's messages start with "brand.<field>: ".
      String msg = e.getMessage();
      int colon = msg.indexOf(": ");
      String field = colon > 0 ? msg.substring(0, colon) : "brand";
      String local = field.startsWith("brand.") ? field.substring(6) : field;
      throw ApiException.invalid(prefix + local, colon > 0 ? msg.substring(colon + 2) : msg);
    }
  }

  private static String text(JsonNode node, String field, String prefix) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiException.invalid(prefix + field, "expected a string");
    }
    return v.asText();
  }

  static ObjectNode json(Tenant t) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("path", t.path().toString());
    o.put("kind", t.kind().name().toLowerCase(java.util.Locale.ROOT));
    o.put("name", t.path().name());
    o.set("settings", Json.MAPPER.valueToTree(t.settings().values()));
    t.brand().ifPresent(b -> o.set("brand", json(b)));
    o.put("version", t.version());
    o.put("changed_at", t.changedAt().toString());
    o.put("changed_by", t.changedBy());
    return o;
  }

  static ObjectNode json(Brand b) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("name", b.name());
    o.put("support_address", b.supportAddress());
    b.logoUrl().ifPresent(u -> o.put("logo_url", u));
    ObjectNode colours = o.putObject("colours");
    b.colours().forEach(colours::put);
    ArrayNode hosts = o.putArray("host_names");
    b.hostNames().forEach(hosts::add);
    return o;
  }

  static Logger log() {
    return LOG;
  }
}
