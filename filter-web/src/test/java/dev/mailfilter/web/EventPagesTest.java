package dev.mailfilter.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.admin.Role;
import dev.mailfilter.cluster.events.MemoryEventStore;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The map, statistics and tracking pages over HTTP: scope, embedding, escaping. */
class EventPagesTest {
  @TempDir Path dir;
  WebFixture web;
  EmbedTokens tokens = EmbedTokens.of(new byte[32]);

  @BeforeEach
  void start() throws Exception {
    WebFixture[] holder = {null};
    TestClock clock = new TestClock();
    MemoryEventStore events = EventsFixture.store(clock.instant().minusSeconds(60));
    EventPages pages =
        EventPages.of(
            events,
            () -> holder[0].store.snapshot(),
            tokens,
            Duration.ofHours(1),
            "https://mx.example.net",
            clock);
    web = WebFixture.start(dir, pages.pages());
    holder[0] = web;
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

  static long count(String html, String cc) {
    Matcher m = Pattern.compile("data-cc=\"" + cc + "\" data-count=\"(\\d+)\"").matcher(html);
    assertThat(m.find()).as(cc + " on the map").isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void operatorSeesEverySpamSourceOnTheMap() throws Exception {
    HttpResponse<String> r = as(Role.OPERATOR).get("/map");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(count(r.body(), "GB")).isEqualTo(1);
    assertThat(count(r.body(), "US")).isEqualTo(1);
    assertThat(r.body()).contains("&lt;iframe src=&quot;https://mx.example.net/map/embed?t=");
  }

  @Test
  void customerAdminSeesOnlyItsTenantsEvents() throws Exception {
    WebClient carl = as(Role.CUSTOMER_ADMIN);
    String map = carl.get("/map").body();
    assertThat(count(map, "GB")).isEqualTo(1);
    assertThat(count(map, "US")).isZero();
    String stats = carl.get("/statistics?period=24h").body();
    assertThat(stats).contains("bakery.example").doesNotContain("rival.example");
    String found = carl.get("/tracking?recipient=example").body();
    assertThat(found).contains("GBTX1").contains("HAMTX3").doesNotContain("USTX2");
    assertThat(carl.get("/tracking/USTX2").statusCode()).isEqualTo(404);
    assertThat(carl.get("/tracking/GBTX1").statusCode()).isEqualTo(200);
    // A tenant outside its scope, asked for by name, is not found.
    assertThat(carl.get("/map?tenant=reseller:other").statusCode()).isEqualTo(404);
    assertThat(carl.get("/statistics?tenant=reseller:other/customer:rival").statusCode())
        .isEqualTo(404);
  }

  @Test
  void operatorNarrowsToATenant() throws Exception {
    String map = as(Role.OPERATOR).get("/map?tenant=reseller:other&period=7d").body();
    assertThat(count(map, "GB")).isZero();
    assertThat(count(map, "US")).isEqualTo(1);
  }

  @Test
  void userCannotOpenThePages() throws Exception {
    WebClient boss = as(Role.USER);
    for (String p : List.of("/map", "/statistics", "/tracking")) {
      assertThat(boss.get(p).statusCode()).as(p).isEqualTo(404);
    }
  }

  @Test
  void trackingShowsSymbolsAndWhyEscaped() throws Exception {
    String detail = as(Role.DOMAIN_ADMIN).get("/tracking/QGBTX1").body();
    assertThat(detail)
        .contains("BAYES_SPAM")
        .contains("&lt;b&gt;zen&lt;/b&gt;")
        .doesNotContain("<b>zen</b>")
        .contains("Score 16.50: the spam threshold is 6.00, so the action was reject.");
    String search =
        as(Role.OPERATOR)
            .get("/tracking?client=216.160.&action=reject&from=2026-12-08T00:00")
            .body();
    assertThat(search).contains("USTX2").doesNotContain("GBTX1");
    assertThat(as(Role.OPERATOR).get("/tracking?from=yesterday").statusCode()).isEqualTo(400);
  }

  @Test
  void embedNeedsNoLoginShowsOnlyItsTenantAndMayBeFramed() throws Exception {
    WebClient anonymous = new WebClient(web);
    String token = tokens.issue(Optional.of(WebFixture.ACME), Duration.ofHours(24));
    HttpResponse<String> r = anonymous.get("/map/embed?t=" + token);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(count(r.body(), "GB")).isEqualTo(1);
    assertThat(count(r.body(), "US")).isZero();
    assertThat(r.headers().firstValue("X-Frame-Options")).isEmpty();
    assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("frame-ancestors *");
    // A token for another tenant cannot be made by editing this one.
    String forged =
        token.replaceFirst(
            "^[^.]+",
            java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("m1|*|1440".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(anonymous.get("/map/embed?t=" + forged).statusCode()).isEqualTo(404);
    assertThat(anonymous.get("/map/embed").statusCode()).isEqualTo(404);
    // The logged-in map keeps the default: no framing.
    assertThat(as(Role.OPERATOR).get("/map").headers().firstValue("X-Frame-Options"))
        .contains("DENY");
  }

  @Test
  void embedTokenNamesTenantAndPeriod() {
    String t = tokens.issue(Optional.of(TenantPath.parse("reseller:acme")), Duration.ofDays(7));
    EmbedTokens.Grant g = tokens.verify(t).orElseThrow();
    assertThat(g.tenant()).contains(TenantPath.parse("reseller:acme"));
    assertThat(g.period()).isEqualTo(Duration.ofDays(7));
    assertThat(
            EmbedTokens.of(
                    new byte[] {
                      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                      23, 24, 25, 26, 27, 28, 29, 30, 31, 32
                    })
                .verify(t))
        .isEmpty();
  }
}
