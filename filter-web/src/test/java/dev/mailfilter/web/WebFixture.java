package dev.mailfilter.web;

import dev.mailfilter.cluster.Brand;
import dev.mailfilter.cluster.FileTenantStore;
import dev.mailfilter.cluster.Settings;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.WriteResult;
import dev.mailfilter.cluster.admin.ApiKeys;
import dev.mailfilter.cluster.admin.Role;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real web server on a free loopback port over a {@link FileTenantStore} in a temporary
 * directory, with a tree of two branches and a key for each role inside the first: reseller acme >
 * customer bakery > bakery.example > user boss (and user clerk), and outside it reseller other >
 * rival > rival.example > eve. Acme has a brand. The clock is the test's.
 *
 * <pre>{@code
 * try (WebFixture web = WebFixture.start(dir, List.of(new MyPage()))) { ... web.url("/x") ... }
 * }</pre>
 */
final class WebFixture implements AutoCloseable {
  static final TenantPath ACME = TenantPath.reseller("acme");
  static final TenantPath BAKERY = ACME.child(TenantPath.Kind.CUSTOMER, "bakery");
  static final TenantPath BAKERY_DOMAIN = BAKERY.child(TenantPath.Kind.DOMAIN, "bakery.example");
  static final TenantPath BOSS = BAKERY_DOMAIN.child(TenantPath.Kind.USER, "boss");
  static final TenantPath CLERK = BAKERY_DOMAIN.child(TenantPath.Kind.USER, "clerk");
  static final TenantPath OTHER = TenantPath.reseller("other");
  static final TenantPath RIVAL = OTHER.child(TenantPath.Kind.CUSTOMER, "rival");
  static final TenantPath RIVAL_DOMAIN = RIVAL.child(TenantPath.Kind.DOMAIN, "rival.example");
  static final TenantPath EVE = RIVAL_DOMAIN.child(TenantPath.Kind.USER, "eve");

  static final Brand ACME_BRAND =
      new Brand(
          "Acme Mail Shield",
          "support@acme.example",
          Optional.empty(),
          Map.of("primary", "#6a1b9a", "accent", "#00695c"),
          List.of("mail.acme.example"));

  final TenantStore store;
  final ApiKeys keys = ApiKeys.inMemory();
  final TestClock clock = new TestClock();
  final WebServer server;
  final String operatorKey;
  final String resellerKey;
  final String customerKey;
  final String domainKey;
  final String userKey;

  private WebFixture(Path dir, List<WebPage> pages, WebSettings settings) throws IOException {
    store = FileTenantStore.open(dir);
    for (TenantPath p :
        List.of(ACME, BAKERY, BAKERY_DOMAIN, BOSS, CLERK, OTHER, RIVAL, RIVAL_DOMAIN, EVE)) {
      WriteResult w =
          store.create(
              p,
              Settings.empty(),
              p.equals(ACME) ? Optional.of(ACME_BRAND) : Optional.empty(),
              "test");
      if (!(w instanceof WriteResult.Written)) {
        throw new IllegalStateException("cannot create " + p + ": " + w);
      }
    }
    operatorKey = keys.issue("operator", Role.OPERATOR, TenantPath.root()).key();
    resellerKey = keys.issue("rita@acme.example", Role.RESELLER_ADMIN, ACME).key();
    customerKey = keys.issue("carl@bakery.example", Role.CUSTOMER_ADMIN, BAKERY).key();
    domainKey = keys.issue("dora@bakery.example", Role.DOMAIN_ADMIN, BAKERY_DOMAIN).key();
    userKey = keys.issue("boss@bakery.example", Role.USER, BOSS).key();
    server =
        WebServer.builder()
            .store(store)
            .keys(keys)
            .settings(
                settings.withListen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
            .clock(clock)
            .pages(pages)
            .start();
  }

  static WebFixture start(Path dir, List<? extends WebPage> pages) throws IOException {
    return start(dir, pages, WebSettings.defaults());
  }

  static WebFixture start(Path dir, List<? extends WebPage> pages, WebSettings settings)
      throws IOException {
    return new WebFixture(dir, new ArrayList<>(pages), settings);
  }

  /** The key of a role's test principal. */
  String key(Role role) {
    return switch (role) {
      case OPERATOR -> operatorKey;
      case RESELLER_ADMIN -> resellerKey;
      case CUSTOMER_ADMIN -> customerKey;
      case DOMAIN_ADMIN -> domainKey;
      case USER -> userKey;
    };
  }

  /** The absolute URL of a path on the server. */
  String url(String path) {
    return "http://127.0.0.1:" + server.address().getPort() + path;
  }

  @Override
  public void close() {
    server.close();
    store.close();
  }
}
