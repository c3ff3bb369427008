package dev.mailfilter.web;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.cluster.Snapshot;
import dev.mailfilter.cluster.Tenant;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.admin.Principal;
import dev.mailfilter.cluster.admin.Role;
import dev.mailfilter.cluster.events.Charts;
import dev.mailfilter.cluster.events.EventQuery;
import dev.mailfilter.cluster.events.EventRecorder;
import dev.mailfilter.cluster.events.EventScope;
import dev.mailfilter.cluster.events.EventSettings;
import dev.mailfilter.cluster.events.EventStats;
import dev.mailfilter.cluster.events.EventStore;
import dev.mailfilter.cluster.events.EventViews;
import dev.mailfilter.cluster.events.VerdictEvent;
import dev.mailfilter.cluster.state.StateSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The pages over the verdict events: the spam-source map ({@code /map}, and {@code /map/embed} for
 * an iframe), statistics ({@code /statistics}) and message tracking ({@code /tracking}). Operators
 * and reseller, customer and domain admins open them; each sees the events with a recipient in its
 * own subtree's domains (an operator sees all, refusals before RCPT included), and may narrow them
 * to a tenant inside its scope.
 *
 * <pre>{@code
 * WebServer.builder()...pages(EventPages.of(events, tenants::snapshot, tokens, Duration.ofHours(1),
 *     "https://mx.example.net", Clock.systemUTC()).pages())
 * }</pre>
 */
public final class EventPages {
  static final Set<Role> VIEWERS =
      EnumSet.of(Role.OPERATOR, Role.RESELLER_ADMIN, Role.CUSTOMER_ADMIN, Role.DOMAIN_ADMIN);

  /** The periods offered, by their parameter value. */
  static final Map<String, Duration> PERIODS = periods();

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final EventStore store;
  private final Supplier<Snapshot> tenants;
  private final EmbedTokens tokens;
  private final EventViews views;
  private final String publicUrl;
  private final Clock clock;
  private volatile Domains domains = new Domains(-1, List.of(), Instant.EPOCH);

  /** The tree's domains by path, read again when older than 30 seconds. */
  private record Domains(long version, List<Tenant> nodes, Instant read) {}

  private EventPages(
      EventStore store,
      Supplier<Snapshot> tenants,
      EmbedTokens tokens,
      Duration refresh,
      String publicUrl,
      Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.tenants = Objects.requireNonNull(tenants, "tenants");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.views = EventViews.of(store, refresh, clock);
    this.publicUrl =
        publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
  }

  /**
   * The pages over these events.
   *
   * @param store the events (the shared Redis stream of the cluster, or a node's ring)
   * @param tenants the tenant tree ({@code TenantStore::snapshot}), for the viewers' domains; read
   *     at most every 30 seconds
   * @param tokens the embed tokens' key
   * @param refresh how long a map and its figures are reused (at most an hour)
   * @param publicUrl the address browsers reach this server at, for the iframe snippet
   */
  public static EventPages of(
      EventStore store,
      Supplier<Snapshot> tenants,
      EmbedTokens tokens,
      Duration refresh,
      String publicUrl,
      Clock clock) {
    return new EventPages(store, tenants, tokens, refresh, publicUrl, clock);
  }

  /**
   * The pages of a {@code mailfilter web} process: the events of the process's recorder for this
   * configuration (the cluster's Redis stream with the {@code redis} section; else this process's
   * own ring, which only an embedder serving the pages from the mail node itself fills), and the
   * embed key in {@code embedKey} (made when missing).
   *
   * @param listening the server's own address, when {@code events.public_url} is not set
   */
  public static EventPages forServer(
      EventSettings events,
      StateSettings state,
      TenantStore tenants,
      Path embedKey,
      String listening)
      throws IOException {
    EventStore store = EventRecorder.shared(events, state).store();
    return of(
        store,
        tenants::snapshot,
        EmbedTokens.open(embedKey),
        events.mapRefresh(),
        events.publicUrl().isEmpty() ? listening : events.publicUrl(),
        Clock.systemUTC());
  }

  /** The map, its embed, statistics and tracking. */
  public List<WebPage> pages() {
    return List.of(new MapPage(), new EmbedPage(), new StatisticsPage(), new TrackingPage());
  }

  private static Map<String, Duration> periods() {
    Map<String, Duration> m = new LinkedHashMap<>();
    m.put("1h", Duration.ofHours(1));
    m.put("24h", Duration.ofHours(24));
    m.put("7d", Duration.ofDays(7));
    m.put("30d", Duration.ofDays(30));
    return m;
  }

  // ---- scope ----

  private List<Tenant> nodes() {
    Domains d = domains;
    Instant now = clock.instant();
    if (d.read().plusSeconds(30).isBefore(now) || d.version() < 0) {
      Snapshot s = tenants.get();
      d = new Domains(s.version(), s.tenants(), now);
      domains = d;
    }
    return d.nodes();
  }

  /** The domains at or below a path. */
  private Set<String> domainsUnder(TenantPath path) {
    Set<String> out = new HashSet<>();
    for (Tenant t : nodes()) {
      if (path.contains(t.path()) && t.path().kind().orElse(null) == TenantPath.Kind.DOMAIN) {
        out.add(t.path().name());
      }
    }
    return out;
  }

  /**
   * What a viewer asked to see: its whole scope, or a tenant inside it ({@code tenant} parameter);
   * a tenant outside the viewer's scope is a 404, as in the admin API.
   */
  private Selection select(WebRequest q) {
    Principal p = q.principal();
    Optional<TenantPath> asked =
        q.param("tenant")
            .filter(s -> !s.isBlank())
            .map(String::strip)
            .map(
                s -> {
                  try {
                    return TenantPath.parse(s);
                  } catch (IllegalArgumentException e) {
                    throw new WebException(400, "bad tenant: " + e.getMessage());
                  }
                });
    TenantPath path = asked.orElse(p.scope());
    if (!p.covers(path)) {
      throw WebException.notFound();
    }
    Duration period = PERIODS.getOrDefault(q.param("period").orElse("24h"), Duration.ofHours(24));
    String periodKey = key(period);
    EventScope scope = path.isRoot() ? EventScope.all() : EventScope.domains(domainsUnder(path));
    return new Selection(path, scope, period, periodKey);
  }

  private record Selection(TenantPath path, EventScope scope, Duration period, String periodKey) {}

  private static String key(Duration d) {
    for (Map.Entry<String, Duration> e : PERIODS.entrySet()) {
      if (e.getValue().equals(d)) {
        return e.getKey();
      }
    }
    return "24h";
  }

  /** The filter form shared by the map and the statistics: tenant and period. */
  private Html.Safe filterForm(WebRequest q, Selection s, String action) {
    List<Html.Safe> options = new ArrayList<>();
    Principal p = q.principal();
    options.add(
        option(
            p.scope().toString(),
            p.scope().isRoot() ? "all tenants" : p.scope().toString(),
            s.path().equals(p.scope())));
    int n = 0;
    for (Tenant t : nodes()) {
      TenantPath tp = t.path();
      if (!tp.equals(p.scope())
          && p.covers(tp)
          && tp.kind().orElse(null) != TenantPath.Kind.USER
          && n++ < 500) {
        options.add(option(tp.toString(), tp.toString(), tp.equals(s.path())));
      }
    }
    List<Html.Safe> periods = new ArrayList<>();
    for (String k : PERIODS.keySet()) {
      periods.add(
          option(k, "last " + EventViews.describe(PERIODS.get(k)), k.equals(s.periodKey())));
    }
    return Html.fill(
        "<form class=\"filters\" method=\"get\" action=\"{}\">"
            + "<label for=\"tenant\">Tenant</label> <select id=\"tenant\" name=\"tenant\">{}</select> "
            + "<label for=\"period\">Period</label> <select id=\"period\" name=\"period\">{}</select> "
            + "<button type=\"submit\">Show</button></form>",
        action,
        Html.join(options),
        Html.join(periods));
  }

  private static Html.Safe option(String value, String label, boolean selected) {
    return Html.fill(
        "<option value=\"{}\"" + (selected ? " selected" : "") + ">{}</option>", value, label);
  }

  // ---- the map ----

  private final class MapPage implements WebPage {
    @Override
    public String path() {
      return "/map";
    }

    @Override
    public String title() {
      return "Spam map";
    }

    @Override
    public Set<Role> roles() {
      return VIEWERS;
    }

    @Override
    public WebResponse handle(WebRequest q) {
      if (!q.rest().isEmpty()) {
        throw WebException.notFound();
      }
      Selection s = select(q);
      EventViews.View v = views.view(s.scope(), s.period());
      Optional<TenantPath> tenant = s.path().isRoot() ? Optional.empty() : Optional.of(s.path());
      String src = publicUrl + "/map/embed?t=" + tokens.issue(tenant, s.period());
      String snippet =
          "<iframe src=\""
              + src
              + "\" width=\"800\" height=\"400\" title=\"Spam sources\""
              + " style=\"border:0\"></iframe>";
      List<Html.Safe> rows = new ArrayList<>();
      for (EventStats.Count c : v.stats().countries()) {
        if (c.spam() > 0) {
          rows.add(
              Html.fill(
                  "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", c.key(), c.spam(), c.total()));
        }
      }
      return q.render(
          "Spam map",
          Html.fill(
              "{}"
                  + "<p class=\"hint\">{} spam of {} messages in the last {}; drawn {} UTC,"
                  + " redrawn at least hourly.</p>"
                  + "<figure class=\"map\">{}</figure>"
                  + "<h2>By country</h2><table class=\"countries\"><thead><tr><th scope=\"col\">"
                  + "Country</th><th scope=\"col\">Spam</th><th scope=\"col\">All</th></tr>"
                  + "</thead><tbody>{}</tbody></table>"
                  + "<h2>Embed this map</h2><p>Paste this line into a web page: it shows this"
                  + " map, refreshed hourly, without a login.</p>"
                  + "<p><label for=\"snippet\">Snippet</label></p>"
                  + "<textarea id=\"snippet\" rows=\"3\" cols=\"80\" readonly>{}</textarea>",
              filterForm(q, s, "/map"),
              v.stats().spam(),
              v.stats().total(),
              EventViews.describe(s.period()),
              TIME.format(v.computed()),
              new Html.Safe(v.mapSvg()),
              Html.join(rows),
              snippet));
    }
  }

  private final class EmbedPage implements WebPage {
    @Override
    public String path() {
      return "/map/embed";
    }

    @Override
    public String title() {
      return "Spam map (embedded)";
    }

    @Override
    public boolean inNav() {
      return false;
    }

    @Override
    public boolean embeddable() {
      return true;
    }

    @Override
    public boolean anonymous() {
      return true;
    }

    @Override
    public WebResponse handle(WebRequest q) {
      Optional<EmbedTokens.Grant> g = q.param("t").flatMap(tokens::verify);
      if (g.isEmpty()) {
        throw WebException.notFound();
      }
      EventScope scope =
          g.get().tenant().map(t -> EventScope.domains(domainsUnder(t))).orElse(EventScope.all());
      EventViews.View v = views.view(scope, g.get().period());
      String html =
          Html.fill(
                  "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                      + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                      + "<title>Spam sources</title>"
                      + "<link rel=\"stylesheet\" href=\"/static/web.css\"></head>"
                      + "<body class=\"embed\"><main><figure class=\"map\">{}</figure>"
                      + "<p class=\"hint\">{} spam in the last {}, drawn {} UTC</p>"
                      + "</main></body></html>",
                  new Html.Safe(v.mapSvg()),
                  v.stats().spam(),
                  EventViews.describe(g.get().period()),
                  TIME.format(v.computed()))
              .html();
      return WebResponse.of(200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }
  }

  // ---- statistics ----

  private final class StatisticsPage implements WebPage {
    @Override
    public String path() {
      return "/statistics";
    }

    @Override
    public String title() {
      return "Statistics";
    }

    @Override
    public Set<Role> roles() {
      return VIEWERS;
    }

    @Override
    public WebResponse handle(WebRequest q) {
      Selection s = select(q);
      EventStats st = views.view(s.scope(), s.period()).stats();
      return q.render(
          "Statistics",
          Html.fill(
              "{}<p>{} messages, {} spam, in the last {}.</p>"
                  + "<h2>Messages per hour by action</h2><figure>{}</figure>"
                  + "{}{}{}{}{}",
              filterForm(q, s, "/statistics"),
              st.total(),
              st.spam(),
              EventViews.describe(s.period()),
              new Html.Safe(
                  Charts.hourly(st.hourly(), st.from(), st.to(), "Messages per hour by action")),
              top("Top symbols", "symbols", st.symbols()),
              top("Top sending countries", "countries", st.countries().stream().limit(20).toList()),
              top("Top sending networks (ASN)", "asns", st.asns()),
              top("Per domain", "domains", st.domains()),
              top("Per tenant", "tenants", st.tenants())));
    }

    private Html.Safe top(String title, String id, List<EventStats.Count> rows) {
      List<Html.Safe> tr = new ArrayList<>();
      for (EventStats.Count c : rows) {
        tr.add(
            Html.fill(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", c.label(), c.total(), c.spam()));
      }
      return Html.fill(
          "<section id=\"{}\"><h2>{}</h2><figure>{}</figure><table><thead><tr>"
              + "<th scope=\"col\">Name</th><th scope=\"col\">Messages</th>"
              + "<th scope=\"col\">Spam</th></tr></thead><tbody>{}</tbody></table></section>",
          id,
          title,
          new Html.Safe(Charts.bars(rows, title)),
          Html.join(tr));
    }
  }

  // ---- message tracking ----

  private final class TrackingPage implements WebPage {
    @Override
    public String path() {
      return "/tracking";
    }

    @Override
    public String title() {
      return "Message tracking";
    }

    @Override
    public Set<Role> roles() {
      return VIEWERS;
    }

    @Override
    public WebResponse handle(WebRequest q) {
      Selection sel = select(q);
      if (!q.rest().isEmpty()) {
        return detail(q, sel, q.rest());
      }
      Set<Action> actions = EnumSet.noneOf(Action.class);
      for (String a : q.params("action")) {
        if (!a.isBlank()) {
          try {
            actions.add(Action.valueOf(a.toUpperCase(Locale.ROOT)));
          } catch (IllegalArgumentException e) {
            throw new WebException(400, "unknown action " + a);
          }
        }
      }
      EventQuery query =
          new EventQuery(
              time(q, "from"),
              time(q, "to"),
              q.param("sender").orElse(""),
              q.param("recipient").orElse(""),
              q.param("client").orElse(""),
              actions,
              q.param("id").orElse(""),
              sel.scope(),
              200);
      boolean searched = !q.query().isEmpty();
      List<VerdictEvent> found = searched ? query.run(store) : List.of();
      List<Html.Safe> rows = new ArrayList<>();
      for (VerdictEvent e : found) {
        rows.add(
            Html.fill(
                "<tr><td>{}</td><td>{}<br><small>{} {}</small></td><td>{}</td><td>{}</td>"
                    + "<td>{}</td><td>{}</td><td><a href=\"/tracking/{}\">{}</a>{}</td></tr>",
                TIME.format(e.time()),
                e.client(),
                e.country(),
                e.asn() == 0 ? "" : "AS" + e.asn(),
                e.sender().isEmpty() ? "<>" : e.sender(),
                String.join(", ", e.recipients())
                    + (e.moreRecipients() > 0 ? " +" + e.moreRecipients() : ""),
                e.action().configName(),
                String.format(Locale.ROOT, "%.2f", e.score()),
                e.transactionId(),
                e.transactionId(),
                e.queueId().isEmpty() ? "" : " / " + e.queueId()));
      }
      List<Html.Safe> actionOptions = new ArrayList<>();
      actionOptions.add(option("", "any", actions.isEmpty()));
      for (Action a : Action.values()) {
        actionOptions.add(option(a.configName(), a.configName(), actions.contains(a)));
      }
      return q.render(
          "Message tracking",
          Html.fill(
              ""
                  + "<form class=\"stack\" method=\"get\" action=\"/tracking\">"
                  + "<label for=\"sender\">Sender</label>"
                  + "<input id=\"sender\" name=\"sender\" value=\"{}\">"
                  + "<label for=\"recipient\">Recipient</label>"
                  + "<input id=\"recipient\" name=\"recipient\" value=\"{}\">"
                  + "<label for=\"client\">Client IP (or its start)</label>"
                  + "<input id=\"client\" name=\"client\" value=\"{}\">"
                  + "<label for=\"from\">From (UTC)</label>"
                  + "<input id=\"from\" name=\"from\" type=\"datetime-local\" value=\"{}\">"
                  + "<label for=\"to\">To (UTC)</label>"
                  + "<input id=\"to\" name=\"to\" type=\"datetime-local\" value=\"{}\">"
                  + "<label for=\"action\">Verdict</label>"
                  + "<select id=\"action\" name=\"action\">{}</select>"
                  + "<label for=\"id\">Queue or transaction id</label>"
                  + "<input id=\"id\" name=\"id\" value=\"{}\">"
                  + "<input type=\"hidden\" name=\"tenant\" value=\"{}\">"
                  + "<button type=\"submit\">Search</button></form>"
                  + "{}",
              q.param("sender").orElse(""),
              q.param("recipient").orElse(""),
              q.param("client").orElse(""),
              q.param("from").orElse(""),
              q.param("to").orElse(""),
              Html.join(actionOptions),
              q.param("id").orElse(""),
              sel.path().toString(),
              searched
                  ? Html.fill(
                      "<p>{} found{}.</p><table class=\"results\"><thead><tr>"
                          + "<th scope=\"col\">Time (UTC)</th><th scope=\"col\">Client</th>"
                          + "<th scope=\"col\">Sender</th><th scope=\"col\">Recipients</th>"
                          + "<th scope=\"col\">Verdict</th><th scope=\"col\">Score</th>"
                          + "<th scope=\"col\">Id / queue</th></tr></thead><tbody>{}</tbody>"
                          + "</table>",
                      found.size(),
                      found.size() == query.limit() ? " (the newest " + query.limit() + ")" : "",
                      Html.join(rows))
                  : new Html.Safe("")));
    }

    private WebResponse detail(WebRequest q, Selection sel, String id) {
      List<VerdictEvent> found =
          new EventQuery(
                  Optional.empty(), Optional.empty(), "", "", "", Set.of(), id, sel.scope(), 1)
              .run(store);
      if (found.isEmpty()) {
        throw WebException.notFound();
      }
      VerdictEvent e = found.get(0);
      List<Html.Safe> rows = new ArrayList<>();
      for (Symbol s : e.symbols()) {
        rows.add(
            Html.fill(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                s.name(),
                String.format(Locale.ROOT, "%.2f", s.score()),
                String.join(", ", s.options())));
      }
      return q.render(
          "Message " + e.transactionId(),
          Html.fill(
              "<dl class=\"facts\">"
                  + "<dt>Time</dt><dd>{} UTC</dd><dt>Node</dt><dd>{}</dd>"
                  + "<dt>Queue id</dt><dd>{}</dd><dt>Client</dt><dd>{} ({} {})</dd>"
                  + "<dt>Sender</dt><dd>{}</dd><dt>Recipients</dt><dd>{}</dd>"
                  + "<dt>Tenant</dt><dd>{}</dd><dt>Verdict</dt><dd>{}</dd></dl>"
                  + "<h2>Why</h2><p id=\"why\">{}</p>"
                  + "<h2>Symbols</h2><table class=\"symbols\"><thead><tr>"
                  + "<th scope=\"col\">Symbol</th><th scope=\"col\">Score</th>"
                  + "<th scope=\"col\">Details</th></tr></thead><tbody>{}</tbody></table>"
                  + "<p><a href=\"/tracking\">New search</a></p>",
              TIME.format(e.time()),
              e.node(),
              e.queueId().isEmpty() ? "-" : e.queueId(),
              e.client(),
              e.country().isEmpty() ? "country unknown" : e.country(),
              e.asn() == 0 ? "" : "AS" + e.asn() + " " + e.asOrg(),
              e.sender().isEmpty() ? "<>" : e.sender(),
              String.join(", ", e.recipients()),
              e.tenant().isEmpty() ? "-" : e.tenant(),
              e.action().configName(),
              why(e),
              Html.join(rows)));
    }
  }

  /** Why an event got its action, in a sentence. */
  static String why(VerdictEvent e) {
    String top =
        e.symbols().isEmpty()
            ? ""
            : " The strongest symbol: "
                + e.symbols().get(0).name()
                + " ("
                + String.format(Locale.ROOT, "%.2f", e.symbols().get(0).score())
                + ").";
    if (e.beforeData()) {
      return "Refused before the message was sent ("
          + e.action().configName()
          + ") by "
          + (e.symbols().isEmpty() ? "the session's limits" : e.symbols().get(0).name())
          + "."
          + (e.symbols().isEmpty() ? "" : "");
    }
    String threshold =
        Double.isInfinite(e.required())
            ? "no spam threshold applied"
            : String.format(Locale.ROOT, "the spam threshold is %.2f", e.required());
    String verdict =
        String.format(
            Locale.ROOT,
            "Score %.2f: %s, so the action was %s.",
            e.score(),
            threshold,
            e.action().configName());
    return verdict + top;
  }

  private static Optional<Instant> time(WebRequest q, String name) {
    Optional<String> v = q.param(name).filter(s -> !s.isBlank());
    if (v.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(LocalDateTime.parse(v.get()).toInstant(ZoneOffset.UTC));
    } catch (DateTimeParseException e) {
      throw new WebException(400, name + ": expected yyyy-MM-ddTHH:mm, got " + v.get());
    }
  }
}
