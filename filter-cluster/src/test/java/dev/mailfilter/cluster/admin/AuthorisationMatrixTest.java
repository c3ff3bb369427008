package dev.mailfilter.cluster.admin;

import static dev.mailfilter.cluster.admin.AdminFixture.ACME;
import static dev.mailfilter.cluster.admin.AdminFixture.ANN;
import static dev.mailfilter.cluster.admin.AdminFixture.BAKERY;
import static dev.mailfilter.cluster.admin.AdminFixture.BAKERY_DOMAIN;
import static dev.mailfilter.cluster.admin.AdminFixture.BOSS;
import static dev.mailfilter.cluster.admin.AdminFixture.DIRECT;
import static dev.mailfilter.cluster.admin.AdminFixture.DIRECT_DOMAIN;
import static dev.mailfilter.cluster.admin.AdminFixture.EVE;
import static dev.mailfilter.cluster.admin.AdminFixture.OTHER;
import static dev.mailfilter.cluster.admin.AdminFixture.RIVAL;
import static dev.mailfilter.cluster.admin.AdminFixture.RIVAL_DIRECT;
import static dev.mailfilter.cluster.admin.AdminFixture.RIVAL_DIRECT_DOMAIN;
import static dev.mailfilter.cluster.admin.AdminFixture.RIVAL_DOMAIN;
import static dev.mailfilter.cluster.admin.AdminFixture.ZED;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantPath.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route of the router, as every role, against an object inside the role's subtree and one
 * outside it: the expected answer comes from the rules of docs/cluster.md ("Admin API"), written
 * out here independently of the implementation: outside → 404; inside, a user may only read and
 * change its own lists and quarantine (else 403), nobody deletes its own node (403), and everything
 * else succeeds (200, 201, 204).
 */
class AuthorisationMatrixTest {
  @TempDir Path dir;

  /** A role's principal on the reseller branch (acme...) and on the direct branch (direct...). */
  private record Who(Role role, TenantPath resellerScope, TenantPath directScope) {}

  private static final List<Who> WHO =
      List.of(
          new Who(Role.OPERATOR, TenantPath.root(), TenantPath.root()),
          // A reseller admin has nothing on the direct branch: both its objects there are outside.
          new Who(Role.RESELLER_ADMIN, ACME, ACME),
          new Who(Role.CUSTOMER_ADMIN, BAKERY, DIRECT),
          new Who(Role.DOMAIN_ADMIN, BAKERY_DOMAIN, DIRECT_DOMAIN),
          new Who(Role.USER, BOSS, ANN));

  private record Cell(String route, Role role, String object, int expected, int got) {}

  private int serial;

  @Test
  void everyRouteAsEveryRoleInsideAndOutsideItsSubtreeIsAllowedOrDeniedByTheRules()
      throws Exception {
    List<Cell> cells = new ArrayList<>();
    try (AdminFixture f = new AdminFixture(dir)) {
      Map<Role, String> resellerKeys = new EnumMap<>(Role.class);
      Map<Role, String> directKeys = new EnumMap<>(Role.class);
      for (Who w : WHO) {
        resellerKeys.put(w.role(), f.key(w.role(), w.resellerScope()));
        directKeys.put(w.role(), f.key(w.role(), w.directScope()));
      }
      List<Router.Route> routes = AdminApi.over(f.store).router(f.keys).routes();
      for (Router.Route route : routes) {
        if (!route.template().startsWith("/v1/resellers")
            && !route.template().startsWith("/v1/customers")) {
          continue; // keys and audit: below
        }
        boolean direct = route.template().startsWith("/v1/customers");
        for (Who w : WHO) {
          TenantPath scope = direct ? w.directScope() : w.resellerScope();
          String key = direct ? directKeys.get(w.role()) : resellerKeys.get(w.role());
          List<TenantPath> own =
              direct
                  ? List.of(DIRECT, DIRECT_DOMAIN, ANN)
                  : List.of(ACME, BAKERY, BAKERY_DOMAIN, BOSS);
          List<TenantPath> other =
              direct
                  ? List.of(RIVAL_DIRECT, RIVAL_DIRECT_DOMAIN, ZED)
                  : List.of(OTHER, RIVAL, RIVAL_DOMAIN, EVE);
          for (boolean inside : new boolean[] {true, false}) {
            List<TenantPath> chain = inside ? own : other;
            cells.add(run(f, route, w.role(), scope, key, chain, inside ? "own" : "other"));
            f.ensureTree();
          }
        }
      }
      keyAndAuditCells(f, resellerKeys, cells);
    }
    List<Cell> wrong = cells.stream().filter(c -> c.expected() != c.got()).toList();
    long allowed = cells.stream().filter(c -> c.expected() < 300).count();
    System.out.printf(
        "authorisation matrix: %d cells (routes x 5 roles x inside/outside), %d allowed, %d denied,"
            + " %d wrong%n",
        cells.size(), allowed, cells.size() - allowed, wrong.size());
    assertThat(wrong).isEmpty();
    assertThat(cells).hasSize(74 * 5 * 2);
  }

  /** One tree route as one role against one branch. */
  private Cell run(
      AdminFixture f,
      Router.Route route,
      Role role,
      TenantPath scope,
      String key,
      List<TenantPath> chain,
      String label) {
    String t = route.template();
    // The node the route names: its path variables filled from the branch.
    TenantPath node = TenantPath.root();
    for (TenantPath p : chain) {
      String var = "{" + p.kind().orElseThrow().name().toLowerCase(java.util.Locale.ROOT) + "}";
      if (t.contains(var)) {
        node = p;
      }
    }
    String path = t;
    for (TenantPath.Segment s : node.segments()) {
      path = path.replace("{" + s.kind().name().toLowerCase(java.util.Locale.ROOT) + "}", s.name());
    }
    boolean collection =
        t.endsWith("/resellers")
            || t.endsWith("/customers")
            || t.endsWith("/domains")
            || t.endsWith("/users");
    boolean ownSlice = t.endsWith("/lists") || t.endsWith("/quarantine");
    String method = route.method();
    String body = null;
    String ifMatch = null;
    String suffix = "";
    int success;
    int expected;
    boolean inside = scope.contains(node);
    boolean user = role == Role.USER;
    if (collection) {
      Kind child =
          switch (t.substring(t.lastIndexOf('/') + 1)) {
            case "resellers" -> Kind.RESELLER;
            case "customers" -> Kind.CUSTOMER;
            case "domains" -> Kind.DOMAIN;
            default -> Kind.USER;
          };
      serial++;
      String name = child == Kind.DOMAIN ? "n" + serial + ".example" : "n" + serial;
      body = method.equals("POST") ? "{\"name\":\"" + name + "\"}" : null;
      success = method.equals("POST") ? 201 : 200;
      expected = !inside ? 404 : method.equals("POST") && user ? 403 : success;
    } else {
      ifMatch = method.equals("GET") ? null : "\"" + f.version(node) + "\"";
      switch (method) {
        case "GET" -> {
          success = 200;
          expected = inside ? 200 : 404;
        }
        case "PUT" -> {
          body =
              t.endsWith("/lists")
                  ? "{\"lists\":{\"block\":{\"senders\":[\"x@spam.example\"]}}}"
                  : t.endsWith("/quarantine")
                      ? "{\"quarantine\":false}"
                      : t.endsWith("/route")
                          ? "{\"route\":{\"host\":\"mx.example.net\",\"port\":25}}"
                          : t.endsWith("/brand")
                              ? "{\"name\":\"Brand\",\"support_address\":\"help@brand.example\"}"
                              : "{\"settings\":{\"quarantine\":true}}";
          success = 200;
          expected = !inside ? 404 : user && !ownSlice ? 403 : 200;
        }
        case "DELETE" -> {
          suffix = "?subtree=true";
          success = 204;
          expected = !inside ? 404 : user || node.equals(scope) ? 403 : 204;
        }
        default -> throw new AssertionError(method);
      }
    }
    AdminFixture.Answer a = f.send(method, path + suffix, key, body, ifMatch);
    if (expected == success && a.status() == success && method.equals("GET") && !collection) {
      assertThat(a.header("ETag")).as(path).isNotNull();
    }
    return new Cell(method + " " + t, role, label, expected, a.status());
  }

  /** The key and audit routes: not tree paths, but scoped the same way. */
  private void keyAndAuditCells(AdminFixture f, Map<Role, String> keys, List<Cell> cells) {
    for (Who w : WHO) {
      String key = keys.get(w.role());
      TenantPath own = w.resellerScope();
      // The same level on the other branch (the operator's "outside" is still inside the root).
      TenantPath other =
          switch (w.role()) {
            case OPERATOR -> OTHER;
            case RESELLER_ADMIN -> OTHER;
            case CUSTOMER_ADMIN -> RIVAL;
            case DOMAIN_ADMIN -> RIVAL_DOMAIN;
            case USER -> EVE;
          };
      Role otherRole = w.role() == Role.OPERATOR ? Role.RESELLER_ADMIN : w.role();
      for (boolean inside : new boolean[] {true, false}) {
        TenantPath target = inside ? own : other;
        Role targetRole = inside ? w.role() : otherRole;
        boolean covered = own.contains(target);
        String label = inside ? "own" : "other";
        // GET /v1/keys: lists the key at the target only when covered.
        String targetKeyId = f.keys.issue("t", targetRole, target).record().id();
        AdminFixture.Answer list = f.send("GET", "/v1/keys", key, null, null);
        boolean listed = false;
        for (JsonNode k : list.json().path("items")) {
          listed |= k.path("id").asText().equals(targetKeyId);
        }
        cells.add(
            new Cell(
                "GET /v1/keys",
                w.role(),
                label,
                covered ? 200 : 404,
                list.status() == 200 && listed ? 200 : list.status() == 200 ? 404 : list.status()));
        String body =
            "{\"name\":\"k\",\"role\":\""
                + targetRole.wireName()
                + "\",\"scope\":\""
                + target
                + "\"}";
        int postExpected = w.role() == Role.USER ? 403 : covered ? 201 : 404;
        cells.add(
            new Cell(
                "POST /v1/keys",
                w.role(),
                label,
                postExpected,
                f.send("POST", "/v1/keys", key, body, null).status()));
        cells.add(
            new Cell(
                "GET /v1/keys/{key}",
                w.role(),
                label,
                covered ? 200 : 404,
                f.send("GET", "/v1/keys/" + targetKeyId, key, null, null).status()));
        int deleteExpected = !covered ? 404 : w.role() == Role.USER ? 403 : 204;
        cells.add(
            new Cell(
                "DELETE /v1/keys/{key}",
                w.role(),
                label,
                deleteExpected,
                f.send("DELETE", "/v1/keys/" + targetKeyId, key, null, null).status()));
        // GET /v1/audit: a change at the target is in the principal's log only when covered.
        TenantPath changed = target.isRoot() ? ACME : target;
        long v = f.version(changed);
        f.store.update(
            changed,
            v,
            f.store.get(changed).orElseThrow().settings(),
            f.store.get(changed).orElseThrow().brand(),
            "matrix");
        AdminFixture.Answer audit =
            f.send("GET", "/v1/audit?after=" + v + "&limit=1000", key, null, null);
        boolean seen = false;
        for (JsonNode c : audit.json().path("items")) {
          seen |= c.path("path").asText().equals(changed.toString());
          assertThat(own.contains(TenantPath.parse(c.path("path").asText())))
              .as("audit entry %s visible to %s", c, w.role())
              .isTrue();
        }
        cells.add(
            new Cell(
                "GET /v1/audit",
                w.role(),
                label,
                covered ? 200 : 404,
                audit.status() == 200 && seen
                    ? 200
                    : audit.status() == 200 ? 404 : audit.status()));
      }
    }
  }
}
