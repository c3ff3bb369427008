package dev.mailfilter.web;

import static dev.mailfilter.web.WebFixture.BAKERY;
import static dev.mailfilter.web.WebFixture.BAKERY_DOMAIN;
import static dev.mailfilter.web.WebFixture.BOSS;
import static dev.mailfilter.web.WebFixture.CLERK;
import static dev.mailfilter.web.WebFixture.OTHER;
import static dev.mailfilter.web.WebFixture.RIVAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.admin.Role;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;

/**
 * The reseller panel in a real Chromium: each role logs in and sees only its scope; a reseller
 * admin manages a customer, its domain, route and user, and its brand; a changed id is a 404; an
 * expired session goes to the login; the login locks out; the layout fits a phone. Screenshots of
 * every page in {@code target/screenshots}.
 */
@ExtendWith(Browser.Extension.class)
class PanelBrowserTest {
  @TempDir Path dir;
  WebFixture web;

  @BeforeEach
  void start() throws Exception {
    web = WebFixture.start(dir, TenantsPage.panel());
  }

  @AfterEach
  void stop(Browser browser) {
    browser.driver().manage().window().setSize(new Dimension(1280, 900));
    web.close();
  }

  private void login(Browser b, Role role) {
    b.login(web.url(""), web.key(role));
    assertThat(b.path()).as(role + " logged in").isEqualTo("/");
  }

  @Test
  void theOperatorSeesEveryReseller(Browser b) {
    login(b, Role.OPERATOR);
    b.click(By.linkText("Resellers and customers"));
    assertThat(b.path()).isEqualTo("/tenants");
    assertThat(b.text()).contains("acme", "other");
    b.click(By.linkText("other"));
    assertThat(b.text()).contains("rival");
  }

  @Test
  void aResellerAdminSeesItsCustomersAndNotAnotherResellers(Browser b) {
    login(b, Role.RESELLER_ADMIN);
    assertThat(b.text()).contains("Acme Mail Shield"); // its brand's name in the header
    b.click(By.linkText("Customers"));
    assertThat(b.path()).isEqualTo("/tenants/resellers/acme");
    assertThat(b.text()).contains("bakery").doesNotContain("rival");
    b.open(web.url(TreePaths.page(OTHER)));
    assertThat(b.title()).startsWith("Not found");
    b.open(web.url(TreePaths.page(RIVAL)));
    assertThat(b.title()).startsWith("Not found");
  }

  @Test
  void aCustomerAdminSeesItsDomains(Browser b) {
    login(b, Role.CUSTOMER_ADMIN);
    b.click(By.linkText("Domains"));
    assertThat(b.path()).isEqualTo(TreePaths.page(BAKERY));
    assertThat(b.text()).contains("bakery.example");
    b.open(web.url(TreePaths.page(WebFixture.ACME)));
    assertThat(b.title()).startsWith("Not found");
  }

  @Test
  void aDomainAdminSeesItsUsersAndRoute(Browser b) {
    login(b, Role.DOMAIN_ADMIN);
    b.click(By.linkText("Users"));
    assertThat(b.path()).isEqualTo(TreePaths.page(BAKERY_DOMAIN));
    assertThat(b.text()).contains("boss", "clerk", "Route");
    b.type(By.id("host"), "mail.bakery.example");
    b.type(By.id("port"), "2525");
    b.click(By.cssSelector("form[action$='/route'] button"));
    assertThat(b.text()).contains("Saved: route.");
    assertThat(b.text()).contains("route.host", "mail.bakery.example", "this domain");
    b.open(web.url(TreePaths.page(BAKERY)));
    assertThat(b.title()).startsWith("Not found");
  }

  @Test
  void aUserSeesOnlyItselfAndCannotOpenAnotherUserByChangingTheName(Browser b) {
    login(b, Role.USER);
    b.click(By.linkText("My settings"));
    assertThat(b.path()).isEqualTo(TreePaths.page(BOSS));
    assertThat(b.text()).contains("Allow and block lists").doesNotContain("Own settings");
    b.open(web.url(TreePaths.page(CLERK)));
    assertThat(b.title()).startsWith("Not found");
    assertThat(b.text()).doesNotContain("Version");
  }

  @Test
  void aResellerAdminManagesACustomerFromTopToBottom(Browser b) {
    login(b, Role.RESELLER_ADMIN);
    b.click(By.linkText("Customers"));
    b.type(By.id("new-customers"), "cafe");
    b.click(By.cssSelector("form[action$='/create'] button"));
    assertThat(b.path()).isEqualTo("/tenants/resellers/acme/customers/cafe");
    b.type(By.id("settings"), "{\"actions\": {\"add_header\": 4.5}}");
    b.click(By.cssSelector("form[action$='/settings'] button"));
    assertThat(b.text()).contains("Saved: settings.");
    b.type(By.id("new-domains"), "cafe.example");
    b.click(By.cssSelector("form[action$='/create'] button"));
    assertThat(b.text()).contains("actions.add_header", "4.5", "customer cafe");
    b.type(By.id("new-users"), "barista");
    // Keyboard only: Enter in the field submits its form.
    b.driver().findElement(By.id("new-users")).sendKeys(Keys.ENTER);
    b.shoot();
    assertThat(b.path()).endsWith("/users/barista");
    b.clickAndConfirm(By.cssSelector("form[action$='/delete'] button")); // web.js asks first
    assertThat(b.path()).endsWith("/domains/cafe.example");
    assertThat(b.text()).contains("Saved: deleted.").contains("No users yet.");
    TenantPath cafe = WebFixture.ACME.child(TenantPath.Kind.CUSTOMER, "cafe");
    assertThat(web.store.get(cafe.child(TenantPath.Kind.DOMAIN, "cafe.example"))).isPresent();
  }

  @Test
  void aResellerAdminChangesItsBrandAndItsCustomersSeeIt(Browser b) {
    login(b, Role.RESELLER_ADMIN);
    b.click(By.linkText("Brand"));
    assertThat(b.path()).isEqualTo("/tenants/resellers/acme/brand");
    b.type(By.id("name"), "Bakers' Shield");
    b.type(By.id("support_address"), "help@acme.example");
    ((JavascriptExecutor) b.driver())
        .executeScript("document.getElementById('colour_primary').value = '#004d40';");
    b.click(By.cssSelector("main form button[type=submit]"));
    assertThat(b.text()).contains("Brand saved.");
    login(b, Role.CUSTOMER_ADMIN);
    assertThat(b.text()).contains("Bakers' Shield", "help@acme.example");
    String header =
        (String)
            ((JavascriptExecutor) b.driver())
                .executeScript(
                    "return getComputedStyle(document.querySelector('header.top'))"
                        + ".backgroundColor;");
    assertThat(header).isEqualTo("rgb(0, 77, 64)");
  }

  @Test
  void anExpiredSessionGoesBackToTheLogin(Browser b) {
    login(b, Role.CUSTOMER_ADMIN);
    b.click(By.linkText("Domains"));
    web.clock.advance(Duration.ofMinutes(31));
    b.open(web.url(TreePaths.page(BAKERY)));
    assertThat(b.path()).isEqualTo("/login");
    b.type(By.id("key"), web.customerKey);
    b.click(By.cssSelector("form.login button"));
    assertThat(b.path()).isEqualTo(TreePaths.page(BAKERY)); // back where it was
  }

  @Test
  void theLoginLocksOutAfterRepeatedFailures(Browser b) {
    b.driver().manage().deleteAllCookies();
    b.open(web.url("/login"));
    for (int i = 0; i < 5; i++) {
      b.type(By.id("key"), "mfk_0123456789abcdef_wrong");
      b.click(By.cssSelector("form.login button"));
      assertThat(b.text()).contains("That key is not valid.");
    }
    b.type(By.id("key"), web.customerKey);
    b.click(By.cssSelector("form.login button"));
    assertThat(b.text()).contains("Too many failed logins");
    assertThat(b.path()).isEqualTo("/login");
  }

  @Test
  void aFormWithoutItsCsrfTokenIsRefused(Browser b) {
    login(b, Role.CUSTOMER_ADMIN);
    b.open(web.url(TreePaths.page(BAKERY)));
    b.type(By.id("settings"), "{\"actions\": {\"add_header\": 3}}");
    ((JavascriptExecutor) b.driver())
        .executeScript("document.querySelectorAll('input[name=_csrf]').forEach(e => e.remove());");
    b.click(By.cssSelector("form[action$='/settings'] button"));
    assertThat(b.title()).startsWith("Not allowed");
    assertThat(b.text()).contains("reload the page");
    assertThat(web.store.get(BAKERY).orElseThrow().settings().values()).isEmpty();
  }

  @Test
  void noPanelPageBreaksTheContentSecurityPolicy(Browser b) {
    login(b, Role.OPERATOR);
    b.cspViolations();
    for (String path :
        java.util.List.of(
            "/",
            TenantsPage.PATH,
            TreePaths.page(WebFixture.ACME),
            TreePaths.page(WebFixture.ACME) + "/brand",
            TreePaths.page(BAKERY),
            TreePaths.page(BAKERY_DOMAIN),
            TreePaths.page(BOSS),
            TreePaths.page(RIVAL) + "/nothing-here")) {
      b.open(web.url(path));
      assertThat(b.cspViolations()).as(path).isEmpty();
    }
  }

  @Test
  void aResellerAdminGivesItsCustomerALoginThatWorks(Browser b) {
    login(b, Role.RESELLER_ADMIN);
    b.open(web.url(TreePaths.page(BAKERY)));
    b.type(By.id("login-name"), "carla@bakery.example");
    b.click(By.cssSelector("form[action$='/logins'] button"));
    assertThat(b.title()).startsWith("New login");
    String key = b.driver().findElement(By.id("new-key")).getAttribute("value");
    assertThat(key).startsWith("mfk_");
    b.login(web.url(""), key);
    assertThat(b.text()).contains("carla@bakery.example", "customer admin");
  }

  @Test
  void everyFieldHasALabelAndEveryPageOneHeading(Browser b) {
    login(b, Role.OPERATOR);
    String unlabelled =
        "return Array.from(document.querySelectorAll('input, select, textarea'))"
            + ".filter(e => e.type !== 'hidden')"
            + ".filter(e => !(e.id && document.querySelector('label[for=\"' + e.id + '\"]'))"
            + " && !e.getAttribute('aria-label'))"
            + ".map(e => e.outerHTML);";
    for (String path :
        java.util.List.of(
            "/login",
            TenantsPage.PATH,
            TreePaths.page(WebFixture.ACME),
            TreePaths.page(WebFixture.ACME) + "/brand",
            TreePaths.page(BAKERY),
            TreePaths.page(BAKERY_DOMAIN),
            TreePaths.page(BOSS))) {
      b.open(web.url(path));
      assertThat((java.util.List<?>) ((JavascriptExecutor) b.driver()).executeScript(unlabelled))
          .as(path)
          .isEmpty();
      assertThat(b.driver().findElements(By.tagName("h1"))).as(path).hasSize(1);
    }
  }

  @Test
  void thePanelFitsAPhone(Browser b) {
    login(b, Role.RESELLER_ADMIN);
    b.driver().manage().window().setSize(new Dimension(390, 844));
    b.open(web.url(TreePaths.page(BAKERY)));
    long overflow =
        (Long)
            ((JavascriptExecutor) b.driver())
                .executeScript("return document.documentElement.scrollWidth - window.innerWidth;");
    assertThat(overflow).as("no sideways scrolling of the page").isLessThanOrEqualTo(0);
    assertThat(b.driver().findElement(By.id("settings")).getSize().getWidth())
        .isLessThanOrEqualTo(390);
  }
}
