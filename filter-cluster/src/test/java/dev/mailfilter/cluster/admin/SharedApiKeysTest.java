package dev.mailfilter.cluster.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cluster.RedisTenantStore;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.testkit.RedisServer;
import io.lettuce.core.RedisURI;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API of two nodes on one real Redis: a key made through one is accepted by the other, a
 * revocation through one holds on the other at its next request, and both are in the key audit log
 * with the principal and without the secret.
 */
class SharedApiKeysTest {
  @TempDir Path dir;

  static int status(AdminServer s, String method, String path, String key) throws Exception {
    HttpRequest r =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.address().getPort() + path))
            .header("Authorization", "Bearer " + key)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    try (HttpClient c = HttpClient.newHttpClient()) {
      return c.send(r, HttpResponse.BodyHandlers.ofString()).statusCode();
    }
  }

  static String made(AdminServer s, String key) throws Exception {
    HttpRequest r =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.address().getPort() + "/v1/keys"))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"name\":\"helper\",\"role\":\"customer_admin\","
                        + "\"scope\":\"reseller:acme/customer:bakery\"}"))
            .build();
    try (HttpClient c = HttpClient.newHttpClient()) {
      HttpResponse<String> a = c.send(r, HttpResponse.BodyHandlers.ofString());
      assertThat(a.statusCode()).as(a.body()).isEqualTo(201);
      return Json.MAPPER.readTree(a.body()).path("key").asText();
    }
  }

  static AdminServer server(RedisTenantStore store) throws Exception {
    return AdminServer.builder()
        .listen(new InetSocketAddress("127.0.0.1", 0))
        .keys(ApiKeys.inStore(store))
        .api(AdminApi.over(store))
        .start();
  }

  @Test
  void aKeyMadeOnOneNodeWorksOnTheOtherAndItsRevocationHoldsOnBoth() throws Exception {
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"))) {
      RedisURI uri = RedisURI.create("127.0.0.1", redis.port());
      try (RedisTenantStore storeA = RedisTenantStore.connect(RedisTenantStore.Options.of(uri));
          RedisTenantStore storeB = RedisTenantStore.connect(RedisTenantStore.Options.of(uri));
          AdminServer a = server(storeA);
          AdminServer b = server(storeB)) {
        storeA.create(
            TenantPath.reseller("acme"),
            dev.mailfilter.cluster.Settings.empty(),
            java.util.Optional.empty(),
            "op");
        storeA.create(
            TenantPath.reseller("acme").child(TenantPath.Kind.CUSTOMER, "bakery"),
            dev.mailfilter.cluster.Settings.empty(),
            java.util.Optional.empty(),
            "op");
        String operator =
            ApiKeys.inStore(storeA).issue("ops", Role.OPERATOR, TenantPath.root()).key();
        assertThat(status(b, "GET", "/v1/resellers/acme", operator)).isEqualTo(200);
        String helper = made(a, operator);
        String helperId = helper.substring(4, helper.indexOf('_', 4));
        assertThat(status(b, "GET", "/v1/resellers/acme/customers/bakery", helper)).isEqualTo(200);
        assertThat(status(b, "DELETE", "/v1/keys/" + helperId, operator)).isEqualTo(204);
        assertThat(status(a, "GET", "/v1/resellers/acme/customers/bakery", helper)).isEqualTo(401);
        assertThat(status(b, "GET", "/v1/resellers/acme/customers/bakery", helper)).isEqualTo(401);
        List<ApiKeys.KeyEvent> audit = ApiKeys.inStore(storeB).audit(100);
        assertThat(audit)
            .extracting(ApiKeys.KeyEvent::op)
            .containsExactly("issue", "issue", "revoke");
        String operatorId = operator.substring(4, operator.indexOf('_', 4));
        assertThat(audit.get(1).keyId()).isEqualTo(helperId);
        assertThat(audit.get(1).by()).contains("key:" + operatorId).contains("operator");
        assertThat(audit.get(2).by()).contains("key:" + operatorId);
        assertThat(audit.get(2).scope()).isEqualTo("reseller:acme/customer:bakery");
        assertThat(audit.toString())
            .doesNotContain(helper.substring(helper.indexOf('_', 4) + 1))
            .doesNotContain(operator.substring(operator.indexOf('_', 4) + 1));
      }
    }
  }

  @Test
  void keysInAFileAreAuditedBesideIt() throws Exception {
    ApiKeys keys = ApiKeys.open(dir.resolve("keys.json"));
    ApiKeys.Issued k = keys.issue("ops", Role.OPERATOR, TenantPath.root());
    keys.revoke(k.record().id(), "key:abc operator ops");
    List<ApiKeys.KeyEvent> audit = ApiKeys.open(dir.resolve("keys.json")).audit(10);
    assertThat(audit).extracting(ApiKeys.KeyEvent::op).containsExactly("issue", "revoke");
    assertThat(audit.get(1).by()).isEqualTo("key:abc operator ops");
    assertThat(java.nio.file.Files.readString(dir.resolve("keys.json.audit.jsonl")))
        .doesNotContain(k.key().substring(k.key().indexOf('_', 4) + 1));
  }
}
