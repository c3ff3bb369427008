package dev.mailfilter.web.quarantine;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

/**
 * Fuzzes what the quarantine takes from strangers: a link's token (any text is refused as invalid,
 * never accepted, never an exception; a genuine token with any change is refused) and a held
 * message's HTML (the preview never keeps an element that runs, a handler or a remote source).
 */
class QuarantineInputFuzzTest {
  private static final DigestTokens TOKENS = tokens();
  private static final String GENUINE =
      TOKENS.issue(DigestTokens.Action.RELEASE, "e1-00000000", "bob@x.example", Duration.ofDays(1));

  private static DigestTokens tokens() {
    try {
      byte[] key = new byte[32];
      key[0] = 1;
      return DigestTokens.create(
          key,
          UsedTokens.directory(Files.createTempDirectory("fuzz-used"), Clock.systemUTC()),
          Clock.systemUTC());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "20s")
  void anyTokenTextIsRefusedAsInvalid(FuzzedDataProvider data) {
    boolean mutate = data.consumeBoolean();
    String token;
    if (mutate) {
      int at = data.consumeInt(0, GENUINE.length() - 1);
      String with = data.consumeString(4);
      token = GENUINE.substring(0, at) + with + GENUINE.substring(at + 1);
      if (token.equals(GENUINE)) {
        return;
      }
    } else {
      token = data.consumeRemainingAsString();
    }
    DigestTokens.Outcome o = TOKENS.check(token);
    if (!(o instanceof DigestTokens.Outcome.Invalid)) {
      throw new AssertionError("accepted a token that is not ours: " + token + " -> " + o);
    }
  }

  @FuzzTest(maxDuration = "20s")
  void anyHtmlPreviewsWithoutScriptsHandlersOrRemoteSources(FuzzedDataProvider data) {
    String html = data.consumeRemainingAsString();
    String out = Preview.sanitise(html, false).html();
    for (org.jsoup.nodes.Element e : org.jsoup.Jsoup.parseBodyFragment(out).body().select("*")) {
      String tag = e.tagName();
      if (tag.equals("script")
          || tag.equals("iframe")
          || tag.equals("object")
          || tag.equals("style")
          || tag.equals("svg")
          || tag.equals("form")
          || tag.equals("embed")) {
        throw new AssertionError("kept <" + tag + "> from: " + html);
      }
      for (org.jsoup.nodes.Attribute a : e.attributes()) {
        String name = a.getKey().toLowerCase(Locale.ROOT);
        String value = a.getValue().toLowerCase(Locale.ROOT).replaceAll("[\\s\\x00-\\x1f]", "");
        if (name.startsWith("on")
            || name.equals("style")
            || value.startsWith("javascript:")
            || (name.equals("src") && value.startsWith("http"))) {
          throw new AssertionError("kept " + name + "=\"" + value + "\" from: " + html);
        }
      }
    }
  }
}
