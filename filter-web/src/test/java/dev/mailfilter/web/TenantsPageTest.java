package dev.mailfilter.web;

import static dev.mailfilter.web.WebFixture.ACME;
import static dev.mailfilter.web.WebFixture.BAKERY;
import static dev.mailfilter.web.WebFixture.BAKERY_DOMAIN;
import static dev.mailfilter.web.WebFixture.BOSS;
import static dev.mailfilter.web.WebFixture.CLERK;
import static dev.mailfilter.web.WebFixture.EVE;
import static dev.mailfilter.web.WebFixture.OTHER;
import static dev.mailfilter.web.WebFixture.RIVAL;
import static dev.mailfilter.web.WebFixture.RIVAL_DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cluster.Settings;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.admin.Role;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reseller panel over plain HTTP: the authorisation matrix of its pages (each role against
 * every node inside and outside its subtree), its forms and their refusals.
 */
class TenantsPageTest {
  private static final List<TenantPath> NODES =
      List.of(ACME, BAKERY, BAKERY_DOMAIN, BOSS, CLERK, OTHER, RIVAL, RIVAL_DOMAIN, EVE);
  private static final Pattern VERSION = Pattern.compile("name=\"version\" value=\"(\\d+)\"");

  @TempDir Path dir;
  WebFixture web;

  @BeforeEach
  void start() throws Exception {
    web = WebFixture.start(dir, TenantsPage.panel());
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private WebClient as(Role role) throws Exception {
    WebClient c = new WebClient(web);
    assertThat(c.login(web.key(role)).statusCode()).isEqualTo(303);
    return c;
  }

  private static TenantPath scope(Role role) {
    return switch (role) {
      case OPERATOR -> TenantPath.root();
      case RESELLER_ADMIN -> ACME;
      case CUSTOMER_ADMIN -> BAKERY;
      case DOMAIN_ADMIN -> BAKERY_DOMAIN;
      case USER -> BOSS;
    };
  }

  @Test
  void everyRoleSeesTheNodesOfItsSubtreeAndNoOther() throws Exception {
    for (Role role : Role.values()) {
      WebClient c = as(role);
      for (TenantPath node : NODES) {
        HttpResponse<String> r = c.get(TreePaths.page(node));
        boolean inside = scope(role).contains(node);
        assertThat(r.statusCode()).as(role + " GET " + node).isEqualTo(inside ? 200 : 404);
        if (!inside) {
          assertThat(r.body()).as(role + " " + node).doesNotContain("Version</dt>");
        }
      }
    }
  }

  @Test
  void eachRoleLandsOnItsOwnNode() throws Exception {
    for (Role role : Role.values()) {
      HttpResponse<String> r = as(role).get(TenantsPage.PATH);
      if (role == Role.OPERATOR) {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains(">acme</a>", ">other</a>");
      } else {
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).contains(TreePaths.page(scope(role)));
      }
    }
  }

  @Test
  void aResellerAdminListsOnlyItsOwnCustomers() throws Exception {
    String page = as(Role.RESELLER_ADMIN).get(TreePaths.page(ACME)).body();
    assertThat(page).contains(">bakery</a>").doesNotContain("rival");
  }

  @Test
  void aUserCannotOpenAnotherUsersNodeByChangingTheName() throws Exception {
    WebClient c = as(Role.USER);
    assertThat(c.get(TreePaths.page(BOSS)).statusCode()).isEqualTo(200);
    assertThat(c.get(TreePaths.page(CLERK)).statusCode()).isEqualTo(404);
    assertThat(c.get(TreePaths.page(EVE)).statusCode()).isEqualTo(404);
    assertThat(c.get(TreePaths.page(BAKERY_DOMAIN)).statusCode()).isEqualTo(404);
  }

  @Test
  void writesOutsideTheSubtreeAre404AndInsideTheRoleAre403() throws Exception {
    WebClient reseller = as(Role.RESELLER_ADMIN);
    reseller.get(TreePaths.page(ACME));
    HttpResponse<String> outside =
        reseller.post(
            TreePaths.page(RIVAL) + "/settings", Map.of("settings", "{}", "version", "1"));
    assertThat(outside.statusCode()).isEqualTo(404);
    HttpResponse<String> delete =
        reseller.post(TreePaths.page(OTHER) + "/delete", Map.of("version", "1"));
    assertThat(delete.statusCode()).isEqualTo(404);
    assertThat(web.store.get(OTHER)).isPresent();

    WebClient user = as(Role.USER);
    String page = user.get(TreePaths.page(BOSS)).body();
    assertThat(page).doesNotContain("Own settings").contains("Allow and block lists");
    HttpResponse<String> settings =
        user.post(
            TreePaths.page(BOSS) + "/settings",
            Map.of("settings", "{\"actions\":{\"reject\":1}}", "version", version(page)));
    assertThat(settings.statusCode()).isEqualTo(403);
    assertThat(web.store.get(BOSS).orElseThrow().settings()).isEqualTo(Settings.empty());
  }

  @Test
  void aPostWithoutTheCsrfTokenChangesNothing() throws Exception {
    WebClient c = as(Role.CUSTOMER_ADMIN);
    String page = c.get(TreePaths.page(BAKERY)).body();
    c.forgetCsrf();
    HttpResponse<String> r =
        c.postRaw(
            TreePaths.page(BAKERY) + "/settings",
            Map.of("settings", "{\"actions\":{\"add_header\":3}}", "version", version(page)));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(web.store.get(BAKERY).orElseThrow().settings()).isEqualTo(Settings.empty());
  }

  @Test
  void settingsAreSavedAndShownWithTheLevelTheyComeFrom() throws Exception {
    WebClient reseller = as(Role.RESELLER_ADMIN);
    String acme = reseller.get(TreePaths.page(ACME)).body();
    HttpResponse<String> saved =
        reseller.post(
            TreePaths.page(ACME) + "/settings",
            Map.of(
                "settings",
                "{\"actions\": {\"add_header\": 4, \"reject\": 12},"
                    + " \"lists\": {\"block\": {\"senders\": [\"a@spam.example\"]}}}",
                "version",
                version(acme)));
    assertThat(saved.statusCode()).isEqualTo(303);
    WebClient customer = as(Role.CUSTOMER_ADMIN);
    String bakery = customer.get(TreePaths.page(BAKERY)).body();
    customer.post(
        TreePaths.page(BAKERY) + "/settings",
        Map.of(
            "settings",
            "{\"actions\": {\"add_header\": 5},"
                + " \"lists\": {\"block\": {\"senders\": [\"b@spam.example\"]}}}",
            "version",
            version(bakery)));
    String domain = as(Role.DOMAIN_ADMIN).get(TreePaths.page(BAKERY_DOMAIN)).body();
    assertThat(row(domain, "actions.add_header")).contains("5", "customer bakery");
    assertThat(row(domain, "actions.reject")).contains("12", "reseller acme");
    assertThat(domain).contains("a@spam.example").contains("b@spam.example").contains("(adds up)");
  }

  @Test
  void invalidSettingsAreRefusedWithTheFieldAndKeepWhatWasTyped() throws Exception {
    WebClient c = as(Role.CUSTOMER_ADMIN);
    String page = c.get(TreePaths.page(BAKERY)).body();
    HttpResponse<String> notJson =
        c.post(
            TreePaths.page(BAKERY) + "/settings",
            Map.of("settings", "{\"actions\": ", "version", version(page)));
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(notJson.body()).contains("not JSON").contains("{&quot;actions&quot;: ");
    HttpResponse<String> badKey =
        c.post(
            TreePaths.page(BAKERY) + "/settings",
            Map.of("settings", "{\"actoins\": {}}", "version", version(page)));
    assertThat(badKey.statusCode()).isEqualTo(400);
    assertThat(badKey.body()).contains("actoins");
  }

  @Test
  void aStaleFormIsRefusedWith409() throws Exception {
    WebClient c = as(Role.CUSTOMER_ADMIN);
    String page = c.get(TreePaths.page(BAKERY)).body();
    String v = version(page);
    assertThat(
            c.post(
                    TreePaths.page(BAKERY) + "/settings",
                    Map.of("settings", "{\"actions\": {\"add_header\": 5}}", "version", v))
                .statusCode())
        .isEqualTo(303);
    HttpResponse<String> stale =
        c.post(
            TreePaths.page(BAKERY) + "/settings",
            Map.of("settings", "{\"actions\": {\"add_header\": 7}}", "version", v));
    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(stale.body()).contains("changed this meanwhile");
  }

  @Test
  void childrenAreCreatedListedAPageAtATimeAndDeleted() throws Exception {
    for (int i = 0; i < 25; i++) {
      web.store.create(
          OTHER.child(TenantPath.Kind.CUSTOMER, String.format("c%02d", i)),
          Settings.empty(),
          Optional.empty(),
          "test");
    }
    WebClient op = as(Role.OPERATOR);
    String first = op.get(TreePaths.page(OTHER)).body();
    assertThat(count(first, "<tr><td><a href=\"/tenants/resellers/other/customers/"))
        .isEqualTo(TenantsPage.PAGE_SIZE);
    Matcher next = Pattern.compile("href=\"([^\"]+)\" rel=\"next\"").matcher(first);
    assertThat(next.find()).isTrue();
    String second = op.get(next.group(1).replace("&amp;", "&")).body();
    assertThat(count(second, "<tr><td><a href=\"/tenants/resellers/other/customers/"))
        .isEqualTo(26 - TenantsPage.PAGE_SIZE);
    assertThat(second).doesNotContain("rel=\"next\"").contains("First page");

    WebClient domainAdmin = as(Role.DOMAIN_ADMIN);
    domainAdmin.get(TreePaths.page(BAKERY_DOMAIN));
    HttpResponse<String> created =
        domainAdmin.post(
            TreePaths.page(BAKERY_DOMAIN) + "/create", Map.of("kind", "users", "name", "baker"));
    assertThat(created.statusCode()).isEqualTo(303);
    TenantPath baker = BAKERY_DOMAIN.child(TenantPath.Kind.USER, "baker");
    assertThat(web.store.get(baker)).isPresent();
    String bakerPage = domainAdmin.get(TreePaths.page(baker)).body();
    HttpResponse<String> deleted =
        domainAdmin.post(TreePaths.page(baker) + "/delete", Map.of("version", version(bakerPage)));
    assertThat(deleted.statusCode()).isEqualTo(303);
    assertThat(web.store.get(baker)).isEmpty();
  }

  @Test
  void aDomainsRouteIsSetFromItsForm() throws Exception {
    WebClient c = as(Role.DOMAIN_ADMIN);
    String page = c.get(TreePaths.page(BAKERY_DOMAIN)).body();
    HttpResponse<String> r =
        c.post(
            TreePaths.page(BAKERY_DOMAIN) + "/route",
            Map.of(
                "host",
                "mail.bakery.example",
                "port",
                "2525",
                "tls",
                "verify",
                "version",
                version(page)));
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(web.store.get(BAKERY_DOMAIN).orElseThrow().settings().values().get("route"))
        .isEqualTo(
            Map.of("host", "mail.bakery.example", "port", 2525L, "mx", false, "tls", "verify"));
    String again = c.get(TreePaths.page(BAKERY_DOMAIN)).body();
    HttpResponse<String> bad =
        c.post(
            TreePaths.page(BAKERY_DOMAIN) + "/route",
            Map.of("host", "mail.bakery.example", "port", "many", "version", version(again)));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("route.port");
  }

  @Test
  void theBrandIsEditedByItsResellerAndWornByItsCustomersPages() throws Exception {
    WebClient reseller = as(Role.RESELLER_ADMIN);
    HttpResponse<String> shortcut = reseller.get("/brand");
    assertThat(shortcut.headers().firstValue("Location")).contains("/tenants/resellers/acme/brand");
    String form = reseller.get("/tenants/resellers/acme/brand").body();
    HttpResponse<String> saved =
        reseller.post(
            "/tenants/resellers/acme/brand",
            Map.of(
                "name", "Acme <Secure> Mail",
                "support_address", "help@acme.example",
                "logo_url", "",
                "colour_primary", "#004d40",
                "colour_accent", "#bf360c",
                "host_names", "mail.acme.example\npanel.acme.example",
                "version", version(form)));
    assertThat(saved.statusCode()).isEqualTo(303);
    WebClient customer = as(Role.CUSTOMER_ADMIN);
    assertThat(customer.get("/").body())
        .contains("Acme &lt;Secure&gt; Mail")
        .contains("help@acme.example");
    assertThat(customer.get("/brand.css").body()).contains("--primary: #004d40");
    assertThat(customer.get("/brand").statusCode()).isEqualTo(404); // a reseller admin's page
    assertThat(customer.get("/tenants/resellers/acme/brand").statusCode()).isEqualTo(404);
    HttpResponse<String> bad =
        reseller.post(
            "/tenants/resellers/acme/brand",
            Map.of(
                "name", "Acme",
                "support_address", "nobody",
                "version", version(reseller.get("/tenants/resellers/acme/brand").body())));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("support_address");
  }

  @Test
  void anAdminGivesALoginBelowItAndRevokesIt() throws Exception {
    WebClient customer = as(Role.CUSTOMER_ADMIN);
    customer.get(TreePaths.page(BAKERY_DOMAIN));
    HttpResponse<String> made =
        customer.post(
            TreePaths.page(BAKERY_DOMAIN) + "/logins", Map.of("name", "dan@bakery.example"));
    assertThat(made.statusCode()).isEqualTo(201);
    Matcher key = Pattern.compile("value=\"(mfk_[^\"]+)\"").matcher(made.body());
    assertThat(key.find()).isTrue();
    WebClient dan = new WebClient(web);
    assertThat(dan.login(key.group(1)).statusCode()).isEqualTo(303);
    assertThat(dan.get(TenantsPage.PATH).headers().firstValue("Location"))
        .contains(TreePaths.page(BAKERY_DOMAIN));
    String page = customer.get(TreePaths.page(BAKERY_DOMAIN)).body();
    assertThat(page).contains("dan@bakery.example").doesNotContain(key.group(1));
    String id = key.group(1).substring(4, key.group(1).indexOf('_', 4));
    assertThat(
            customer
                .post(TreePaths.page(BAKERY_DOMAIN) + "/revoke", Map.of("key", id))
                .statusCode())
        .isEqualTo(303);
    assertThat(new WebClient(web).login(key.group(1)).statusCode()).isEqualTo(401);
  }

  @Test
  void loginsCannotBeMadeOutsideTheSubtreeNorByAUser() throws Exception {
    WebClient reseller = as(Role.RESELLER_ADMIN);
    reseller.get(TreePaths.page(ACME));
    assertThat(reseller.post(TreePaths.page(RIVAL) + "/logins", Map.of("name", "x")).statusCode())
        .isEqualTo(404);
    String otherKeyId = web.keys.issue("o", Role.RESELLER_ADMIN, OTHER).record().id();
    assertThat(
            reseller.post(TreePaths.page(ACME) + "/revoke", Map.of("key", otherKeyId)).statusCode())
        .isEqualTo(404);
    assertThat(web.keys.get(otherKeyId)).isPresent();
    WebClient user = as(Role.USER);
    String page = user.get(TreePaths.page(BOSS)).body();
    assertThat(page).doesNotContain("Logins");
    assertThat(user.post(TreePaths.page(BOSS) + "/logins", Map.of("name", "x")).statusCode())
        .isEqualTo(403);
  }

  private static String version(String page) {
    Matcher m = VERSION.matcher(page);
    assertThat(m.find()).as("a form with a version").isTrue();
    return m.group(1);
  }

  private static String row(String page, String key) {
    int at = page.indexOf("<code>" + key + "</code>");
    assertThat(at).as(key).isPositive();
    return page.substring(at, page.indexOf("</tr>", at));
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
      n++;
    }
    return n;
  }
}
