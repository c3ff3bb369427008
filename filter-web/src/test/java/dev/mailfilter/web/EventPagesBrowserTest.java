package dev.mailfilter.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cluster.events.MemoryEventStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The event pages in a real Chromium: the map renders the GeoIP test database's known points
 * (81.2.69.142 is GB, 216.160.83.56 is US) coloured, statistics and tracking work; screenshots.
 */
@ExtendWith(Browser.Extension.class)
class EventPagesBrowserTest {
  @TempDir Path dir;

  @Test
  void mapStatisticsAndTrackingInABrowser(Browser browser) throws Exception {
    WebFixture[] holder = {null};
    TestClock clock = new TestClock();
    MemoryEventStore events = EventsFixture.store(clock.instant().minusSeconds(60));
    EmbedTokens tokens = EmbedTokens.of(new byte[32]);
    try (WebFixture web =
        WebFixture.start(
            dir,
            EventPages.of(
                    events,
                    () -> holder[0].store.snapshot(),
                    tokens,
                    Duration.ofHours(1),
                    "http://127.0.0.1",
                    clock)
                .pages())) {
      holder[0] = web;
      browser.login(web.url(""), web.operatorKey);
      browser.click(By.linkText("Spam map"));
      assertThat(browser.path()).isEqualTo("/map");
      for (String cc : new String[] {"GB", "US"}) {
        WebElement country =
            browser.driver().findElement(By.cssSelector("path[data-cc=" + cc + "]"));
        assertThat(country.getAttribute("data-count")).isEqualTo("1");
        assertThat(country.getAttribute("fill")).isNotEqualTo("#dde3ea");
        // Drawn: the shape has a size on the screen.
        assertThat(country.getRect().getWidth()).isPositive();
      }
      assertThat(
              browser.driver().findElement(By.cssSelector("path[data-cc=FR]")).getAttribute("fill"))
          .isEqualTo("#dde3ea");
      browser.click(By.linkText("Statistics"));
      assertThat(browser.text()).contains("Messages per hour by action").contains("BAYES_SPAM");
      browser.click(By.linkText("Message tracking"));
      browser.type(By.id("client"), EventsFixture.GB_IP);
      browser.click(By.cssSelector("main form button[type=submit]"));
      browser.click(By.linkText("GBTX1"));
      assertThat(browser.driver().findElement(By.id("why")).getText())
          .contains("the action was reject");
      // The embedded map without a login, as a customer's site shows it.
      browser.driver().manage().deleteAllCookies();
      browser.open(web.url("/map/embed?t=" + tokens.issue(Optional.empty(), Duration.ofHours(24))));
      assertThat(
              browser
                  .driver()
                  .findElement(By.cssSelector("path[data-cc=GB]"))
                  .getAttribute("data-count"))
          .isEqualTo("1");
      // Inline SVG with presentation attributes only: nothing the content security policy blocks.
      assertThat(browser.cspViolations()).isEmpty();
      assertThat(Browser.screenshots()).anyMatch(n -> n.contains("EventPagesBrowserTest"));
    }
  }
}
