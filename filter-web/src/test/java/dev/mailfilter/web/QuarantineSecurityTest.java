package dev.mailfilter.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cluster.admin.Role;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quarantine's authorisation matrix over plain HTTP (every role against a message inside and
 * one outside its scope, on every route that names a message), CSRF, and the preview frame's
 * policy.
 */
class QuarantineSecurityTest {
  @TempDir Path dir;

  /** The roles of the fixture that may see boss's message: all but none... of bakery's branch. */
  private static final Set<Role> SEE_BOSS = EnumSet.allOf(Role.class);

  /** Eve's message is in the other reseller's branch: only the operator sees it. */
  private static final Set<Role> SEE_EVE = EnumSet.of(Role.OPERATOR);

  @Test
  void everyRouteNamingAMessageIsAllowedInsideTheScopeAndA404Outside() throws Exception {
    try (QuarantineSetup s = new QuarantineSetup(dir)) {
      String boss = s.holdText("a@else.example", "boss@bakery.example", "For boss");
      String clerk = s.holdText("b@else.example", "clerk@bakery.example", "For clerk");
      String eve = s.holdText("c@else.example", "eve@rival.example", "For eve");
      int cells = 0;
      for (Role role : Role.values()) {
        WebClient c = new WebClient(s.web);
        assertThat(c.login(s.web.key(role)).statusCode()).isEqualTo(303);
        String list = c.get("/quarantine").body();
        Map<String, Boolean> expected =
            Map.of(
                boss, SEE_BOSS.contains(role),
                clerk, role != Role.USER, // the user is boss
                eve, SEE_EVE.contains(role));
        for (Map.Entry<String, Boolean> e : expected.entrySet()) {
          String id = e.getKey();
          int want = e.getValue() ? 200 : 404;
          assertThat(list.contains(id)).as("%s lists %s", role, id).isEqualTo(e.getValue());
          assertThat(c.get("/quarantine/" + id).statusCode())
              .as("%s GET %s", role, id)
              .isEqualTo(want);
          assertThat(c.get("/quarantine/" + id + "/body").statusCode())
              .as("%s GET %s/body", role, id)
              .isEqualTo(want);
          cells += 3;
          if (!e.getValue()) {
            // Actions on a message outside the scope: the same 404, and nothing happens.
            for (String action : List.of("release", "delete", "allow", "block")) {
              c.get("/quarantine"); // a fresh CSRF token
              assertThat(
                      c.post("/quarantine/" + id + "/" + action, Map.of("level", "domain"))
                          .statusCode())
                  .as("%s POST %s/%s", role, id, action)
                  .isEqualTo(404);
              cells++;
            }
            c.get("/quarantine");
            HttpResponse<String> bulk =
                c.post("/quarantine/bulk", Map.of("action", "delete", "id", id));
            assertThat(bulk.body()).contains("0 of 1 done");
          }
        }
      }
      assertThat(cells).isGreaterThan(60);
      assertThat(s.quarantine.show(eve)).isPresent();
      assertThat(s.quarantine.show(clerk).orElseThrow().releasedTo()).isEmpty();
      assertThat(s.sink.dumps()).isEmpty();
    }
  }

  @Test
  void aReleaseWithoutTheSessionsCsrfTokenIsRefusedAndNothingIsSent() throws Exception {
    try (QuarantineSetup s = new QuarantineSetup(dir)) {
      String boss = s.holdText("a@else.example", "boss@bakery.example", "For boss");
      WebClient c = new WebClient(s.web);
      c.login(s.web.userKey);
      c.forgetCsrf();
      assertThat(c.post("/quarantine/" + boss + "/release", Map.of()).statusCode()).isEqualTo(403);
      assertThat(
              c.postRaw("/quarantine/" + boss + "/release", Map.of(WebServer.CSRF_FIELD, "forged"))
                  .statusCode())
          .isEqualTo(403);
      assertThat(s.quarantine.show(boss).orElseThrow().releasedTo()).isEmpty();
      assertThat(s.sink.dumps()).isEmpty();
    }
  }

  @Test
  void theUserCannotDeleteAMessageHeldForOthersToo() throws Exception {
    try (QuarantineSetup s = new QuarantineSetup(dir)) {
      String shared =
          s.gateway.hold(
              "a@else.example",
              List.of("boss@bakery.example", "clerk@bakery.example"),
              "Subject: shared",
              "x");
      WebClient c = new WebClient(s.web);
      c.login(s.web.userKey);
      HttpResponse<String> page = c.get("/quarantine/" + shared);
      // The other recipient (perhaps a Bcc) is not shown to the user.
      assertThat(page.body())
          .contains("boss@bakery.example")
          .doesNotContain("clerk@bakery.example");
      assertThat(c.post("/quarantine/" + shared + "/delete", Map.of()).statusCode()).isEqualTo(403);
      assertThat(s.quarantine.show(shared)).isPresent();
    }
  }

  @Test
  void thePreviewFrameHasItsOwnSandboxedPolicyAndRemoteImagesOnlyWhenAsked() throws Exception {
    try (QuarantineSetup s = new QuarantineSetup(dir)) {
      String id = s.holdHtml("boss@bakery.example");
      WebClient c = new WebClient(s.web);
      c.login(s.web.userKey);
      HttpResponse<String> frame = c.get("/quarantine/" + id + "/body");
      String csp = frame.headers().firstValue("Content-Security-Policy").orElseThrow();
      assertThat(csp)
          .startsWith("sandbox ")
          .contains("default-src 'none'", "img-src data:", "frame-ancestors 'self'")
          .doesNotContain("script-src", "https:", "allow-scripts", "allow-same-origin");
      assertThat(frame.body()).doesNotContain("<script", "onerror", "127.0.0.1:");
      HttpResponse<String> shown = c.get("/quarantine/" + id + "/body?images=1");
      assertThat(shown.headers().firstValue("Content-Security-Policy").orElseThrow())
          .endsWith("img-src data: https: http:");
      assertThat(shown.body()).contains("/pixel.gif").doesNotContain("<script", "onerror");
      // The page around it: the site's policy, and a frame without scripts or same origin.
      HttpResponse<String> page = c.get("/quarantine/" + id);
      assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
          .contains("script-src 'self'", "frame-ancestors 'none'");
      assertThat(page.body())
          .contains("sandbox=\"allow-popups allow-popups-to-escape-sandbox\"")
          .contains("&lt;script&gt;alert(1)&lt;/script&gt; Cheap pills");
    }
  }
}
