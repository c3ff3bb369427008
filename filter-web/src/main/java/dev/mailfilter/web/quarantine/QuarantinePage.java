package dev.mailfilter.web.quarantine;

import dev.mailfilter.api.Reply;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.admin.Principal;
import dev.mailfilter.cluster.admin.Role;
import dev.mailfilter.smtp.Quarantine;
import dev.mailfilter.smtp.QuarantineEntry;
import dev.mailfilter.web.Html;
import dev.mailfilter.web.WebException;
import dev.mailfilter.web.WebPage;
import dev.mailfilter.web.WebRequest;
import dev.mailfilter.web.WebResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /quarantine}: the held messages a principal may see (a user its own, an administrator
 * those of its subtree), searchable by sender, subject, date and score; a message's page with its
 * verdict and a sanitised preview in a sandboxed frame; release, delete, allow and block the
 * sender, one at a time or in bulk. Every action is authorised again on the entry it names: an id
 * outside one's scope is a 404, as for one that does not exist.
 *
 * <ul>
 *   <li>{@code GET /quarantine?sender=&subject=&from=&to=&min_score=&status=&after=}
 *   <li>{@code GET /quarantine/ID} and {@code GET /quarantine/ID/body[?images=1]} (the frame)
 *   <li>{@code POST /quarantine/ID/release|delete|allow|block} and {@code POST /quarantine/bulk}
 * </ul>
 */
public final class QuarantinePage implements WebPage {
  private static final Logger LOG = LoggerFactory.getLogger(QuarantinePage.class);
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final int PAGE = 50;
  private static final int MAX_BULK = 200;

  /**
   * The frame's own policy: nothing but images inline, and remote ones only when asked; {@code
   * sandbox} makes it a unique origin without scripts even when opened on its own.
   */
  static final String FRAME_CSP =
      "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none';"
          + " frame-ancestors 'self'; img-src data:";

  private final Quarantine quarantine;
  private final TenantStore store;
  private final QuarantineScope scope;

  private QuarantinePage(Quarantine quarantine, TenantStore store) {
    this.quarantine = quarantine;
    this.store = store;
    this.scope = new QuarantineScope(store);
  }

  /**
   * The quarantine pages over a store of held messages and the tenant tree.
   *
   * @param quarantine the gateway's store (its directory, opened by this process)
   * @param store the tenant tree, for scopes and the allow/block lists
   */
  public static QuarantinePage of(Quarantine quarantine, TenantStore store) {
    return new QuarantinePage(quarantine, store);
  }

  @Override
  public String path() {
    return "/quarantine";
  }

  @Override
  public String title() {
    return "Quarantine";
  }

  @Override
  public WebResponse handle(WebRequest q) throws IOException {
    String rest = q.rest();
    if (rest.isEmpty()) {
      requireMethod(q, "GET");
      return list(q);
    }
    if (rest.equals("bulk")) {
      requireMethod(q, "POST");
      return bulk(q);
    }
    String[] parts = rest.split("/", -1);
    if (parts.length > 2) {
      throw WebException.notFound();
    }
    QuarantineEntry e = visibleEntry(q.principal(), parts[0]);
    if (parts.length == 1) {
      requireMethod(q, "GET");
      return detail(q, e);
    }
    return switch (parts[1]) {
      case "body" -> {
        requireMethod(q, "GET");
        yield body(q, e);
      }
      case "release", "delete", "allow", "block" -> {
        requireMethod(q, "POST");
        Outcome o = act(q, e, parts[1], q.param("level").orElse(""));
        if (!o.ok()) {
          yield refused(q, o);
        }
        yield WebResponse.redirect(
            parts[1].equals("delete")
                ? "/quarantine?done=deleted"
                : "/quarantine/" + e.id() + "?done=" + parts[1]);
      }
      default -> throw WebException.notFound();
    };
  }

  /** A refusal with its own words (the layout's error page has fixed ones for 409). */
  static WebResponse refused(WebRequest q, Outcome o) {
    return q.render(
        o.status(),
        "Not done",
        Html.fill(
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>"
                + "<p><a href=\"/quarantine\">Back to the list</a></p>",
            o.message()));
  }

  private static void requireMethod(WebRequest q, String method) {
    if (!q.method().equals(method) && !(method.equals("GET") && q.method().equals("HEAD"))) {
      throw new WebException(405, method + " only");
    }
  }

  /** The entry if it exists and the principal may see it; else the same 404. */
  private QuarantineEntry visibleEntry(Principal p, String id) throws IOException {
    Optional<QuarantineEntry> e = quarantine.show(id);
    if (e.isEmpty() || !scope.visible(p, e.get())) {
      throw WebException.notFound();
    }
    return e.get();
  }

  // --- the listing ---

  /** The search form's criteria. */
  private record Criteria(
      String sender,
      String subject,
      Optional<Instant> from,
      Optional<Instant> to,
      Optional<Double> minScore,
      String status) {
    static Criteria of(WebRequest q) {
      String status = q.param("status").orElse("held");
      if (!List.of("held", "released", "all").contains(status)) {
        throw new WebException(400, "status: held, released or all");
      }
      return new Criteria(
          q.param("sender").orElse("").strip(),
          q.param("subject").orElse("").strip(),
          date(q, "from", 0),
          date(q, "to", 1),
          q.param("min_score")
              .filter(s -> !s.isBlank())
              .map(
                  s -> {
                    try {
                      return Double.parseDouble(s.strip());
                    } catch (NumberFormatException e) {
                      throw new WebException(
                          400, "min_score: expected a number, got \"" + s + "\"");
                    }
                  }),
          status);
    }

    private static Optional<Instant> date(WebRequest q, String name, int plusDays) {
      return q.param(name)
          .filter(s -> !s.isBlank())
          .map(
              s -> {
                try {
                  return LocalDate.parse(s.strip())
                      .plusDays(plusDays)
                      .atStartOfDay(ZoneOffset.UTC)
                      .toInstant();
                } catch (DateTimeParseException e) {
                  throw new WebException(
                      400, name + ": expected a date (YYYY-MM-DD), got \"" + s + "\"");
                }
              });
    }

    String query() {
      StringBuilder b = new StringBuilder();
      add(b, "sender", sender);
      add(b, "subject", subject);
      from.ifPresent(f -> add(b, "from", f.atOffset(ZoneOffset.UTC).toLocalDate().toString()));
      to.ifPresent(
          t -> add(b, "to", t.atOffset(ZoneOffset.UTC).toLocalDate().minusDays(1).toString()));
      minScore.ifPresent(m -> add(b, "min_score", Double.toString(m)));
      add(b, "status", status);
      return b.toString();
    }

    private static void add(StringBuilder b, String name, String value) {
      if (!value.isEmpty()) {
        b.append('&')
            .append(name)
            .append('=')
            .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }
  }

  private Predicate<QuarantineEntry> filter(Principal p, Criteria c) {
    String sender = c.sender().toLowerCase(Locale.ROOT);
    String subject = c.subject().toLowerCase(Locale.ROOT);
    Optional<String> me = QuarantineScope.address(p);
    return e -> {
      if (!scope.visible(p, e)) {
        return false;
      }
      boolean released = me.map(e::isReleasedTo).orElse(e.isReleased());
      if (c.status().equals("held") && released || c.status().equals("released") && !released) {
        return false;
      }
      if (c.from().isPresent() && e.time().isBefore(c.from().get())) {
        return false;
      }
      if (c.to().isPresent() && !e.time().isBefore(c.to().get())) {
        return false;
      }
      if (c.minScore().isPresent() && e.score() < c.minScore().get()) {
        return false;
      }
      if (sender.isEmpty() && subject.isEmpty()) {
        return true;
      }
      HeldMessage h;
      try {
        h = HeldMessage.read(quarantine, e);
      } catch (IOException unreadable) {
        return false;
      }
      return (sender.isEmpty()
              || e.from().toLowerCase(Locale.ROOT).contains(sender)
              || h.headerFrom().toLowerCase(Locale.ROOT).contains(sender))
          && (subject.isEmpty() || h.subject().toLowerCase(Locale.ROOT).contains(subject));
    };
  }

  private WebResponse list(WebRequest q) throws IOException {
    Principal p = q.principal();
    Criteria c = Criteria.of(q);
    Optional<String> after = q.param("after").filter(s -> !s.isBlank());
    Quarantine.Page page =
        quarantine.list(QuarantineScope.listPrefix(p), filter(p, c), after, PAGE);
    List<Html.Safe> rows = new ArrayList<>();
    for (QuarantineEntry e : page.entries()) {
      HeldMessage h = HeldMessage.read(quarantine, e);
      String subject = h.subject().isEmpty() ? "(no subject)" : h.subject();
      rows.add(
          Html.fill(
              "<tr><td><input type=\"checkbox\" name=\"id\" value=\"{}\" aria-label=\"Select: {}\">"
                  + "</td><td>{}</td><td>{}</td><td><a href=\"/quarantine/{}\">{}</a></td>"
                  + "<td class=\"num\">{}</td><td>{}</td></tr>",
              e.id(),
              subject,
              WHEN.format(e.time()),
              h.headerFrom().isEmpty() ? "<" + e.from() + ">" : h.headerFrom(),
              e.id(),
              subject,
              String.format(Locale.ROOT, "%.1f", e.score()),
              status(p, e)));
    }
    Html.Safe next =
        page.next()
            .map(
                n ->
                    Html.fill(
                        "<p><a rel=\"next\" href=\"/quarantine?after={}{}\">Next page</a></p>",
                        n,
                        new Html.Safe(Html.escape(c.query()))))
            .orElse(new Html.Safe(""));
    Html.Safe done = done(q);
    Html.Safe search =
        Html.fill(
            "<form class=\"search\" method=\"get\" action=\"/quarantine\" role=\"search\">"
                + "<label for=\"q-sender\">Sender</label>"
                + "<input id=\"q-sender\" name=\"sender\" value=\"{}\">"
                + "<label for=\"q-subject\">Subject</label>"
                + "<input id=\"q-subject\" name=\"subject\" value=\"{}\">"
                + "<label for=\"q-from\">Held from</label>"
                + "<input id=\"q-from\" name=\"from\" type=\"date\" value=\"{}\">"
                + "<label for=\"q-to\">to</label>"
                + "<input id=\"q-to\" name=\"to\" type=\"date\" value=\"{}\">"
                + "<label for=\"q-score\">Score at least</label>"
                + "<input id=\"q-score\" name=\"min_score\" inputmode=\"decimal\" value=\"{}\">"
                + "<label for=\"q-status\">Show</label><select id=\"q-status\" name=\"status\">{}"
                + "</select><button type=\"submit\">Search</button></form>",
            c.sender(),
            c.subject(),
            q.param("from").orElse(""),
            q.param("to").orElse(""),
            q.param("min_score").orElse(""),
            options(c.status()));
    Html.Safe table =
        rows.isEmpty()
            ? Html.fill(
                "<p id=\"empty\">No messages held{}.</p>", c.query().isEmpty() ? "" : " that match")
            : Html.fill(
                "<form method=\"post\" action=\"/quarantine/bulk\">{}"
                    + "<table class=\"list\" id=\"held\"><caption>Held messages</caption><thead><tr>"
                    + "<th scope=\"col\"><span class=\"sr\">Select</span></th>"
                    + "<th scope=\"col\">Held (UTC)</th><th scope=\"col\">From</th>"
                    + "<th scope=\"col\">Subject</th><th scope=\"col\">Score</th>"
                    + "<th scope=\"col\">Status</th></tr></thead><tbody>{}</tbody></table>"
                    + "<fieldset class=\"bulk\"><legend>With the selected messages</legend>"
                    + "<button type=\"submit\" name=\"action\" value=\"release\">Release</button>"
                    + "<button type=\"submit\" name=\"action\" value=\"delete\">Delete</button>"
                    + "<button type=\"submit\" name=\"action\" value=\"allow\">Allow senders</button>"
                    + "<button type=\"submit\" name=\"action\" value=\"block\">Block senders</button>"
                    + "{}</fieldset></form>",
                Html.csrfField(q),
                Html.join(rows),
                levelChoice(p));
    return q.render("Quarantine", Html.fill("{}{}{}{}", done, search, table, next));
  }

  private static Html.Safe options(String selected) {
    List<Html.Safe> o = new ArrayList<>();
    for (String[] s : new String[][] {{"held", "Held"}, {"released", "Released"}, {"all", "All"}}) {
      o.add(
          Html.fill(
              "<option value=\"{}\"{}>{}</option>",
              s[0],
              new Html.Safe(s[0].equals(selected) ? " selected" : ""),
              s[1]));
    }
    return Html.join(o);
  }

  /** Where an allow or block goes: a user's own list; an administrator's choice. */
  private static Html.Safe levelChoice(Principal p) {
    if (p.role() == Role.USER) {
      return new Html.Safe("<input type=\"hidden\" name=\"level\" value=\"user\">");
    }
    return new Html.Safe(
        "<label for=\"level\">Allow or block for</label><select id=\"level\" name=\"level\">"
            + "<option value=\"domain\">the whole domain</option>"
            + "<option value=\"user\">the recipient only</option></select>");
  }

  private static String status(Principal p, QuarantineEntry e) {
    Optional<String> me = QuarantineScope.address(p);
    if (me.map(e::isReleasedTo).orElse(e.isReleased())) {
      return "released";
    }
    return !e.releasedTo().isEmpty() && me.isEmpty() ? "partly released" : "held";
  }

  private static Html.Safe done(WebRequest q) {
    String text =
        switch (q.param("done").orElse("")) {
          case "released", "release" -> "The message was released to the mailbox.";
          case "deleted", "delete" -> "The message was deleted.";
          case "allow" -> "The sender is on the allow list now.";
          case "block" -> "The sender is on the block list now.";
          default -> null;
        };
    return text == null
        ? new Html.Safe("")
        : Html.fill("<p class=\"notice\" role=\"status\" id=\"done\">{}</p>", text);
  }

  // --- one message ---

  private WebResponse detail(WebRequest q, QuarantineEntry e) throws IOException {
    Principal p = q.principal();
    HeldMessage h = HeldMessage.read(quarantine, e);
    boolean images = q.param("images").filter("1"::equals).isPresent();
    Preview.Rendered preview;
    try (InputStream in = quarantine.message(e.id())) {
      preview = Preview.render(in.readAllBytes(), images);
    }
    // A user sees only its own address among the recipients: the others may have been Bcc.
    String recipients = QuarantineScope.address(p).orElse(String.join(", ", e.recipients()));
    Html.Safe imagesNote =
        preview.blockedImages() > 0
            ? Html.fill(
                "<p class=\"images\" id=\"images-note\">{} remote image{} not loaded, so the sender"
                    + " cannot tell that you opened it. <a id=\"show-images\""
                    + " href=\"/quarantine/{}?images=1\">Show images</a></p>",
                preview.blockedImages(),
                preview.blockedImages() == 1 ? " was" : "s were",
                e.id())
            : new Html.Safe("");
    Html.Safe actions =
        Html.fill(
            "<div class=\"actions\">"
                + "<form method=\"post\" action=\"/quarantine/{}/release\">{}"
                + "<button type=\"submit\" id=\"release\">Release to the inbox</button></form>"
                + "<form method=\"post\" action=\"/quarantine/{}/delete\">{}"
                + "<button type=\"submit\" id=\"delete\">Delete</button></form>"
                + "<form method=\"post\" action=\"/quarantine/{}/allow\">{}{}"
                + "<button type=\"submit\" id=\"allow\">Allow the sender</button></form>"
                + "<form method=\"post\" action=\"/quarantine/{}/block\">{}{}"
                + "<button type=\"submit\" id=\"block\">Block the sender</button></form></div>",
            e.id(),
            Html.csrfField(q),
            e.id(),
            Html.csrfField(q),
            e.id(),
            Html.csrfField(q),
            levelChoiceFor(p, "allow"),
            e.id(),
            Html.csrfField(q),
            levelChoiceFor(p, "block"));
    Html.Safe body =
        Html.fill(
            "{}<dl class=\"entry\"><dt>Subject</dt><dd id=\"subject\">{}</dd>"
                + "<dt>From</dt><dd>{}</dd><dt>Envelope sender</dt><dd>{}</dd>"
                + "<dt>Recipients</dt><dd>{}</dd><dt>Held</dt><dd>{} UTC</dd>"
                + "<dt>Score</dt><dd>{}</dd><dt>Why</dt><dd>{}</dd><dt>Status</dt><dd id=\"status\">{}</dd>"
                + "</dl>{}<h2>Preview</h2>{}"
                + "<iframe class=\"preview\" id=\"preview\" title=\"Preview of the message\""
                + " sandbox=\"allow-popups allow-popups-to-escape-sandbox\" src=\"/quarantine/{}/body{}\""
                + " width=\"100%\" height=\"480\"></iframe>"
                + "<p><a href=\"/quarantine\">Back to the list</a></p>",
            done(q),
            h.subject(),
            h.headerFrom(),
            "<" + e.from() + ">",
            recipients,
            WHEN.format(e.time()),
            String.format(Locale.ROOT, "%.2f", e.score()),
            String.join(" ", e.symbols()),
            status(p, e),
            actions,
            imagesNote,
            e.id(),
            images ? "?images=1" : "");
    return q.render(h.subject().isEmpty() ? "Held message" : h.subject(), body);
  }

  private static Html.Safe levelChoiceFor(Principal p, String action) {
    if (p.role() == Role.USER) {
      return new Html.Safe("<input type=\"hidden\" name=\"level\" value=\"user\">");
    }
    return Html.fill(
        "<label for=\"level-{}\">for</label><select id=\"level-{}\" name=\"level\">"
            + "<option value=\"domain\">the whole domain</option>"
            + "<option value=\"user\">the recipient only</option></select>",
        action,
        action);
  }

  /** The frame: the sanitised preview under its own policy, remote images only when asked. */
  private WebResponse body(WebRequest q, QuarantineEntry e) throws IOException {
    boolean images = q.param("images").filter("1"::equals).isPresent();
    Preview.Rendered preview;
    try (InputStream in = quarantine.message(e.id())) {
      preview = Preview.render(in.readAllBytes(), images);
    }
    String html =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Preview</title></head><body>"
            + preview.html()
            + "</body></html>";
    return WebResponse.html(html)
        .withHeader("Content-Security-Policy", FRAME_CSP + (images ? " https: http:" : ""))
        .withHeader("X-Frame-Options", "SAMEORIGIN");
  }

  // --- actions ---

  /** What an action did: a status and a message for the user. */
  record Outcome(int status, String message) {
    boolean ok() {
      return status < 300;
    }
  }

  private Outcome act(WebRequest q, QuarantineEntry e, String action, String level)
      throws IOException {
    Principal p = q.principal();
    return switch (action) {
      case "release" -> release(p, e);
      case "delete" -> delete(p, e);
      case "allow", "block" ->
          list(
              q,
              e,
              action.equals("allow") ? SenderLists.Kind.ALLOW : SenderLists.Kind.BLOCK,
              level);
      default -> throw WebException.notFound();
    };
  }

  private Outcome release(Principal p, QuarantineEntry e) throws IOException {
    Reply r;
    try {
      r = quarantine.release(e.id(), QuarantineScope.releaseTo(p));
    } catch (IllegalStateException already) {
      return new Outcome(409, "This message was released already.");
    } catch (java.nio.file.NoSuchFileException gone) {
      return new Outcome(404, "There is no such page or object.");
    }
    if (r.code() != 250) {
      LOG.info("web: release of {} by {} refused: {}", e.id(), p.name(), r.toWire().strip());
      return new Outcome(
          502,
          "The mail server of the domain did not take the message; it stays held. It said: "
              + String.join(" ", r.lines()));
    }
    LOG.info("web: {} released {} to {}", p.name(), e.id(), QuarantineScope.releaseTo(p));
    return new Outcome(200, "released");
  }

  private Outcome delete(Principal p, QuarantineEntry e) throws IOException {
    Optional<String> me = QuarantineScope.address(p);
    // A user deletes a message held for it alone: the others' copies are theirs to decide.
    if (me.isPresent() && e.recipients().stream().anyMatch(r -> !r.equalsIgnoreCase(me.get()))) {
      return new Outcome(
          403, "This message was sent to others too; only your administrator can delete it.");
    }
    quarantine.delete(e.id());
    LOG.info("web: {} deleted {}", p.name(), e.id());
    return new Outcome(200, "deleted");
  }

  private Outcome list(WebRequest q, QuarantineEntry e, SenderLists.Kind kind, String level) {
    Principal p = q.principal();
    if (e.from().isEmpty()) {
      return new Outcome(400, "This message has no sender address (a bounce) to allow or block.");
    }
    Optional<TenantPath> node;
    if (p.role() == Role.USER || level.equals("user")) {
      node =
          p.role() == Role.USER
              ? Optional.of(p.scope())
              : scope.userNode(e, e.recipients().getFirst());
    } else if (level.equals("domain")) {
      node = scope.domainNode(e);
    } else {
      return new Outcome(400, "level: user or domain");
    }
    if (node.isEmpty()) {
      return new Outcome(409, "The recipient has no entry of its own in the tenant tree.");
    }
    SenderLists.add(q.admin(), p, node.get(), kind, e.from());
    LOG.info("web: {} put {} on the {} list of {}", p.name(), e.from(), kind.key, node.get());
    return new Outcome(200, kind.key);
  }

  private WebResponse bulk(WebRequest q) throws IOException {
    Principal p = q.principal();
    String action = q.param("action").orElse("");
    if (!List.of("release", "delete", "allow", "block").contains(action)) {
      throw new WebException(400, "action: release, delete, allow or block");
    }
    List<String> ids = q.params("id");
    if (ids.isEmpty()) {
      throw new WebException(400, "No message was selected.");
    }
    if (ids.size() > MAX_BULK) {
      throw new WebException(400, "At most " + MAX_BULK + " messages at once.");
    }
    Map<String, Outcome> done = new LinkedHashMap<>();
    String level = q.param("level").orElse(p.role() == Role.USER ? "user" : "domain");
    for (String id : ids) {
      Optional<QuarantineEntry> e = quarantine.show(id);
      if (e.isEmpty() || !scope.visible(p, e.get())) {
        done.put(id, new Outcome(404, "There is no such message."));
        continue;
      }
      done.put(id, act(q, e.get(), action, level));
    }
    List<Html.Safe> rows = new ArrayList<>();
    int ok = 0;
    for (Map.Entry<String, Outcome> d : done.entrySet()) {
      if (d.getValue().ok()) {
        ok++;
      }
      rows.add(
          Html.fill(
              "<tr><td><code>{}</code></td><td>{}</td></tr>",
              d.getKey(),
              d.getValue().ok() ? "done" : d.getValue().message()));
    }
    return q.render(
        "Quarantine",
        Html.fill(
            "<p class=\"notice\" role=\"status\" id=\"bulk-result\">{} of {} done ({}).</p>"
                + "<table class=\"list\"><thead><tr><th scope=\"col\">Message</th>"
                + "<th scope=\"col\">Result</th></tr></thead><tbody>{}</tbody></table>"
                + "<p><a href=\"/quarantine\">Back to the list</a></p>",
            ok,
            done.size(),
            action,
            Html.join(rows)));
  }

  /** For tests and the command: the store this page shows. */
  Quarantine quarantine() {
    return quarantine;
  }

  TenantStore store() {
    return store;
  }
}
