package dev.mailfilter.cluster.admin;

import static dev.mailfilter.cluster.admin.AdminFixture.ACME;
import static dev.mailfilter.cluster.admin.AdminFixture.BAKERY;
import static dev.mailfilter.cluster.admin.AdminFixture.BAKERY_DOMAIN;
import static dev.mailfilter.cluster.admin.AdminFixture.BOSS;
import static dev.mailfilter.cluster.admin.AdminFixture.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailfilter.cluster.TenantPath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API through a real HTTP client against the server on a free loopback port, over the
 * file store: every kind of endpoint, and every error (400 with the field's path, 401, 403, 404,
 * 405, 409, 413, 428, malformed JSON).
 */
class AdminApiTest {
  @TempDir Path dir;
  AdminFixture f;
  String op;

  @BeforeEach
  void start() throws Exception {
    f = new AdminFixture(dir, 4096);
    op = f.operatorKey;
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private AdminFixture.Answer send(String method, String path, String body, String ifMatch) {
    return f.send(method, path, op, body, ifMatch);
  }

  @Test
  void createsReadsUpdatesAndDeletesATreeThroughEveryLevel() {
    AdminFixture.Answer r =
        send(
            "POST",
            "/v1/resellers",
            "{\"name\":\"north\",\"settings\":{\"actions\":{\"reject\":20}},"
                + "\"brand\":{\"name\":\"North Mail\",\"support_address\":\"help@north.example\","
                + "\"colours\":{\"primary\":\"#112233\"},\"host_names\":[\"mail.north.example\"]}}",
            null);
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().path("path").asText()).isEqualTo("reseller:north");
    assertThat(r.json().path("settings").path("actions").path("reject").asInt()).isEqualTo(20);
    assertThat(r.header("ETag")).isEqualTo("\"" + r.json().path("version").asLong() + "\"");
    assertThat(send("POST", "/v1/resellers/north/customers", "{\"name\":\"shop\"}", null).status())
        .isEqualTo(201);
    assertThat(
            send(
                    "POST",
                    "/v1/resellers/north/customers/shop/domains",
                    "{\"name\":\"Shop.Example\",\"settings\":{\"route\":{\"host\":\"mx.shop.example\",\"port\":25}}}",
                    null)
                .json()
                .path("name")
                .asText())
        .isEqualTo("shop.example");
    String user = "/v1/resellers/north/customers/shop/domains/shop.example/users/anna";
    assertThat(
            send(
                    "POST",
                    "/v1/resellers/north/customers/shop/domains/shop.example/users",
                    "{\"name\":\"Anna\"}",
                    null)
                .status())
        .isEqualTo(201);

    AdminFixture.Answer got = send("GET", user, null, null);
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json().path("changed_by").asText()).contains("operator root");
    AdminFixture.Answer put =
        send("PUT", user, "{\"settings\":{\"actions\":{\"reject\":8}}}", got.header("ETag"));
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.json().path("version").asLong())
        .isGreaterThan(got.json().path("version").asLong());
    assertThat(
            send("GET", user, null, null)
                .json()
                .path("settings")
                .path("actions")
                .path("reject")
                .asInt())
        .isEqualTo(8);

    assertThat(send("DELETE", user, null, put.header("ETag")).status()).isEqualTo(204);
    assertThat(send("GET", user, null, null).status()).isEqualTo(404);
  }

  @Test
  void listsChildrenAPageAtATimeFollowingTheCursor() {
    for (int i = 0; i < 5; i++) {
      assertThat(send("POST", url(ACME) + "/customers", "{\"name\":\"c" + i + "\"}", null).status())
          .isEqualTo(201);
    }
    List<String> names = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      String q =
          "?limit=2"
              + (cursor == null
                  ? ""
                  : "&cursor="
                      + java.net.URLEncoder.encode(
                          cursor, java.nio.charset.StandardCharsets.UTF_8));
      AdminFixture.Answer a = send("GET", url(ACME) + "/customers" + q, null, null);
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.json().path("items").size()).isLessThanOrEqualTo(2);
      a.json().path("items").forEach(t -> names.add(t.path("name").asText()));
      cursor = a.json().path("next_cursor").isNull() ? null : a.json().path("next_cursor").asText();
      pages++;
    } while (cursor != null && pages < 10);
    assertThat(names).containsExactly("bakery", "c0", "c1", "c2", "c3", "c4");
    assertThat(pages).isEqualTo(3);
  }

  @Test
  void aLimitOutOfRangeOrAForeignCursorIs400NamingTheParameter() {
    AdminFixture.Answer a = send("GET", "/v1/resellers?limit=0", null, null);
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().path("fields").get(0).path("path").asText()).isEqualTo("?limit");
    AdminFixture.Answer c = send("GET", "/v1/resellers?cursor=nonsense", null, null);
    assertThat(c.status()).isEqualTo(400);
    assertThat(c.json().path("fields").get(0).path("path").asText()).isEqualTo("?cursor");
  }

  @Test
  void invalidSettingsAre400WithTheFieldsPathAndReason() {
    AdminFixture.Answer a =
        send(
            "PUT",
            url(BAKERY),
            "{\"settings\":{\"actions\":{\"reject\":\"high\"}}}",
            "\"" + f.version(BAKERY) + "\"");
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().path("error").asText()).isEqualTo("invalid");
    JsonNode field = a.json().path("fields").get(0);
    assertThat(field.path("path").asText()).isEqualTo("settings.actions.reject");
    assertThat(field.path("reason").asText()).isNotBlank();
    System.out.println("400 for actions.reject=\"high\": " + a.json());
  }

  @Test
  void aBadNameAnUnknownFieldAndABadBrandColourEachNameTheirPath() {
    assertThat(path(send("POST", "/v1/resellers", "{\"name\":\"no spaces\"}", null)))
        .isEqualTo("name");
    assertThat(path(send("POST", "/v1/resellers", "{\"name\":\"ok\",\"colour\":1}", null)))
        .isEqualTo("colour");
    assertThat(path(send("POST", url(ACME) + "/customers", "{}", null))).isEqualTo("name");
    assertThat(
            path(
                send(
                    "PUT",
                    url(ACME) + "/brand",
                    "{\"name\":\"A\",\"support_address\":\"help@a.example\",\"colours\":{\"primary\":\"red\"}}",
                    "\"" + f.version(ACME) + "\"")))
        .isEqualTo("colours.primary");
    assertThat(path(send("POST", "/v1/resellers", "[1,2]", null))).isEqualTo("");
  }

  private static String path(AdminFixture.Answer a) {
    assertThat(a.status()).as(a.raw().body()).isEqualTo(400);
    return a.json().path("fields").get(0).path("path").asText();
  }

  @Test
  void malformedJsonIs400SayingWhere() {
    AdminFixture.Answer a = send("POST", "/v1/resellers", "{\"name\": \"x\",", null);
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().path("error").asText()).isEqualTo("malformed_json");
    assertThat(a.json().path("message").asText()).contains("line 1");
    assertThat(send("POST", "/v1/resellers", "{\"name\":\"x\"} trailing", null).status())
        .isEqualTo(400);
    assertThat(send("POST", "/v1/resellers", "{\"name\":\"x\",\"name\":\"y\"}", null).status())
        .isEqualTo(400);
    assertThat(send("POST", "/v1/resellers", "", null).status()).isEqualTo(400);
  }

  @Test
  void aMissingUnknownOrRevokedKeyIs401() {
    AdminFixture.Answer none = f.send("GET", "/v1/resellers", null, null, null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(f.send("GET", "/v1/resellers", "mfk_00_nope", null, null).status()).isEqualTo(401);
    String key = f.key(Role.RESELLER_ADMIN, ACME);
    String forged = key.substring(0, key.length() - 2) + (key.endsWith("A") ? "BB" : "AA");
    assertThat(f.send("GET", url(ACME), forged, null, null).status()).isEqualTo(401);
    assertThat(f.send("GET", url(ACME), key, null, null).status()).isEqualTo(200);
    String id = key.split("_")[1];
    assertThat(send("DELETE", "/v1/keys/" + id, null, null).status()).isEqualTo(204);
    assertThat(f.send("GET", url(ACME), key, null, null).status()).isEqualTo(401);
  }

  @Test
  void anUnknownPathIs404AndAnotherMethodIs405WithAllow() {
    assertThat(send("GET", "/v1/nothing", null, null).status()).isEqualTo(404);
    assertThat(send("GET", url(ACME) + "/customers/nobody", null, null).status()).isEqualTo(404);
    assertThat(
            send("GET", "/v1/resellers/acme/customers/bakery/domains/not_a..domain", null, null)
                .status())
        .isEqualTo(404);
    AdminFixture.Answer a = send("DELETE", "/v1/resellers", null, null);
    assertThat(a.status()).isEqualTo(405);
    assertThat(a.header("Allow")).isEqualTo("GET, POST");
    assertThat(a.json().path("error").asText()).isEqualTo("method_not_allowed");
  }

  @Test
  void aStaleIfMatchIs409AndAMissingOneIs428() {
    String v = "\"" + f.version(BAKERY) + "\"";
    assertThat(send("PUT", url(BAKERY), "{\"settings\":{}}", v).status()).isEqualTo(200);
    AdminFixture.Answer stale = send("PUT", url(BAKERY), "{\"settings\":{}}", v);
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.json().path("error").asText()).isEqualTo("stale");
    assertThat(send("PUT", url(BAKERY), "{\"settings\":{}}", null).status()).isEqualTo(428);
    assertThat(send("DELETE", url(BOSS), null, null).status()).isEqualTo(428);
    assertThat(send("DELETE", url(BOSS), null, "\"x\"").status()).isEqualTo(400);
  }

  @Test
  void aDuplicateCreateAndADeleteOfANodeWithChildrenWithoutSubtreeAre409() {
    assertThat(send("POST", "/v1/resellers", "{\"name\":\"acme\"}", null).status()).isEqualTo(409);
    // A domain sits only once in the tree.
    assertThat(
            send(
                    "POST",
                    url(TenantPath.customer("direct")) + "/domains",
                    "{\"name\":\"bakery.example\"}",
                    null)
                .status())
        .isEqualTo(409);
    String v = "\"" + f.version(BAKERY_DOMAIN) + "\"";
    assertThat(send("DELETE", url(BAKERY_DOMAIN), null, v).status()).isEqualTo(409);
    assertThat(send("DELETE", url(BAKERY_DOMAIN) + "?subtree=true", null, v).status())
        .isEqualTo(204);
    assertThat(send("GET", url(BOSS), null, null).status()).isEqualTo(404);
  }

  @Test
  void aBodyOverTheLimitIs413() {
    String big = "{\"name\":\"x\",\"settings\":{\"scores\":{\"A\":\"" + "y".repeat(5000) + "\"}}}";
    AdminFixture.Answer a = send("POST", "/v1/resellers", big, null);
    assertThat(a.status()).isEqualTo(413);
    assertThat(a.json().path("error").asText()).isEqualTo("too_large");
  }

  @Test
  void listsQuarantineRouteAndBrandAreReadAndReplacedAsSlices() {
    String lists = url(BOSS) + "/lists";
    AdminFixture.Answer before = send("GET", lists, null, null);
    assertThat(before.json().path("lists").isNull()).isTrue();
    AdminFixture.Answer put =
        send(
            "PUT",
            lists,
            "{\"lists\":{\"block\":{\"senders\":[\"spam@bad.example\"]}}}",
            before.header("ETag"));
    assertThat(put.status()).as(put.raw().body()).isEqualTo(200);
    assertThat(
            send("GET", url(BOSS), null, null)
                .json()
                .path("settings")
                .path("lists")
                .path("block")
                .path("senders")
                .get(0)
                .asText())
        .isEqualTo("spam@bad.example");
    AdminFixture.Answer q =
        send("PUT", url(BOSS) + "/quarantine", "{\"quarantine\":false}", put.header("ETag"));
    assertThat(q.status()).isEqualTo(200);
    assertThat(q.json().path("quarantine").asBoolean(true)).isFalse();
    AdminFixture.Answer route =
        send(
            "PUT",
            url(BAKERY_DOMAIN) + "/route",
            "{\"route\":{\"host\":\"mx.bakery.example\",\"port\":2525}}",
            "\"" + f.version(BAKERY_DOMAIN) + "\"");
    assertThat(route.status()).as(route.raw().body()).isEqualTo(200);
    assertThat(
            send("GET", url(BAKERY_DOMAIN) + "/route", null, null)
                .json()
                .path("route")
                .path("port")
                .asInt())
        .isEqualTo(2525);
    AdminFixture.Answer badRoute =
        send(
            "PUT",
            url(BAKERY_DOMAIN) + "/route",
            "{\"route\":{\"host\":\"mx.bakery.example\",\"port\":99999}}",
            route.header("ETag"));
    assertThat(badRoute.status()).isEqualTo(400);
    assertThat(badRoute.json().path("fields").get(0).path("path").asText()).startsWith("route");
    AdminFixture.Answer brand =
        send(
            "PUT",
            url(ACME) + "/brand",
            "{\"name\":\"Acme Shield\",\"support_address\":\"help@acme.example\",\"logo_url\":\"https://acme.example/logo.png\"}",
            "\"" + f.version(ACME) + "\"");
    assertThat(brand.status()).isEqualTo(200);
    assertThat(send("GET", url(ACME) + "/brand", null, null).json().path("name").asText())
        .isEqualTo("Acme Shield");
    // A user changes its own lists, but not its own settings.
    String boss = f.key(Role.USER, BOSS);
    String etag = "\"" + f.version(BOSS) + "\"";
    assertThat(f.send("PUT", lists, boss, "{\"lists\":null}", etag).status()).isEqualTo(200);
    assertThat(
            f.send("PUT", url(BOSS), boss, "{\"settings\":{}}", "\"" + f.version(BOSS) + "\"")
                .status())
        .isEqualTo(403);
  }

  @Test
  void everyChangeIsInTheAuditLogWithItsPrincipal() {
    String acme = f.key(Role.RESELLER_ADMIN, ACME);
    assertThat(
            f.send("POST", url(ACME) + "/customers", acme, "{\"name\":\"audited\"}", null).status())
        .isEqualTo(201);
    AdminFixture.Answer a = f.send("GET", "/v1/audit?limit=1000", acme, null, null);
    assertThat(a.status()).isEqualTo(200);
    JsonNode last = a.json().path("items").get(a.json().path("items").size() - 1);
    assertThat(last.path("op").asText()).isEqualTo("create");
    assertThat(last.path("path").asText()).isEqualTo("reseller:acme/customer:audited");
    assertThat(last.path("principal").asText()).startsWith("key:").contains("reseller_admin");
    for (JsonNode c : a.json().path("items")) {
      assertThat(c.path("path").asText()).startsWith("reseller:acme");
    }
    assertThat(f.send("GET", "/v1/audit?after=x", acme, null, null).status()).isEqualTo(400);
  }

  @Test
  void aCustomerAdminDelegatesADomainAdminKeyShownOnceAndNeverListed() {
    String customer = f.key(Role.CUSTOMER_ADMIN, BAKERY);
    AdminFixture.Answer made =
        f.send(
            "POST",
            "/v1/keys",
            customer,
            "{\"name\":\"postmaster\",\"role\":\"domain_admin\",\"scope\":\""
                + BAKERY_DOMAIN
                + "\"}",
            null);
    assertThat(made.status()).isEqualTo(201);
    String key = made.json().path("key").asText();
    assertThat(key).startsWith("mfk_");
    assertThat(f.send("GET", url(BAKERY_DOMAIN), key, null, null).status()).isEqualTo(200);
    assertThat(f.send("GET", url(BAKERY), key, null, null).status()).isEqualTo(404);
    AdminFixture.Answer list = f.send("GET", "/v1/keys", customer, null, null);
    // The secret follows the id's underscore; base64url secrets may hold '_' themselves.
    assertThat(list.raw().body()).doesNotContain(key.substring(key.indexOf('_', 4) + 1));
    assertThat(list.json().path("items").findValuesAsText("id"))
        .contains(made.json().path("id").asText());
    // A role that does not fit the scope's level, and a key above one's own node.
    assertThat(
            f.send(
                    "POST",
                    "/v1/keys",
                    customer,
                    "{\"name\":\"x\",\"role\":\"user\",\"scope\":\"" + BAKERY_DOMAIN + "\"}",
                    null)
                .json()
                .path("fields")
                .get(0)
                .path("path")
                .asText())
        .isEqualTo("scope");
    assertThat(
            f.send(
                    "POST",
                    "/v1/keys",
                    customer,
                    "{\"name\":\"x\",\"role\":\"reseller_admin\",\"scope\":\"" + ACME + "\"}",
                    null)
                .status())
        .isEqualTo(404);
  }
}
