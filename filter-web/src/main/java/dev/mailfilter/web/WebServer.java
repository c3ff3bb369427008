package dev.mailfilter.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.mailfilter.cluster.Brand;
import dev.mailfilter.cluster.Tenant;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.TenantStoreException;
import dev.mailfilter.cluster.admin.AdminApi;
import dev.mailfilter.cluster.admin.AdminClient;
import dev.mailfilter.cluster.admin.ApiException;
import dev.mailfilter.cluster.admin.ApiKeys;
import dev.mailfilter.cluster.admin.Principal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web server: pages registered by features ({@link WebPage}), behind one front that logs in,
 * keeps sessions, checks roles and CSRF tokens, and adds the security headers (docs/web.md).
 *
 * <pre>{@code
 * try (WebServer web = WebServer.builder().store(store).keys(keys)
 *         .pages(ResellerPanel.pages()).page(new MyPage()).start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Login is with the principal's API key (docs/web.md, "Logging in"): the admin API's own
 * credential, so every principal that can use the API can use the pages, with the same role and
 * scope, and there is no second secret to store, reset or leak.
 */
public final class WebServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);

  /** The form field that carries the session's CSRF token on every POST. */
  public static final String CSRF_FIELD = "_csrf";

  static final String COOKIE = "mf_session";
  static final String SECURE_COOKIE = "__Host-mf_session";
  static final String CSP =
      "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self';"
          + " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors ";

  private static final Map<String, String> STATIC =
      Map.of("web.css", "text/css; charset=utf-8", "web.js", "text/javascript; charset=utf-8");

  private final HttpServer http;
  private final ExecutorService executor;
  private final TenantStore store;
  private final AdminClient admin;
  private final List<WebPage> pages;
  private final Layout layout;
  private final Sessions sessions;
  private final LoginLimiter limiter;
  private final WebSettings settings;
  private final boolean secure;
  private final Map<String, byte[]> statics = new LinkedHashMap<>();
  private final HostBrands hostBrands;

  private WebServer(Builder b, HttpServer http, ExecutorService executor, boolean secure) {
    this.http = http;
    this.executor = executor;
    this.store = b.store;
    this.admin = AdminClient.of(AdminApi.over(b.store), b.keys);
    List<WebPage> sorted = new ArrayList<>(b.pages);
    this.pages = List.copyOf(sorted);
    sorted.sort(Comparator.comparingInt((WebPage p) -> p.path().length()).reversed());
    this.byPrefix = List.copyOf(sorted);
    this.layout = new Layout(pages);
    this.settings = b.settings;
    this.sessions =
        new Sessions(b.clock, b.settings.sessionIdle(), b.settings.sessionMax(), 100_000);
    this.limiter =
        new LoginLimiter(
            b.clock, b.settings.loginAttempts(), b.settings.loginMaxLockout(), 100_000);
    this.secure = secure || b.settings.secureCookies();
    this.hostBrands = new HostBrands(b.store, b.clock);
    for (String name : STATIC.keySet()) {
      try (InputStream in = WebServer.class.getResourceAsStream("static/" + name)) {
        if (in == null) {
          throw new IllegalStateException("static/" + name + " is missing from the jar");
        }
        statics.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private final List<WebPage> byPrefix;

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The bound address (its port when port 0 was asked for). */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  /** The admin API, in-process: what every page reads and changes the tree through. */
  public AdminClient admin() {
    return admin;
  }

  /** The pages registered, in registration order (the navigation bar's order). */
  public List<WebPage> pages() {
    return pages;
  }

  Layout layout() {
    return layout;
  }

  /** The store, read directly only for what the API cannot give a page (docs/design.md). */
  TenantStore store() {
    return store;
  }

  /** Stops accepting, lets requests in flight finish for up to a second, then stops. */
  @Override
  public void close() {
    http.stop(1);
    executor.close();
  }

  // --- the front ---

  private void handle(HttpExchange ex) {
    try (ex) {
      boolean[] embeddable = {false};
      WebResponse r;
      try {
        r = serve(ex, embeddable);
      } catch (ApiException e) {
        r = errorPage(ex, e.status(), e.getMessage(), e.fields());
      } catch (TenantStoreException e) {
        LOG.warn(
            "web: {} {}: store unavailable: {}", ex.getRequestMethod(), path(ex), e.getMessage());
        r = errorPage(ex, 503, "The tenant store is unavailable; try again shortly.", List.of());
      } catch (WebException e) {
        r = errorPage(ex, e.status(), e.getMessage(), List.of());
      } catch (CsrfRefused e) {
        r =
            errorPage(
                ex,
                403,
                "This form has expired or did not come from this site: reload the page and try"
                    + " again.",
                List.of());
      } catch (BodyTooLarge e) {
        r =
            errorPage(
                ex, 413, "The form is larger than " + settings.maxBody() + " bytes.", List.of());
      } catch (IOException | RuntimeException e) {
        LOG.warn("web: {} {} failed", ex.getRequestMethod(), path(ex), e);
        r = errorPage(ex, 500, "Internal error.", List.of());
      }
      write(ex, r, embeddable[0]);
    } catch (IOException | RuntimeException e) {
      LOG.debug("web: cannot answer {} {}: {}", ex.getRequestMethod(), path(ex), e.toString());
    }
  }

  private static String path(HttpExchange ex) {
    return ex.getRequestURI().getRawPath();
  }

  private WebResponse serve(HttpExchange ex, boolean[] embeddable) throws IOException {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getPath();
    if (path == null || path.isEmpty()) {
      path = "/";
    }
    if (path.startsWith("/static/") && (method.equals("GET") || method.equals("HEAD"))) {
      String name = path.substring(8);
      byte[] bytes = statics.get(name);
      if (bytes == null) {
        return plain(404, "not found");
      }
      return WebResponse.of(200, STATIC.get(name), bytes)
          .withHeader("Cache-Control", "public, max-age=3600");
    }
    if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("POST")) {
      return plain(405, "GET, HEAD or POST").withHeader("Allow", "GET, HEAD, POST");
    }
    Optional<Session> session = sessions.find(cookie(ex)).filter(this::keyStillValid);
    Map<String, List<String>> query = parse(ex.getRequestURI().getRawQuery());
    Map<String, List<String>> form = method.equals("POST") ? parse(readForm(ex)) : Map.of();
    Optional<Brand> brand = brand(ex, session);
    switch (path) {
      case "/login" -> {
        return login(ex, method, session, query, form);
      }
      case "/logout" -> {
        if (!method.equals("POST")) {
          return plain(405, "POST only").withHeader("Allow", "POST");
        }
        checkCsrf(session, form);
        session.ifPresent(sessions::remove);
        return WebResponse.redirect("/login").withHeader("Set-Cookie", clearCookie());
      }
      case "/brand.css" -> {
        return WebResponse.of(
                200,
                "text/css; charset=utf-8",
                brand.map(Layout::brandCss).orElse("").getBytes(StandardCharsets.UTF_8))
            .withHeader("Cache-Control", "no-store");
      }
      default -> {}
    }
    WebPage page = null;
    for (WebPage p : byPrefix) {
      if (path.equals(p.path()) || path.startsWith(p.path() + "/")) {
        page = p;
        break;
      }
    }
    boolean loggedIn = session.flatMap(Session::principal).isPresent();
    if (page == null || !page.anonymous()) {
      if (!loggedIn) {
        String next = ex.getRequestURI().getRawPath();
        if (ex.getRequestURI().getRawQuery() != null) {
          next += "?" + ex.getRequestURI().getRawQuery();
        }
        return WebResponse.redirect(
            "/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
      }
    }
    if (page == null && !path.equals("/")) {
      throw WebException.notFound();
    }
    if (page != null
        && !page.anonymous()
        && !page.roles().contains(session.get().principal().get().role())) {
      throw WebException.notFound(); // as the admin API: a page outside one's role does not exist
    }
    if (method.equals("POST") && (page == null || !page.csrfExempt())) {
      checkCsrf(session, form);
    }
    String rest = "";
    if (page != null && path.length() > page.path().length()) {
      rest = path.substring(page.path().length() + 1);
    }
    WebRequest q =
        new WebRequest(method, path, rest, query, form, client(ex), session, brand, this);
    if (page == null) {
      return home(q);
    }
    embeddable[0] = page.embeddable();
    return page.handle(q);
  }

  private WebResponse home(WebRequest q) {
    Principal p = q.principal();
    List<Html.Safe> items = new ArrayList<>();
    for (WebPage page : layout.nav(p)) {
      items.add(Html.fill("<li><a href=\"{}\">{}</a></li>", page.path(), page.title(p.role())));
    }
    return q.render(
        "Overview",
        Html.fill(
            "<p>Logged in as <strong>{}</strong>, {} of {}.</p><ul class=\"cards\">{}</ul>",
            p.name(),
            p.role().wireName().replace('_', ' '),
            p.scope().isRoot() ? "the whole service" : p.scope().toString(),
            Html.join(items)));
  }

  // --- login ---

  private WebResponse login(
      HttpExchange ex,
      String method,
      Optional<Session> session,
      Map<String, List<String>> query,
      Map<String, List<String>> form)
      throws IOException {
    String next = safeNext(last(method.equals("POST") ? form : query, "next"));
    if (method.equals("GET") || method.equals("HEAD")) {
      if (session.flatMap(Session::principal).isPresent()) {
        return WebResponse.redirect(next);
      }
      Session s = session.orElseGet(() -> sessions.create(Optional.empty()));
      return loginForm(ex, 200, s, next, null).withHeader("Set-Cookie", cookie(s));
    }
    if (!method.equals("POST")) {
      return plain(405, "GET or POST").withHeader("Allow", "GET, POST");
    }
    checkCsrf(session, form);
    Session pre = session.orElseThrow();
    String key = Optional.ofNullable(last(form, "key")).orElse("").trim();
    String ip = "ip:" + client(ex).getHostAddress();
    String account = "account:" + accountOf(key);
    Optional<Duration> locked = limiter.locked(ip, account);
    if (locked.isPresent()) {
      long seconds =
          Math.max(1, locked.get().toSeconds() + (locked.get().toMillisPart() > 0 ? 1 : 0));
      LOG.info("web: login refused while locked out: {} {}", ip, account);
      return loginForm(
              ex, 429, pre, next, "Too many failed logins. Try again in " + seconds + " seconds.")
          .withHeader("Retry-After", Long.toString(seconds));
    }
    Optional<Principal> p = admin.keys().authenticate(key);
    if (p.isEmpty()) {
      limiter.failed(ip, account);
      LOG.info("web: failed login from {} for {}", ip, account);
      return loginForm(ex, 401, pre, next, "That key is not valid.");
    }
    limiter.succeeded(ip, account);
    sessions.remove(pre); // a new id at login: a planted session id is worth nothing
    Session s = sessions.create(p);
    LOG.info("web: {} logged in from {}", p.get().name(), ip);
    return WebResponse.redirect(next).withHeader("Set-Cookie", cookie(s));
  }

  private WebResponse loginForm(HttpExchange ex, int status, Session s, String next, String error) {
    WebRequest q =
        new WebRequest(
            "GET",
            "/login",
            "",
            Map.of(),
            Map.of(),
            client(ex),
            Optional.of(s),
            hostBrands.find(ex.getRequestHeaders().getFirst("Host")),
            this);
    return q.render(
        status,
        "Log in",
        Html.fill(
            "{}<form class=\"login\" method=\"post\" action=\"/login\">{}"
                + "<input type=\"hidden\" name=\"next\" value=\"{}\">"
                + "<label for=\"key\">API key</label>"
                + "<input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"current-password\""
                + " required autofocus>"
                + "<p class=\"hint\">The key your provider or administrator gave you"
                + " (<code>mfk_…</code>).</p>"
                + "<button type=\"submit\">Log in</button></form>",
            error == null
                ? new Html.Safe("")
                : Html.fill("<p class=\"error\" role=\"alert\">{}</p>", error),
            Html.csrfField(q),
            next));
  }

  /** The account part of a key for the rate limit: its public id, or the text's hash. */
  private static String accountOf(String key) {
    if (key.startsWith("mfk_")) {
      int sep = key.indexOf('_', 4);
      if (sep > 4 && sep - 4 <= 32) {
        return key.substring(4, sep);
      }
    }
    return "?" + Integer.toHexString(key.hashCode());
  }

  /** Only a local path: never another site ({@code //evil.example}, {@code https:...}). */
  private static String safeNext(String next) {
    if (next == null
        || !next.startsWith("/")
        || next.startsWith("//")
        || next.startsWith("/\\")
        || next.startsWith("/login")
        || next.chars().anyMatch(c -> c < ' ')) {
      return "/";
    }
    return next;
  }

  /** A session ends with its key: revoking a key logs its holder out at the next request. */
  private boolean keyStillValid(Session s) {
    Optional<Principal> p = s.principal();
    if (p.isEmpty() || admin.keys().get(p.get().keyId()).isPresent()) {
      return true;
    }
    sessions.remove(s);
    return false;
  }

  private void checkCsrf(Optional<Session> session, Map<String, List<String>> form) {
    String sent = last(form, CSRF_FIELD);
    if (session.isEmpty()
        || sent == null
        || !MessageDigest.isEqual(
            sent.getBytes(StandardCharsets.UTF_8),
            session.get().csrf().getBytes(StandardCharsets.UTF_8))) {
      throw new CsrfRefused();
    }
  }

  // --- brand ---

  /**
   * The brand a request's pages wear: the logged-in principal's reseller's, or before the login the
   * brand that lists the request's host name.
   */
  private Optional<Brand> brand(HttpExchange ex, Optional<Session> session) {
    Optional<Principal> p = session.flatMap(Session::principal);
    if (p.isPresent()) {
      return brandOf(p.get());
    }
    return hostBrands.find(ex.getRequestHeaders().getFirst("Host"));
  }

  /**
   * The client's address: the peer, or when the peer is a trusted proxy the last address of its
   * {@code X-Forwarded-For} (the one it added; earlier ones the client may have forged).
   */
  private InetAddress client(HttpExchange ex) {
    InetAddress peer = ex.getRemoteAddress().getAddress();
    if (!settings.trustedProxies().contains(peer)) {
      return peer;
    }
    List<String> forwarded = ex.getRequestHeaders().get("X-Forwarded-For");
    if (forwarded == null || forwarded.isEmpty()) {
      return peer;
    }
    String all = forwarded.get(forwarded.size() - 1);
    String last = all.substring(all.lastIndexOf(',') + 1).trim();
    return WebSettings.literal(last).orElse(peer);
  }

  private Optional<Brand> brandOf(Principal p) {
    Optional<String> reseller = p.scope().name(TenantPath.Kind.RESELLER);
    if (reseller.isEmpty()) {
      return Optional.empty();
    }
    try {
      // Read directly, not through the API: a customer's principal may not read its reseller's
      // node, but its pages wear that reseller's brand.
      return store.get(TenantPath.reseller(reseller.get())).flatMap(Tenant::brand);
    } catch (TenantStoreException e) {
      return Optional.empty();
    }
  }

  // --- HTTP plumbing ---

  /** A POST without its session's CSRF token. */
  private static final class CsrfRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CsrfRefused() {
      super("the form's CSRF token is missing or does not match the session", null, false, false);
    }
  }

  private static final class BodyTooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BodyTooLarge() {
      super("body too large", null, false, false);
    }
  }

  private WebResponse errorPage(
      HttpExchange ex, int status, String message, List<ApiException.FieldError> fields) {
    String title =
        switch (status) {
          case 400 -> "Invalid input";
          case 403 -> "Not allowed";
          case 404 -> "Not found";
          case 409 -> "Changed meanwhile";
          case 413 -> "Too large";
          case 428 -> "Version required";
          case 503 -> "Unavailable";
          default -> "Error";
        };
    String text =
        switch (status) {
          case 404 -> "There is no such page or object.";
          case 409 ->
              "Someone changed this object meanwhile. Reload it and make your change again.";
          default -> message;
        };
    List<Html.Safe> items = new ArrayList<>();
    for (ApiException.FieldError f : fields) {
      items.add(Html.fill("<li><code>{}</code>: {}</li>", f.path(), f.reason()));
    }
    Optional<Session> s = sessions.find(cookie(ex));
    WebRequest q =
        new WebRequest(
            "GET",
            ex.getRequestURI().getPath(),
            "",
            Map.of(),
            Map.of(),
            client(ex),
            s.filter(x -> x.principal().isPresent()),
            brand(ex, s),
            this);
    return q.render(
        status,
        title,
        Html.fill(
            "<p class=\"error\" role=\"alert\">{}</p>{}",
            text,
            items.isEmpty() ? new Html.Safe("") : Html.fill("<ul>{}</ul>", Html.join(items))));
  }

  private String cookie(HttpExchange ex) {
    String name = secure ? SECURE_COOKIE : COOKIE;
    List<String> headers = ex.getRequestHeaders().get("Cookie");
    if (headers == null) {
      return null;
    }
    for (String h : headers) {
      for (String part : h.split(";")) {
        String t = part.trim();
        if (t.startsWith(name + "=")) {
          return t.substring(name.length() + 1);
        }
      }
    }
    return null;
  }

  private String cookie(Session s) {
    return (secure ? SECURE_COOKIE : COOKIE)
        + "="
        + s.id()
        + "; Path=/; HttpOnly; SameSite=Strict"
        + (secure ? "; Secure" : "");
  }

  private String clearCookie() {
    return (secure ? SECURE_COOKIE : COOKIE)
        + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
        + (secure ? "; Secure" : "");
  }

  private String readForm(HttpExchange ex) throws IOException {
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > settings.maxBody()) {
          throw new BodyTooLarge();
        }
      } catch (NumberFormatException e) {
        throw new BodyTooLarge();
      }
    }
    byte[] body = ex.getRequestBody().readNBytes((int) settings.maxBody() + 1);
    if (body.length > settings.maxBody()) {
      throw new BodyTooLarge();
    }
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (body.length > 0
        && (type == null
            || !type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded"))) {
      return "";
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  /** A query string or form body: every value of each name, in order; bad escapes are dropped. */
  static Map<String, List<String>> parse(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      try {
        String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
      } catch (IllegalArgumentException e) {
        // a malformed escape: the field is left out, as a browser never sends one
      }
    }
    out.replaceAll((k, v) -> List.copyOf(v));
    return out;
  }

  private static String last(Map<String, List<String>> m, String name) {
    List<String> v = m.get(name);
    return v == null || v.isEmpty() ? null : v.get(v.size() - 1);
  }

  private static WebResponse plain(int status, String text) {
    return WebResponse.of(
        status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }

  private void write(HttpExchange ex, WebResponse r, boolean embeddable) throws IOException {
    var h = ex.getResponseHeaders();
    h.set("Content-Security-Policy", CSP + (embeddable ? "*" : "'none'"));
    if (!embeddable) {
      h.set("X-Frame-Options", "DENY");
    }
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "same-origin");
    h.set("Cache-Control", "no-store");
    if (secure) {
      h.set("Strict-Transport-Security", "max-age=31536000");
    }
    r.headers().forEach(h::set);
    if (r.contentType() != null) {
      h.set("Content-Type", r.contentType());
    }
    boolean noBody = r.body().length == 0 || ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(r.status(), noBody ? -1 : r.body().length);
    if (!noBody) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(r.body());
      }
    }
  }

  /** Builds and starts a {@link WebServer}. */
  public static final class Builder {
    private TenantStore store;
    private ApiKeys keys;
    private final List<WebPage> pages = new ArrayList<>();
    private WebSettings settings = WebSettings.defaults();
    private Clock clock = Clock.systemUTC();
    private SSLContext tls;

    private Builder() {}

    /** The tenant store the admin API reads and writes. */
    public Builder store(TenantStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** The API keys: the logins. */
    public Builder keys(ApiKeys keys) {
      this.keys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /** Where to listen, session lifetimes, login limits. */
    public Builder settings(WebSettings settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /** Where to listen; port 0 for any free port. */
    public Builder listen(InetSocketAddress listen) {
      this.settings = settings.withListen(Objects.requireNonNull(listen, "listen"));
      return this;
    }

    /** Adds a page; the navigation bar lists pages in the order added. */
    public Builder page(WebPage page) {
      Objects.requireNonNull(page, "page");
      String p = page.path();
      if (!p.startsWith("/")
          || p.endsWith("/")
          || p.equals("/login")
          || p.equals("/logout")
          || p.startsWith("/static")
          || p.equals("/brand.css")) {
        throw new IllegalArgumentException("not a page path: \"" + p + "\"");
      }
      for (WebPage q : pages) {
        if (q.path().equals(p)) {
          throw new IllegalArgumentException("two pages at " + p);
        }
      }
      pages.add(page);
      return this;
    }

    /** Adds pages in order. */
    public Builder pages(List<? extends WebPage> pages) {
      pages.forEach(this::page);
      return this;
    }

    /** Tests: the clock of sessions and login lockouts. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Serves HTTPS with this context (cookies then always {@code Secure}). */
    public Builder tls(SSLContext tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /** Binds and starts the server. */
    public WebServer start() throws IOException {
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(keys, "keys");
      HttpServer http;
      if (tls != null) {
        HttpsServer https = HttpsServer.create(settings.listen(), 64);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        http = https;
      } else {
        http = HttpServer.create(settings.listen(), 64);
      }
      ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
      http.setExecutor(executor);
      WebServer server = new WebServer(this, http, executor, tls != null);
      http.createContext("/", server::handle);
      http.start();
      return server;
    }
  }
}
