package dev.mailfilter.web;

import dev.mailfilter.cluster.admin.Role;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/**
 * One page (or a family of pages under one path prefix) of the web server. A feature makes its
 * pages and passes them to {@link WebServer.Builder#page(WebPage)}; the server does the rest:
 * session, login, role check, CSRF check of every POST, security headers, errors.
 *
 * <pre>{@code
 * record Hello() implements WebPage {
 *   public String path() { return "/hello"; }
 *   public String title() { return "Hello"; }
 *   public WebResponse handle(WebRequest q) {
 *     return q.render("Hello", Html.fill("<p>Hello, {}.</p>", q.principal().name()));
 *   }
 * }
 * }</pre>
 *
 * <p>Authorisation: {@link #roles()} only says who sees the page at all (others get a 404). What a
 * page shows or changes must be authorised against the tenant tree with the admin API's own rules:
 * call the API in-process ({@link WebRequest#admin()}) or {@link
 * dev.mailfilter.cluster.admin.AdminApi#authorise} for objects the API does not hold.
 */
public interface WebPage {
  /**
   * The path prefix: {@code /customers} serves {@code /customers} and everything under {@code
   * /customers/}. Starts with {@code /}, no trailing {@code /}; the longest matching prefix wins.
   */
  String path();

  /** The label in the navigation bar and the default page title. */
  String title();

  /** The label a role sees ({@code Customers} for a reseller admin); default {@link #title()}. */
  default String title(Role role) {
    return title();
  }

  /** The roles that may open the page; default all. Anyone else gets a 404. */
  default Set<Role> roles() {
    return EnumSet.allOf(Role.class);
  }

  /** Whether the page is listed in the navigation bar; default yes. */
  default boolean inNav() {
    return true;
  }

  /**
   * Whether other sites may show the page in a frame (the spam-source map's iframe); default no:
   * {@code X-Frame-Options: DENY} and {@code frame-ancestors 'none'}.
   */
  default boolean embeddable() {
    return false;
  }

  /**
   * Whether the page is served without a login (an embeddable map, a digest's signed link); default
   * no. Such a page sees no principal and must authorise by its own means (a signed token). A POST
   * to it is still refused without a session's CSRF token unless {@link #csrfExempt()}.
   */
  default boolean anonymous() {
    return false;
  }

  /**
   * Whether a POST to the page skips the CSRF check: only for an anonymous page whose request
   * carries its own proof (a signed, single-use token); default no.
   */
  default boolean csrfExempt() {
    return false;
  }

  /**
   * Answers a request. An {@link dev.mailfilter.cluster.admin.ApiException} thrown here becomes its
   * status page (404, 403, 400 with the fields, 409).
   */
  WebResponse handle(WebRequest request) throws IOException;
}
