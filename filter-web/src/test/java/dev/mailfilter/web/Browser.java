package dev.mailfilter.web;

import dev.mailfilter.testkit.DebianPackage;
import dev.mailfilter.testkit.FreePort;
import dev.mailfilter.testkit.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.remote.RemoteWebDriver;

/**
 * A real headless Chromium for browser tests, driven through Debian's chromium-driver with
 * Selenium: {@code @ExtendWith(Browser.Extension.class)} and a {@code Browser} parameter. One
 * chromedriver per test class, on a free loopback port, stopped by its PID; every page the browser
 * loads through {@link #open} or {@link #click} is saved as a screenshot to {@code
 * target/screenshots/<TestClass>-<method>-<n>-<path>.png} (a build artefact).
 *
 * <p>Chromium missing: a failed test when running as root (the test command installs {@code
 * .ci/packages} then, so it must be there), a skip naming the packages otherwise.
 */
final class Browser {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private final WebDriver driver;
  private volatile String prefix;
  private final AtomicInteger shots = new AtomicInteger();

  private Browser(WebDriver driver, String prefix) {
    this.driver = driver;
    this.prefix = prefix;
  }

  /** The driver; navigate with {@link #open} and {@link #click}, which take the screenshots. */
  WebDriver driver() {
    return driver;
  }

  /** Opens a URL, then saves a screenshot. */
  void open(String url) {
    driver.get(url);
    shoot();
  }

  /** Clicks an element (a link, a submit button), then saves a screenshot of the page it loads. */
  void click(By by) {
    driver.findElement(by).click();
    shoot();
  }

  /** Clicks an element that asks for confirmation first, accepts it, then saves a screenshot. */
  void clickAndConfirm(By by) {
    driver.findElement(by).click();
    driver.switchTo().alert().accept();
    shoot();
  }

  /** Types into a field, replacing what it held. */
  void type(By by, String text) {
    WebElement e = driver.findElement(by);
    e.clear();
    e.sendKeys(text);
  }

  /** Logs in on {@code base}'s login page with a key; the browser follows to the overview. */
  void login(String base, String key) {
    driver.manage().deleteAllCookies();
    open(base + "/login");
    type(By.id("key"), key);
    click(By.cssSelector("form.login button[type=submit]"));
  }

  /** The page's visible text. */
  String text() {
    return driver.findElement(By.tagName("body")).getText();
  }

  /** The page's title. */
  String title() {
    return driver.getTitle();
  }

  /** The path of the current URL. */
  String path() {
    return URI.create(driver.getCurrentUrl()).getPath();
  }

  /**
   * The console messages since the last call that report a content security policy violation (an
   * inline script or style, a resource from elsewhere).
   */
  List<String> cspViolations() {
    return driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
        .map(org.openqa.selenium.logging.LogEntry::getMessage)
        .filter(m -> m.contains("Content Security Policy"))
        .toList();
  }

  /** The session cookie, if the browser has one. */
  Cookie sessionCookie() {
    return driver.manage().getCookieNamed(WebServer.COOKIE);
  }

  /** Saves a screenshot of the current page. */
  void shoot() {
    WebDriver d = driver;
    try {
      String path = URI.create(d.getCurrentUrl()).getPath();
      String slug = path.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-|-$", "");
      if (slug.isEmpty()) {
        slug = "root";
      }
      Files.createDirectories(SCREENSHOTS);
      Path tmp = ((TakesScreenshot) d).getScreenshotAs(OutputType.FILE).toPath();
      String name =
          String.format(Locale.ROOT, "%s-%02d-%s.png", prefix, shots.incrementAndGet(), slug);
      Files.move(tmp, SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save a screenshot", e);
    }
  }

  /** Starts chromedriver and the browser per test class, and passes the {@link Browser}. */
  static final class Extension
      implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS =
        ExtensionContext.Namespace.create(Browser.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
      requireChromium();
      int port = FreePort.tcp();
      Process driverProcess =
          new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
              .redirectErrorStream(true)
              .redirectOutput(Path.of("target", "chromedriver-" + port + ".log").toFile())
              .start();
      ProcessHandle handle = driverProcess.toHandle();
      context
          .getStore(NS)
          .put(
              "driver-process",
              (AutoCloseable) () -> Processes.stop(handle, Duration.ofSeconds(5)));
      if (!Processes.await(Duration.ofSeconds(30), () -> listening(port))) {
        throw new AssertionError("chromedriver did not listen on port " + port + " within 30 s");
      }
      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM.toString());
      options.addArguments(
          "--headless=new",
          "--no-sandbox",
          "--disable-dev-shm-usage",
          "--disable-gpu",
          "--window-size=1280,900",
          "--lang=en-GB");
      // The browser's console, to find content security policy violations.
      options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
      RemoteWebDriver raw =
          new RemoteWebDriver(URI.create("http://127.0.0.1:" + port).toURL(), options);
      raw.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
      Browser browser = new Browser(raw, context.getRequiredTestClass().getSimpleName());
      context.getStore(NS).put("browser", browser);
      context.getStore(NS).put("webdriver", (AutoCloseable) raw::quit);
    }

    /** Names the screenshots after the test ({@code Class-method-01-path.png}). */
    @Override
    public void beforeEach(ExtensionContext context) {
      Browser b = context.getStore(NS).get("browser", Browser.class);
      if (b != null) {
        b.prefix =
            context.getRequiredTestClass().getSimpleName()
                + "-"
                + context.getRequiredTestMethod().getName();
        b.shots.set(0);
      }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
      // The store closes what it holds in reverse order: the browser, then chromedriver.
      AutoCloseable quit = context.getStore(NS).remove("webdriver", AutoCloseable.class);
      AutoCloseable stop = context.getStore(NS).remove("driver-process", AutoCloseable.class);
      try {
        if (quit != null) {
          quit.close();
        }
      } finally {
        if (stop != null) {
          stop.close();
        }
      }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
      return p.getParameter().getType() == Browser.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
      return e.getStore(NS).get("browser", Browser.class);
    }

    private static boolean listening(int port) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return s.isConnected();
      } catch (IOException e) {
        return false;
      }
    }

    private static void requireChromium() {
      boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
      boolean root = ProcessHandle.current().info().user().map("root"::equals).orElse(false);
      if (!present && !root) {
        Assumptions.abort(
            "no chromium and chromium-driver, and not root to install them: apt-get install"
                + " chromium chromium-driver (listed in .ci/packages)");
      }
      DebianPackage.require(CHROMIUM, "chromium");
      DebianPackage.require(CHROMEDRIVER, "chromium-driver");
    }
  }

  static List<String> screenshots() throws IOException {
    try (var s = Files.list(SCREENSHOTS)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
