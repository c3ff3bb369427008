package dev.mailfilter.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.cluster.admin.Role;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The front of every page over plain HTTP: security headers, cookies, login and logout, CSRF,
 * sessions that expire, login lockouts, roles, escaping.
 */
class WebServerTest {
  /** A page that echoes a form field (escaped) and takes POSTs. */
  record Echo() implements WebPage {
    @Override
    public String path() {
      return "/echo";
    }

    @Override
    public String title() {
      return "Echo";
    }

    @Override
    public WebResponse handle(WebRequest q) {
      return q.render(
          "Echo",
          Html.fill(
              "<p id=\"said\">{}</p><form method=\"post\" action=\"/echo\">{}"
                  + "<label for=\"say\">Say</label><input id=\"say\" name=\"say\">"
                  + "<button type=\"submit\">Send</button></form>",
              q.param("say").orElse(""),
              Html.csrfField(q)));
    }
  }

  /** A page only the operator may open. */
  record OperatorOnly() implements WebPage {
    @Override
    public String path() {
      return "/ops";
    }

    @Override
    public String title() {
      return "Operations";
    }

    @Override
    public Set<Role> roles() {
      return EnumSet.of(Role.OPERATOR);
    }

    @Override
    public WebResponse handle(WebRequest q) {
      return q.render("Operations", Html.fill("<p>secret</p>"));
    }
  }

  /** An anonymous page that may be framed. */
  record Framed() implements WebPage {
    @Override
    public String path() {
      return "/embed";
    }

    @Override
    public String title() {
      return "Embed";
    }

    @Override
    public boolean anonymous() {
      return true;
    }

    @Override
    public boolean embeddable() {
      return true;
    }

    @Override
    public WebResponse handle(WebRequest q) {
      return WebResponse.html("<p>framed</p>");
    }
  }

  @TempDir Path dir;
  WebFixture web;
  WebClient client;

  @BeforeEach
  void start() throws Exception {
    web =
        WebFixture.start(
            dir,
            List.of(new Echo(), new OperatorOnly(), new Framed()),
            WebSettings.defaults()
                .withSessions(Duration.ofMinutes(30), Duration.ofHours(2))
                .withLoginLimit(3, Duration.ofMinutes(10)));
    client = new WebClient(web);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  @Test
  void everyPageCarriesTheSecurityHeaders() throws Exception {
    HttpResponse<String> r = client.get("/login");
    assertThat(r.statusCode()).isEqualTo(200);
    String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertThat(csp)
        .contains("default-src 'self'")
        .contains("script-src 'self'")
        .contains("frame-ancestors 'none'")
        .doesNotContain("unsafe-inline");
    assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
    assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
    assertThat(r.body()).doesNotContain("<script>").doesNotContain(" style=");
  }

  @Test
  void theSessionCookieIsHttpOnlyAndSameSiteStrict() throws Exception {
    HttpResponse<String> r = client.get("/login");
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie).startsWith(WebServer.COOKIE + "=").contains("HttpOnly", "SameSite=Strict");
    assertThat(cookie).doesNotContain("Secure"); // plain HTTP here; secure_cookies or TLS adds it
  }

  @Test
  void anEmbeddablePageMayBeFramedAndOthersNot() throws Exception {
    HttpResponse<String> r = client.get("/embed");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("frame-ancestors *");
    assertThat(r.headers().firstValue("X-Frame-Options")).isEmpty();
  }

  @Test
  void aPageWithoutLoginRedirectsToTheLoginWithTheWayBack() throws Exception {
    HttpResponse<String> r = client.get("/echo?say=hi");
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).contains("/login?next=%2Fecho%3Fsay%3Dhi");
  }

  @Test
  void aGoodKeyLogsInWithANewSessionIdAndABadOneDoesNot() throws Exception {
    client.get("/login");
    String before = client.cookie().orElseThrow();
    HttpResponse<String> bad = client.post("/login", Map.of("key", "mfk_0000_nope"));
    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(bad.body()).contains("That key is not valid.");
    HttpResponse<String> ok =
        client.post("/login", Map.of("key", web.customerKey, "next", "/echo"));
    assertThat(ok.statusCode()).isEqualTo(303);
    assertThat(ok.headers().firstValue("Location")).contains("/echo");
    assertThat(client.cookie().orElseThrow()).isNotEqualTo(before);
    HttpResponse<String> page = client.get("/echo");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("carl@bakery.example");
  }

  @Test
  void theWayBackAfterLoginNeverLeavesTheSite() throws Exception {
    client.get("/login");
    HttpResponse<String> r =
        client.post("/login", Map.of("key", web.customerKey, "next", "//evil.example/x"));
    assertThat(r.headers().firstValue("Location")).contains("/");
  }

  @Test
  void aPostWithoutTheCsrfTokenIsRefused() throws Exception {
    client.login(web.customerKey);
    client.forgetCsrf();
    HttpResponse<String> r = client.post("/echo", Map.of("say", "hi"));
    assertThat(r.statusCode()).isEqualTo(403);
    HttpResponse<String> wrong = client.postRaw("/echo", Map.of("say", "hi", "_csrf", "forged"));
    assertThat(wrong.statusCode()).isEqualTo(403);
    client.get("/echo");
    assertThat(client.post("/echo", Map.of("say", "hi")).statusCode()).isEqualTo(200);
  }

  @Test
  void aLoginWithoutTheFormsCsrfTokenIsRefused() throws Exception {
    client.get("/login");
    client.forgetCsrf();
    assertThat(client.post("/login", Map.of("key", web.operatorKey)).statusCode()).isEqualTo(403);
  }

  @Test
  void outputIsEscaped() throws Exception {
    client.login(web.customerKey);
    HttpResponse<String> r = client.get("/echo?say=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    assertThat(r.body())
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .doesNotContain("<script>alert");
  }

  @Test
  void anIdleSessionExpiresAndTheNextRequestGoesToTheLogin() throws Exception {
    client.login(web.customerKey);
    assertThat(client.get("/echo").statusCode()).isEqualTo(200);
    web.clock.advance(Duration.ofMinutes(29));
    assertThat(client.get("/echo").statusCode()).isEqualTo(200);
    web.clock.advance(Duration.ofMinutes(31));
    HttpResponse<String> r = client.get("/echo");
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location").orElseThrow()).startsWith("/login");
  }

  @Test
  void anActiveSessionStillEndsAtItsAbsoluteLimit() throws Exception {
    client.login(web.customerKey);
    for (int i = 0; i < 4; i++) {
      web.clock.advance(Duration.ofMinutes(25));
      assertThat(client.get("/echo").statusCode()).isEqualTo(200);
    }
    web.clock.advance(Duration.ofMinutes(25)); // 2 h 05 min after the login
    assertThat(client.get("/echo").statusCode()).isEqualTo(303);
  }

  @Test
  void repeatedFailuresLockTheAccountOutWithAGrowingDelay() throws Exception {
    client.get("/login");
    String wrong = web.customerKey.substring(0, web.customerKey.length() - 2) + "xx";
    for (int i = 0; i < 3; i++) {
      assertThat(client.post("/login", Map.of("key", wrong)).statusCode()).isEqualTo(401);
    }
    // Locked now: even the right key is refused until the delay passes.
    HttpResponse<String> locked = client.post("/login", Map.of("key", web.customerKey));
    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.headers().firstValue("Retry-After")).isPresent();
    web.clock.advance(Duration.ofSeconds(2));
    assertThat(client.post("/login", Map.of("key", wrong)).statusCode()).isEqualTo(401);
    web.clock.advance(Duration.ofSeconds(1)); // the second lockout is 2 s
    assertThat(client.post("/login", Map.of("key", web.customerKey)).statusCode()).isEqualTo(429);
    web.clock.advance(Duration.ofSeconds(2));
    assertThat(client.post("/login", Map.of("key", web.customerKey)).statusCode()).isEqualTo(303);
  }

  @Test
  void theLockoutAlsoCountsPerClientAddressAcrossAccounts() throws Exception {
    client.get("/login");
    for (int i = 0; i < 3; i++) {
      assertThat(
              client.post("/login", Map.of("key", "mfk_00000000000000" + i + "0_x")).statusCode())
          .isEqualTo(401);
    }
    assertThat(client.post("/login", Map.of("key", web.operatorKey)).statusCode()).isEqualTo(429);
  }

  @Test
  void aPageOutsideOnesRoleDoesNotExist() throws Exception {
    client.login(web.customerKey);
    HttpResponse<String> r = client.get("/ops");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).doesNotContain("secret");
    assertThat(client.get("/").body()).doesNotContain("href=\"/ops\"");
    WebClient op = new WebClient(web);
    op.login(web.operatorKey);
    assertThat(op.get("/ops").body()).contains("secret");
    assertThat(op.get("/").body()).contains("href=\"/ops\"");
  }

  @Test
  void revokingTheKeyEndsItsSessions() throws Exception {
    client.login(web.customerKey);
    assertThat(client.get("/echo").statusCode()).isEqualTo(200);
    String id = web.customerKey.substring(4, web.customerKey.indexOf('_', 4));
    assertThat(web.keys.revoke(id)).isTrue();
    HttpResponse<String> r = client.get("/echo");
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location").orElseThrow()).startsWith("/login");
  }

  @Test
  void logoutEndsTheSession() throws Exception {
    client.login(web.customerKey);
    HttpResponse<String> out = client.post("/logout", Map.of());
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(client.get("/echo").statusCode()).isEqualTo(303);
  }

  @Test
  void theBrandOfTheResellerColoursItsPrincipalsPages() throws Exception {
    client.login(web.customerKey);
    assertThat(client.get("/").body()).contains("Acme Mail Shield", "support@acme.example");
    assertThat(client.get("/brand.css").body()).contains("--primary: #6a1b9a");
    WebClient op = new WebClient(web);
    op.login(web.operatorKey);
    assertThat(op.get("/").body()).doesNotContain("Acme Mail Shield");
  }

  @Test
  void withSecureCookiesTheCookieIsSecureAndHostOnlyAndHstsIsSent(@TempDir Path other)
      throws Exception {
    WebSettings secure = WebSettings.defaults().withSecureCookies(true);
    try (WebFixture tls = WebFixture.start(other, List.of(new Echo()), secure)) {
      HttpResponse<String> r = new WebClient(tls).get("/login");
      assertThat(r.headers().firstValue("Set-Cookie").orElseThrow())
          .startsWith("__Host-mf_session=")
          .contains("Secure", "HttpOnly", "SameSite=Strict", "Path=/");
      assertThat(r.headers().firstValue("Strict-Transport-Security")).isPresent();
    }
  }

  @Test
  void onlyGetHeadAndPostAreServed() throws Exception {
    HttpResponse<String> r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(web.url("/echo")))
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("x"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("Allow")).contains("GET, HEAD, POST");
    assertThat(r.headers().firstValue("Content-Security-Policy")).isPresent();
  }

  @Test
  void aFormLargerThanTheLimitIsRefusedWith413() throws Exception {
    client.login(web.customerKey);
    HttpResponse<String> r = client.post("/echo", Map.of("say", "x".repeat(70 * 1024)));
    assertThat(r.statusCode()).isEqualTo(413);
  }

  @Test
  void behindATrustedProxyTheLockoutCountsTheForwardedClient(@TempDir Path other) throws Exception {
    WebSettings proxied =
        WebSettings.defaults()
            .withLoginLimit(2, Duration.ofMinutes(10))
            .withTrustedProxies(List.of(java.net.InetAddress.getLoopbackAddress()));
    try (WebFixture behind = WebFixture.start(other, List.of(new Echo()), proxied)) {
      // Two clients behind the proxy, each failing with a different unknown account: neither
      // address reaches the limit of 2, so the right key still logs in.
      WebClient c = new WebClient(behind);
      c.get("/login");
      c.forwardedFor("192.0.2.1");
      assertThat(c.post("/login", Map.of("key", "mfk_00000000000000a1_x")).statusCode())
          .isEqualTo(401);
      c.forwardedFor("192.0.2.2");
      assertThat(c.post("/login", Map.of("key", "mfk_00000000000000a2_x")).statusCode())
          .isEqualTo(401);
      assertThat(c.post("/login", Map.of("key", behind.operatorKey)).statusCode()).isEqualTo(303);
    }
    // Not trusted: the header is ignored, both failures count against the peer (loopback).
    client.get("/login");
    client.forwardedFor("192.0.2.1");
    client.post("/login", Map.of("key", "mfk_00000000000000a1_x"));
    client.forwardedFor("192.0.2.2");
    client.post("/login", Map.of("key", "mfk_00000000000000a2_x"));
    client.forwardedFor("192.0.2.3");
    client.post("/login", Map.of("key", "mfk_00000000000000a3_x"));
    assertThat(client.post("/login", Map.of("key", web.operatorKey)).statusCode()).isEqualTo(429);
  }

  @Test
  void theLoginPageWearsTheBrandOfItsHostName() throws Exception {
    assertThat(rawGet("/login", "mail.acme.example:8026"))
        .contains("Acme Mail Shield")
        .contains("support@acme.example");
    assertThat(rawGet("/login", "mail.other.example")).doesNotContain("Acme Mail Shield");
  }

  /** A GET with a Host header of one's choice (the JDK's client will not set one). */
  private String rawGet(String path, String host) throws Exception {
    try (java.net.Socket s =
        new java.net.Socket(
            java.net.InetAddress.getLoopbackAddress(), web.server.address().getPort())) {
      s.getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void aPagePathThatCollidesWithTheFrontIsRefused() {
    WebPage login =
        new WebPage() {
          @Override
          public String path() {
            return "/login";
          }

          @Override
          public String title() {
            return "Mine";
          }

          @Override
          public WebResponse handle(WebRequest q) {
            return WebResponse.html("");
          }
        };
    assertThatThrownBy(() -> WebServer.builder().page(login))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/login");
    assertThatThrownBy(() -> WebServer.builder().page(new Echo()).page(new Echo()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two pages at /echo");
  }
}
