package dev.mailfilter.web;

import dev.mailfilter.cluster.Brand;
import dev.mailfilter.cluster.admin.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The frame of every page: the brand (logo, name, colours through {@code /brand.css}), the
 * navigation bar of the pages the principal's role may open, who is logged in, the logout button,
 * and the support address. No inline script or style: the content security policy forbids both.
 */
final class Layout {
  static final String PRODUCT = "mailfilter";

  private final List<WebPage> pages;

  Layout(List<WebPage> pages) {
    this.pages = List.copyOf(pages);
  }

  /** The nav entries a principal sees. */
  List<WebPage> nav(Principal p) {
    List<WebPage> out = new ArrayList<>();
    for (WebPage page : pages) {
      if (page.inNav() && !page.anonymous() && page.roles().contains(p.role())) {
        out.add(page);
      }
    }
    return out;
  }

  String page(WebRequest q, String title, Html.Safe body) {
    String product = q.brand().map(Brand::name).orElse(PRODUCT);
    StringBuilder b = new StringBuilder(4096);
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append(Html.fill("<title>{} · {}</title>", title, product))
        .append("<link rel=\"stylesheet\" href=\"/static/web.css\">")
        .append("<link rel=\"stylesheet\" href=\"/brand.css\">")
        .append("<script src=\"/static/web.js\" defer></script></head><body>")
        .append("<a class=\"skip\" href=\"#main\">Skip to content</a>")
        .append("<header class=\"top\"><div class=\"brand\">");
    q.brand()
        .flatMap(Brand::logoUrl)
        .ifPresent(u -> b.append(Html.fill("<img class=\"logo\" src=\"{}\" alt=\"\">", u)));
    b.append(Html.fill("<a class=\"product\" href=\"/\">{}</a></div>", product));
    q.principalIfAny()
        .ifPresent(
            p -> {
              b.append("<nav aria-label=\"Main\"><ul>");
              List<Map.Entry<String, String>> entries = new ArrayList<>();
              entries.add(Map.entry("/", "Overview"));
              nav(p).forEach(page -> entries.add(Map.entry(page.path(), page.title(p.role()))));
              for (Map.Entry<String, String> e : entries) {
                boolean current =
                    e.getKey().equals("/")
                        ? q.path().equals("/")
                        : q.path().equals(e.getKey()) || q.path().startsWith(e.getKey() + "/");
                b.append(
                    Html.fill(
                        "<li><a href=\"{}\"{}>{}</a></li>",
                        e.getKey(),
                        new Html.Safe(current ? " aria-current=\"page\"" : ""),
                        e.getValue()));
              }
              b.append("</ul></nav>")
                  .append(
                      Html.fill(
                          "<div class=\"who\"><span>{} <small>({}, {})</small></span>"
                              + "<form method=\"post\" action=\"/logout\">{}"
                              + "<button type=\"submit\">Log out</button></form></div>",
                          p.name(),
                          p.role().wireName().replace('_', ' '),
                          p.scope().isRoot() ? "everything" : p.scope().toString(),
                          Html.csrfField(q)));
            });
    b.append("</header><main id=\"main\">")
        .append(Html.fill("<h1>{}</h1>", title))
        .append(body.html())
        .append("</main>");
    q.brand()
        .ifPresent(
            br ->
                b.append(
                    Html.fill(
                        "<footer>Support: <a href=\"mailto:{}\">{}</a></footer>",
                        br.supportAddress(),
                        br.supportAddress())));
    b.append("</body></html>\n");
    return b.toString();
  }

  /** The brand's colours as CSS custom properties; validated {@code #rrggbb} values only. */
  static String brandCss(Brand brand) {
    StringBuilder b = new StringBuilder(":root {\n");
    brand
        .colours()
        .forEach((role, c) -> b.append("  --").append(role).append(": ").append(c).append(";\n"));
    return b.append("}\n").toString();
  }
}
