package dev.mailfilter.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cluster.Tenant;
import dev.mailfilter.testkit.Processes;
import dev.mailfilter.web.quarantine.DigestTokens;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The quarantine in a real Chromium: messages held by a real gateway, a user's release arriving
 * downstream once without the spam flag, a preview that runs no script and loads no remote image
 * until asked, ids outside one's scope answered 404, a domain administrator's view, bulk actions
 * and the digest's links.
 */
@ExtendWith(Browser.Extension.class)
class QuarantineBrowserTest {
  @TempDir Path dir;

  @Test
  void aUserPreviewsSafelyReleasesOnceAndCannotOpenAnothersMessage(Browser browser)
      throws Exception {
    try (QuarantineSetup s = new QuarantineSetup(dir)) {
      String mine = s.holdHtml("boss@bakery.example");
      String clerks = s.holdText("a@else.example", "clerk@bakery.example", "For the clerk");
      String eves = s.holdText("b@else.example", "eve@rival.example", "For eve");
      WebFixture web = s.web;
      browser.login(web.url(""), web.userKey);
      browser.click(By.linkText("Quarantine"));
      assertThat(browser.path()).isEqualTo("/quarantine");
      String list = browser.text();
      assertThat(list).contains("<script>alert(1)</script> Cheap pills");
      assertThat(list).doesNotContain("For the clerk", "For eve");

      // The preview: the subject's script is text, the body's script does not run, no image.
      browser.click(By.linkText("<script>alert(1)</script> Cheap pills"));
      assertThat(browser.path()).isEqualTo("/quarantine/" + mine);
      assertThat(browser.driver().findElement(By.id("subject")).getText())
          .isEqualTo("<script>alert(1)</script> Cheap pills");
      assertThat(browser.driver().findElement(By.id("images-note")).getText())
          .contains("1 remote image was not loaded");
      browser.driver().switchTo().frame("preview");
      assertThat(browser.driver().findElement(By.tagName("h1")).getText()).isEqualTo("Offer");
      assertThat(browser.driver().findElements(By.tagName("script"))).isEmpty();
      WebElement pixel = browser.driver().findElement(By.tagName("img"));
      assertThat(pixel.getAttribute("src")).isNullOrEmpty();
      assertThat(pixel.getAttribute("onerror")).isNull();
      browser.driver().switchTo().defaultContent();
      assertThat(browser.driver().findElement(By.tagName("body")).getAttribute("data-pwned"))
          .isNull();
      assertThat(browser.title()).doesNotContain("pwned");
      assertThat(s.imageFetches.get()).isZero();
      // The sanitiser took the script and the image out: the policies had nothing to block.
      assertThat(browser.cspViolations()).isEmpty();

      // Images on an explicit click only.
      browser.click(By.id("show-images"));
      assertThat(Processes.await(Duration.ofSeconds(10), () -> s.imageFetches.get() > 0)).isTrue();
      browser.driver().switchTo().frame("preview");
      assertThat(browser.driver().findElements(By.tagName("script"))).isEmpty();
      browser.driver().switchTo().defaultContent();
      assertThat(browser.driver().findElement(By.tagName("body")).getAttribute("data-pwned"))
          .isNull();

      // Release: downstream once, to boss only, without the spam flag, marked released.
      browser.click(By.id("release"));
      assertThat(browser.driver().findElement(By.id("done")).getText()).contains("released");
      assertThat(browser.driver().findElement(By.id("status")).getText()).isEqualTo("released");
      assertThat(Processes.await(Duration.ofSeconds(10), () -> s.sink.dumps().size() == 1))
          .isTrue();
      String relayed = s.delivered().getFirst();
      assertThat(relayed)
          .contains("X-Rcpt-Args: <boss@bakery.example>", "X-Mailfilter-Released: " + mine)
          .doesNotContain("X-Spam-Flag", "X-Spam-Status", "X-Spam-Score");
      // A second release is refused and nothing more arrives.
      browser.click(By.id("release"));
      assertThat(browser.text()).contains("released already");
      Thread.sleep(300); // a wrong second delivery would be on its way by now
      assertThat(s.sink.dumps()).hasSize(1);

      // Another user's message by its id, and an id that does not exist: the same 404.
      for (String id : List.of(clerks, eves, "0000000zz-00000000")) {
        browser.open(web.url("/quarantine/" + id));
        assertThat(browser.title()).startsWith("Not found");
        browser.open(web.url("/quarantine/" + id + "/body"));
        assertThat(browser.title()).startsWith("Not found");
      }
      assertThat(s.quarantine.show(clerks).orElseThrow().isReleased()).isFalse();
    }
  }

  @Test
  void aDomainAdminSeesItsDomainOnlyAndBlocksASenderForTheDomainInBulk(Browser browser)
      throws Exception {
    try (QuarantineSetup s = new QuarantineSetup(dir)) {
      s.holdText("a@else.example", "boss@bakery.example", "Boss one");
      s.holdText("b@else.example", "clerk@bakery.example", "Clerk one");
      String eves = s.holdText("c@else.example", "eve@rival.example", "Eve one");
      WebFixture web = s.web;
      browser.login(web.url(""), web.domainKey);
      browser.open(web.url("/quarantine"));
      assertThat(browser.text()).contains("Boss one", "Clerk one").doesNotContain("Eve one");
      browser.open(web.url("/quarantine/" + eves));
      assertThat(browser.title()).startsWith("Not found");

      // Search by subject.
      browser.open(web.url("/quarantine"));
      browser.type(By.id("q-subject"), "clerk");
      browser.click(By.cssSelector("form.search button[type=submit]"));
      assertThat(browser.text()).contains("Clerk one").doesNotContain("Boss one");

      assertThat(browser.cspViolations()).isEmpty(); // the list and search pages
      // Both selected, senders blocked for the domain: the tree's lists, for every node.
      browser.open(web.url("/quarantine"));
      for (WebElement box : browser.driver().findElements(By.name("id"))) {
        box.click();
      }
      browser.click(By.cssSelector("button[name=action][value=block]"));
      assertThat(browser.driver().findElement(By.id("bulk-result")).getText())
          .startsWith("2 of 2 done");
      Tenant domain = web.store.get(WebFixture.BAKERY_DOMAIN).orElseThrow();
      @SuppressWarnings("unchecked")
      Map<String, Map<String, List<String>>> lists =
          (Map<String, Map<String, List<String>>>) domain.settings().values().get("lists");
      assertThat(lists.get("block").get("senders"))
          .containsExactlyInAnyOrder("a@else.example", "b@else.example");
      assertThat(domain.changedBy()).contains("dora@bakery.example");

      // The operator sees everything; the reseller of the other branch does not see bakery's.
      browser.login(web.url(""), web.operatorKey);
      browser.open(web.url("/quarantine"));
      assertThat(browser.text()).contains("Boss one", "Clerk one", "Eve one");
    }
  }

  @Test
  void aDigestLinkAsksFirstThenReleasesOnceAndIsRefusedAfterwards(Browser browser)
      throws Exception {
    try (QuarantineSetup s = new QuarantineSetup(dir)) {
      String id = s.holdText("a@else.example", "boss@bakery.example", "Digest me");
      WebFixture web = s.web;
      String token =
          s.tokens.issue(
              DigestTokens.Action.RELEASE, id, "boss@bakery.example", Duration.ofDays(3));
      String url = web.url("/quarantine/link?t=" + token);
      browser.driver().manage().deleteAllCookies(); // no login: the token is the authority
      browser.open(url);
      assertThat(browser.driver().findElement(By.id("question")).getText())
          .isEqualTo("Release this message to boss@bakery.example?");
      assertThat(s.sink.dumps()).isEmpty(); // looking at the link did nothing
      browser.click(By.id("confirm"));
      assertThat(browser.driver().findElement(By.id("done")).getText())
          .isEqualTo("The message was released to boss@bakery.example.");
      assertThat(Processes.await(Duration.ofSeconds(10), () -> s.sink.dumps().size() == 1))
          .isTrue();
      // The same link again: used.
      browser.open(url);
      assertThat(browser.text()).contains("This link was used already.");
      // A changed link, and a link past its time.
      browser.open(url.substring(0, url.length() - 2) + (url.endsWith("A") ? "BB" : "AA"));
      assertThat(browser.text()).contains("This link is not valid.");
      String block =
          s.tokens.issue(
              DigestTokens.Action.BLOCK_SENDER, id, "boss@bakery.example", Duration.ofDays(3));
      s.tokenClock.advance(Duration.ofDays(3));
      browser.open(web.url("/quarantine/link?t=" + block));
      assertThat(browser.text()).contains("This link has expired.");
      assertThat(s.sink.dumps()).hasSize(1);
    }
  }
}
