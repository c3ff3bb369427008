package dev.mailfilter.cluster.admin;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailfilter.cluster.FileTenantStore;
import dev.mailfilter.cluster.TenantStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Fuzzes what the admin API parses from a client before any handler runs: the path against every
 * route and into a tree path, the query string, the JSON body and the API key. Each either parses
 * or is an {@link ApiException} (a 4xx answer); nothing else may escape, since anything else would
 * be a 500.
 */
class AdminRequestFuzzTest {
  private static final Router ROUTER = router();

  private static Router router() {
    try {
      Path dir = Files.createTempDirectory("admin-fuzz");
      TenantStore store = FileTenantStore.open(dir);
      return AdminApi.over(store).router(ApiKeys.inMemory());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"};

  @FuzzTest(maxDuration = "30s")
  void anyRequestLineQueryBodyAndKeyParseOrAre4xx(FuzzedDataProvider data) {
    String method = data.pickValue(METHODS);
    String path = data.consumeString(300);
    String query = data.consumeString(200);
    String key = data.consumeString(120);
    byte[] body = data.consumeRemainingAsBytes();
    try {
      Router.Match m = ROUTER.match(method, path);
      if (m instanceof Router.Match.Found f) {
        Router.Request q =
            new Router.Request(null, f.params(), Map.of(), () -> null, Optional.empty());
        AdminApi.pathOf(q);
      }
    } catch (ApiException e) {
      expect4xx(e);
    }
    try {
      Router.query(query);
    } catch (ApiException e) {
      expect4xx(e);
    }
    try {
      Json.parse(body);
    } catch (ApiException e) {
      expect4xx(e);
    }
    ApiKeys.inMemory().authenticate(key);
  }

  private static void expect4xx(ApiException e) {
    if (e.status() < 400 || e.status() > 499) {
      throw new AssertionError("not a client error: " + e.status() + " " + e.getMessage(), e);
    }
  }
}
