package dev.mailfilter.web;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailfilter.cluster.TenantPath;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fuzzes what the pages parse from a client before a page runs: a query string or form body into
 * fields, and a panel path into a tree node. Each parses or is refused (an empty answer); nothing
 * may throw, since anything thrown would be a 500. A node parsed back to a path gives the same
 * node.
 */
class WebRequestFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void anyQueryFormAndPanelPathParseOrAreRefused(FuzzedDataProvider data) {
    String form = data.consumeString(400);
    String path = data.consumeRemainingAsString();
    Map<String, List<String>> fields = WebServer.parse(form);
    for (List<String> v : fields.values()) {
      if (v.isEmpty()) {
        throw new AssertionError("a field without a value: " + form);
      }
    }
    Optional<TreePaths.Parsed> parsed = TreePaths.parse(path);
    if (parsed.isPresent() && parsed.get().action().isEmpty()) {
      TenantPath node = parsed.get().node();
      String again = TreePaths.relative(node);
      String decoded = java.net.URLDecoder.decode(again, java.nio.charset.StandardCharsets.UTF_8);
      Optional<TreePaths.Parsed> back =
          TreePaths.parse(decoded.isEmpty() ? "" : decoded.substring(1));
      if (back.isEmpty() || !back.get().node().equals(node)) {
        throw new AssertionError("round trip of " + node + " gave " + back);
      }
    }
  }
}
