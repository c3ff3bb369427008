package dev.mailfilter.web.quarantine;

import dev.mailfilter.api.Reply;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.admin.ApiException;
import dev.mailfilter.cluster.admin.Principal;
import dev.mailfilter.cluster.admin.Role;
import dev.mailfilter.smtp.Quarantine;
import dev.mailfilter.smtp.QuarantineEntry;
import dev.mailfilter.web.Html;
import dev.mailfilter.web.WebException;
import dev.mailfilter.web.WebPage;
import dev.mailfilter.web.WebRequest;
import dev.mailfilter.web.WebResponse;
import dev.mailfilter.web.quarantine.DigestTokens.Claim;
import dev.mailfilter.web.quarantine.DigestTokens.Outcome;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /quarantine/link?t=TOKEN}: where a digest's links lead, without a login; the signed token
 * is the authority, for its one action, message and recipient. A GET only shows what the link will
 * do and a button: mail scanners and link previews fetch every link in a message, and a GET that
 * acted would release the message (and spend the token) before the user saw it. The button's POST
 * redeems the token (once: a second POST, or the same link later, is refused) and acts: the release
 * goes to the token's recipient only, the block to that recipient's own list, as a principal scoped
 * to the recipient's user node, so the admin API's rules and audit log apply.
 */
public final class DigestLinkPage implements WebPage {
  private static final Logger LOG = LoggerFactory.getLogger(DigestLinkPage.class);

  private final Quarantine quarantine;
  private final QuarantineScope scope;
  private final DigestTokens tokens;

  private DigestLinkPage(Quarantine quarantine, TenantStore store, DigestTokens tokens) {
    this.quarantine = quarantine;
    this.scope = new QuarantineScope(store);
    this.tokens = tokens;
  }

  /** The page for the digest's links. */
  public static DigestLinkPage of(Quarantine quarantine, TenantStore store, DigestTokens tokens) {
    return new DigestLinkPage(quarantine, store, tokens);
  }

  @Override
  public String path() {
    return "/quarantine/link";
  }

  @Override
  public String title() {
    return "Quarantine link";
  }

  @Override
  public boolean inNav() {
    return false;
  }

  @Override
  public boolean anonymous() {
    return true;
  }

  @Override
  public boolean csrfExempt() {
    return true; // the signed single-use token is the proof of intent
  }

  @Override
  public WebResponse handle(WebRequest q) throws IOException {
    if (!q.rest().isEmpty()) {
      throw WebException.notFound();
    }
    String token = q.param("t").orElse("");
    return switch (q.method()) {
      case "GET", "HEAD" -> confirm(q, token);
      case "POST" -> redeem(q, token);
      default -> throw new WebException(405, "GET or POST");
    };
  }

  private WebResponse confirm(WebRequest q, String token) throws IOException {
    Claim c = accepted(tokens.check(token));
    QuarantineEntry e = entry(c);
    HeldMessage h = HeldMessage.read(quarantine, e);
    String what =
        c.action() == DigestTokens.Action.RELEASE
            ? "Release this message to " + c.recipient() + "?"
            : "Block the sender " + e.from() + " for " + c.recipient() + "?";
    return q.render(
        "Quarantine",
        Html.fill(
            "<p id=\"question\">{}</p><dl class=\"entry\"><dt>Subject</dt><dd>{}</dd>"
                + "<dt>From</dt><dd>{}</dd></dl>"
                + "<form method=\"post\" action=\"/quarantine/link\">"
                + "<input type=\"hidden\" name=\"t\" value=\"{}\">"
                + "<button type=\"submit\" id=\"confirm\">{}</button></form>",
            what,
            h.subject(),
            h.headerFrom().isEmpty() ? "<" + e.from() + ">" : h.headerFrom(),
            token,
            c.action() == DigestTokens.Action.RELEASE ? "Release" : "Block the sender"));
  }

  private WebResponse redeem(WebRequest q, String token) throws IOException {
    Claim c = accepted(tokens.redeem(token));
    QuarantineEntry e;
    try {
      e = entry(c);
    } catch (WebException gone) {
      tokens.giveBack(c);
      throw gone;
    }
    String done;
    if (c.action() == DigestTokens.Action.RELEASE) {
      Reply r;
      try {
        r = quarantine.release(e.id(), List.of(c.recipient()));
      } catch (IllegalStateException already) {
        return QuarantinePage.refused(
            q, new QuarantinePage.Outcome(409, "This message was released already."));
      } catch (NoSuchFileException deleted) {
        throw new WebException(410, "This message is no longer in the quarantine.");
      }
      if (r.code() != 250) {
        tokens.giveBack(c); // nothing happened: the link may be tried again
        throw new WebException(
            502,
            "The mail server did not take the message; it stays held. Try again later. It said: "
                + String.join(" ", r.lines()));
      }
      LOG.info("web: digest link released {} to {}", e.id(), c.recipient());
      done = "The message was released to " + c.recipient() + ".";
    } else {
      Optional<TenantPath> user = scope.userNode(e, c.recipient());
      if (user.isEmpty() || e.from().isEmpty()) {
        tokens.giveBack(c);
        return QuarantinePage.refused(
            q,
            new QuarantinePage.Outcome(
                409, "This sender cannot be blocked from here; ask your administrator."));
      }
      Principal as =
          new Principal("digest", "digest link of " + c.recipient(), Role.USER, user.get());
      try {
        SenderLists.add(q.admin(), as, user.get(), SenderLists.Kind.BLOCK, e.from());
      } catch (ApiException refused) {
        tokens.giveBack(c);
        throw new WebException(refused.status(), refused.getMessage());
      }
      LOG.info("web: digest link blocked {} for {}", e.from(), c.recipient());
      done = "Mail from " + e.from() + " to " + c.recipient() + " is blocked from now on.";
    }
    return q.render(
        "Quarantine", Html.fill("<p class=\"notice\" role=\"status\" id=\"done\">{}</p>", done));
  }

  private static Claim accepted(Outcome o) {
    return switch (o) {
      case Outcome.Accepted a -> a.claim();
      case Outcome.Used u -> throw new WebException(410, "This link was used already.");
      case Outcome.Expired x ->
          throw new WebException(410, "This link has expired. Open your quarantine instead.");
      case Outcome.Invalid i -> throw new WebException(400, "This link is not valid.");
    };
  }

  private QuarantineEntry entry(Claim c) throws IOException {
    Optional<QuarantineEntry> e = quarantine.show(c.entryId());
    if (e.isEmpty() || !e.get().hasRecipient(c.recipient())) {
      throw new WebException(410, "This message is no longer in the quarantine.");
    }
    return e.get();
  }
}
