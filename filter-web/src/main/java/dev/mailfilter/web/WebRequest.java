package dev.mailfilter.web;

import dev.mailfilter.cluster.Brand;
import dev.mailfilter.cluster.admin.AdminClient;
import dev.mailfilter.cluster.admin.Principal;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request as a page sees it: already past the login, role and CSRF checks.
 *
 * @param method {@code GET}, {@code POST}...
 * @param path the decoded path ({@code /customers/acme})
 * @param rest the part of the path after the page's prefix, without its leading {@code /} ({@code
 *     acme}; empty for the prefix itself)
 * @param query the query parameters, decoded (a repeated name: every value, in order)
 * @param form a POST's form fields ({@code application/x-www-form-urlencoded}), decoded
 * @param client the client's address
 * @param session the session; empty only on an {@link WebPage#anonymous()} page without one
 * @param brand the white label of the principal's reseller, if it has one
 * @param server the server, for the layout and the admin API
 */
public record WebRequest(
    String method,
    String path,
    String rest,
    Map<String, List<String>> query,
    Map<String, List<String>> form,
    InetAddress client,
    Optional<Session> session,
    Optional<Brand> brand,
    WebServer server) {

  /** Copies the maps. */
  public WebRequest {
    query = Map.copyOf(query);
    form = Map.copyOf(form);
  }

  /** The logged-in principal; throws on an anonymous page without a login. */
  public Principal principal() {
    return session
        .flatMap(Session::principal)
        .orElseThrow(() -> new IllegalStateException("no principal: an anonymous request"));
  }

  /** The principal when there is one (anonymous pages). */
  public Optional<Principal> principalIfAny() {
    return session.flatMap(Session::principal);
  }

  /** The session's CSRF token, for a form's hidden field ({@link Html#csrfField}). */
  public String csrf() {
    return session.map(Session::csrf).orElse("");
  }

  /** The last value of a query parameter or, on a POST, form field (the form wins). */
  public Optional<String> param(String name) {
    List<String> v = form.get(name);
    if (v == null || v.isEmpty()) {
      v = query.get(name);
    }
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
  }

  /** Every value of a query parameter or form field (bulk actions: one per checked box). */
  public List<String> params(String name) {
    List<String> v = form.get(name);
    if (v == null) {
      v = query.get(name);
    }
    return v == null ? List.of() : v;
  }

  /** The admin API, called in-process as this request's principal. */
  public AdminClient admin() {
    return server.admin();
  }

  /** A page in the layout (navigation bar, brand, logout) with status 200. */
  public WebResponse render(String title, Html.Safe body) {
    return render(200, title, body);
  }

  /** A page in the layout with a status. */
  public WebResponse render(int status, String title, Html.Safe body) {
    return WebResponse.html(status, server.layout().page(this, title, body));
  }
}
