package dev.mailfilter.cluster.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailfilter.cluster.Brand;
import dev.mailfilter.cluster.FileTenantStore;
import dev.mailfilter.cluster.Settings;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.WriteResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real admin server on a free loopback port over a {@link FileTenantStore} in a temporary
 * directory, a {@link HttpClient}, and a tree with two branches: the "own" branch of the test
 * principals (reseller acme > customer bakery > bakery.example > boss; customer direct >
 * direct.example > ann) and the "other" branch outside it (reseller other > rival > rival.example >
 * eve; customer rival-direct > rival-direct.example > zed).
 */
final class AdminFixture implements AutoCloseable {
  static final TenantPath ACME = TenantPath.reseller("acme");
  static final TenantPath BAKERY = ACME.child(TenantPath.Kind.CUSTOMER, "bakery");
  static final TenantPath BAKERY_DOMAIN = BAKERY.child(TenantPath.Kind.DOMAIN, "bakery.example");
  static final TenantPath BOSS = BAKERY_DOMAIN.child(TenantPath.Kind.USER, "boss");
  static final TenantPath OTHER = TenantPath.reseller("other");
  static final TenantPath RIVAL = OTHER.child(TenantPath.Kind.CUSTOMER, "rival");
  static final TenantPath RIVAL_DOMAIN = RIVAL.child(TenantPath.Kind.DOMAIN, "rival.example");
  static final TenantPath EVE = RIVAL_DOMAIN.child(TenantPath.Kind.USER, "eve");
  static final TenantPath DIRECT = TenantPath.customer("direct");
  static final TenantPath DIRECT_DOMAIN = DIRECT.child(TenantPath.Kind.DOMAIN, "direct.example");
  static final TenantPath ANN = DIRECT_DOMAIN.child(TenantPath.Kind.USER, "ann");
  static final TenantPath RIVAL_DIRECT = TenantPath.customer("rival-direct");
  static final TenantPath RIVAL_DIRECT_DOMAIN =
      RIVAL_DIRECT.child(TenantPath.Kind.DOMAIN, "rival-direct.example");
  static final TenantPath ZED = RIVAL_DIRECT_DOMAIN.child(TenantPath.Kind.USER, "zed");

  static final java.util.List<TenantPath> TREE =
      java.util.List.of(
          ACME,
          BAKERY,
          BAKERY_DOMAIN,
          BOSS,
          OTHER,
          RIVAL,
          RIVAL_DOMAIN,
          EVE,
          DIRECT,
          DIRECT_DOMAIN,
          ANN,
          RIVAL_DIRECT,
          RIVAL_DIRECT_DOMAIN,
          ZED);

  final TenantStore store;
  final ApiKeys keys = ApiKeys.inMemory();
  final AdminServer server;
  final HttpClient client = HttpClient.newHttpClient();
  final String operatorKey;

  /** Routed answers seen: "GET /v1/resellers" to the statuses it answered. */
  final Map<String, Set<Integer>> answered = new ConcurrentHashMap<>();

  AdminFixture(Path dir) throws IOException {
    this(dir, AdminServer.DEFAULT_MAX_BODY);
  }

  AdminFixture(Path dir, long maxBody) throws IOException {
    this(FileTenantStore.open(dir), maxBody, true);
  }

  /** Over any store; {@code tree}: create the two branches now. */
  AdminFixture(TenantStore store, long maxBody, boolean tree) throws IOException {
    this(store, maxBody, tree, api -> api);
  }

  /** As above, with the API as {@code api} makes it (e.g. with feedback). */
  AdminFixture(
      TenantStore store, long maxBody, boolean tree, java.util.function.UnaryOperator<AdminApi> api)
      throws IOException {
    this.store = store;
    operatorKey = keys.issue("root", Role.OPERATOR, TenantPath.root()).key();
    server =
        AdminServer.builder()
            .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .keys(keys)
            .api(api.apply(AdminApi.over(store)))
            .maxBody(maxBody)
            .observer(
                (method, template, status) ->
                    answered
                        .computeIfAbsent(
                            method + " " + template, k -> ConcurrentHashMap.newKeySet())
                        .add(status))
            .start();
    if (tree) {
      ensureTree();
    }
  }

  /** Creates every node of the two branches that is missing (after a test deleted some). */
  void ensureTree() {
    for (TenantPath p : TREE) {
      if (store.get(p).isEmpty()) {
        Optional<Brand> brand =
            p.kind().orElseThrow() == TenantPath.Kind.RESELLER
                ? Optional.of(
                    new Brand(
                        p.name() + " mail",
                        "help@" + p.name() + ".example",
                        Optional.empty(),
                        Map.of(),
                        java.util.List.of()))
                : Optional.empty();
        WriteResult w = store.create(p, Settings.empty(), brand, "fixture");
        if (!(w instanceof WriteResult.Written)) {
          throw new AssertionError("fixture: " + p + ": " + w);
        }
      }
    }
  }

  String key(Role role, TenantPath scope) {
    return keys.issue(role.wireName() + "@" + scope, role, scope).key();
  }

  long version(TenantPath p) {
    return store.get(p).orElseThrow().version();
  }

  /** The URL path of a node: /v1/resellers/acme/customers/bakery/domains/... */
  static String url(TenantPath p) {
    StringBuilder b = new StringBuilder("/v1");
    for (TenantPath.Segment s : p.segments()) {
      b.append(
              switch (s.kind()) {
                case RESELLER -> "/resellers/";
                case CUSTOMER -> "/customers/";
                case DOMAIN -> "/domains/";
                case USER -> "/users/";
              })
          .append(s.name());
    }
    return b.toString();
  }

  /** An answer: status, headers, body parsed as JSON (null when empty). */
  record Answer(int status, HttpResponse<String> raw, JsonNode json) {
    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  Answer send(String method, String path, String key, String body, String ifMatch) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + host() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (ifMatch != null) {
      b.header("If-Match", ifMatch);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json = r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body());
      return new Answer(r.statusCode(), r, json);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(method + " " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  String host() {
    InetSocketAddress a = server.address();
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  /**
   * Closes everything, then checks that every status a route answered during the test is documented
   * for that operation in the OpenAPI description.
   */
  @Override
  public void close() {
    server.close();
    store.close();
    client.close();
    JsonNode spec;
    try {
      spec = Json.MAPPER.readTree(AdminServer.openApi());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    java.util.List<String> undocumented = new java.util.ArrayList<>();
    answered.forEach(
        (route, statuses) -> {
          int space = route.indexOf(' ');
          JsonNode responses =
              spec.path("paths")
                  .path(route.substring(space + 1))
                  .path(route.substring(0, space).toLowerCase(java.util.Locale.ROOT))
                  .path("responses");
          for (int status : statuses) {
            if (!responses.has(Integer.toString(status))) {
              undocumented.add(route + " " + status);
            }
          }
        });
    if (!undocumented.isEmpty()) {
      throw new AssertionError("answered, but not in openapi.json: " + undocumented);
    }
  }
}
