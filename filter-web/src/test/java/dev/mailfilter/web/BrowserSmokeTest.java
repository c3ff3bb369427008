package dev.mailfilter.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/** The skeleton in a real Chromium: log in, see the overview, log out; screenshots saved. */
@ExtendWith(Browser.Extension.class)
class BrowserSmokeTest {
  @TempDir Path dir;

  @Test
  void anOperatorLogsInSeesTheOverviewAndLogsOut(Browser browser) throws Exception {
    try (WebFixture web = WebFixture.start(dir, List.of(new WebServerTest.Echo()))) {
      browser.open(web.url("/echo"));
      assertThat(browser.path()).isEqualTo("/login");
      browser.login(web.url(""), web.operatorKey);
      assertThat(browser.path()).isEqualTo("/");
      assertThat(browser.text()).contains("Logged in as operator");
      browser.click(By.linkText("Echo"));
      browser.type(By.id("say"), "<b>hello</b>");
      browser.click(By.cssSelector("main form button[type=submit]"));
      assertThat(browser.driver().findElement(By.id("said")).getText()).isEqualTo("<b>hello</b>");
      browser.click(By.cssSelector("header .who button"));
      assertThat(browser.path()).isEqualTo("/login");
      assertThat(Browser.screenshots()).anyMatch(n -> n.startsWith("BrowserSmokeTest-"));
    }
  }

  /** A page that breaks the policy: an inline script and an inline style. */
  record Inline() implements WebPage {
    @Override
    public String path() {
      return "/inline";
    }

    @Override
    public String title() {
      return "Inline";
    }

    @Override
    public WebResponse handle(WebRequest q) {
      return q.render(
          "Inline",
          new Html.Safe(
              "<p id=\"p\" style=\"color: red\">x</p>"
                  + "<script>document.getElementById('p').textContent = 'ran';</script>"));
    }
  }

  @Test
  void thePolicyBlocksInlineScriptAndTheBrowserReportsIt(Browser browser) throws Exception {
    try (WebFixture web = WebFixture.start(dir, List.of(new Inline()))) {
      browser.login(web.url(""), web.operatorKey);
      browser.cspViolations(); // forget the earlier pages' messages
      browser.open(web.url("/inline"));
      assertThat(browser.driver().findElement(By.id("p")).getText()).isEqualTo("x");
      assertThat(browser.cspViolations()).isNotEmpty();
    }
  }
}
