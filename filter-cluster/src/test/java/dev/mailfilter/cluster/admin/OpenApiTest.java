package dev.mailfilter.cluster.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI description against the router: every route is described and every described
 * operation is routed. (Every status a route answers in the API and matrix tests is checked to be
 * documented by {@link AdminFixture#close()}.)
 */
class OpenApiTest {
  @TempDir Path dir;

  @Test
  void everyRouteIsDescribedAndEveryDescribedOperationIsRouted() throws Exception {
    JsonNode spec = Json.MAPPER.readTree(AdminServer.openApi());
    TreeSet<String> described = new TreeSet<>();
    for (Map.Entry<String, JsonNode> path : spec.path("paths").properties()) {
      for (Iterator<String> it = path.getValue().fieldNames(); it.hasNext(); ) {
        String method = it.next();
        if (!method.equals("parameters")) {
          described.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
        }
      }
    }
    TreeSet<String> routed = new TreeSet<>();
    try (AdminFixture f = new AdminFixture(dir)) {
      for (Router.Route r : AdminApi.over(f.store).router(f.keys).routes()) {
        routed.add(r.method() + " " + r.template());
      }
    }
    assertThat(described).as("spec operations").isEqualTo(routed);
    System.out.printf("openapi.json: %d operations, all routed%n", routed.size());
  }

  @Test
  void everyOperationDocumentsItsSuccessAnd401AndEveryPathVariableIsAParameter() throws Exception {
    JsonNode spec = Json.MAPPER.readTree(AdminServer.openApi());
    assertThat(spec.path("openapi").asText()).startsWith("3.");
    for (Map.Entry<String, JsonNode> path : spec.path("paths").properties()) {
      TreeSet<String> declared = new TreeSet<>();
      path.getValue().path("parameters").forEach(p -> declared.add(p.path("name").asText()));
      TreeSet<String> inPath = new TreeSet<>();
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("\\{(\\w+)}").matcher(path.getKey());
      while (m.find()) {
        inPath.add(m.group(1));
      }
      assertThat(declared).as(path.getKey()).isEqualTo(inPath);
      for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
        if (op.getKey().equals("parameters")) {
          continue;
        }
        JsonNode responses = op.getValue().path("responses");
        assertThat(responses.has("401")).as(op.getKey() + " " + path.getKey()).isTrue();
        assertThat(responses.has("200") || responses.has("201") || responses.has("204"))
            .as(op.getKey() + " " + path.getKey())
            .isTrue();
      }
    }
  }

  @Test
  void theDescriptionIsServedWithoutAKey() throws Exception {
    try (AdminFixture f = new AdminFixture(dir)) {
      AdminFixture.Answer a = f.send("GET", "/openapi.json", null, null, null);
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.json().path("paths").has("/v1/resellers/{reseller}")).isTrue();
    }
  }
}
