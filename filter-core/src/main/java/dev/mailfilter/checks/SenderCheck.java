package dev.mailfilter.checks;

import dev.mailfilter.api.Stage;
import dev.mailfilter.mime.Address;
import dev.mailfilter.mime.AddressParser;
import dev.mailfilter.mime.Headers;
import dev.mailfilter.mime.Mailbox;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.url.MessageUrls;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who the message claims to be from against who else it names: a From display name that shows
 * another address or domain (the phisher's "PayPal &lt;x@evil.example&gt;"), a Reply-To that sends
 * answers elsewhere, and a Return-Path (envelope sender) in another domain. Domains compare by
 * registrable domain, so {@code mail.example.com} and {@code example.com} agree. Mailing lists
 * legitimately rewrite Reply-To and the envelope sender, so messages with {@code List-Id} or {@code
 * List-Post} are exempt from those two.
 */
public final class SenderCheck extends LocalCheck {
  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of(
              "SPOOF_DISPLAY_NAME",
              4.0,
              "the From display name holds an address of another domain"),
          SymbolDef.of("FROM_NAME_HAS_DOMAIN", 0.5, "the From display name names another domain"),
          SymbolDef.of("REPLYTO_DIFF_DOMAIN", 1.0, "Reply-To is in another domain than From"),
          SymbolDef.of(
              "RETURN_PATH_MISMATCH",
              0.5,
              "the envelope sender (Return-Path) is in another domain than From"));

  // RFC 2369 / 2919 list fields and the older ezmlm and Yahoo Groups ones.
  private static final List<String> LIST_HEADERS =
      List.of(
          "List-Id",
          "List-Post",
          "List-Unsubscribe",
          "List-Subscribe",
          "Mailing-List",
          "X-Mailing-List");

  /** Characters of a display name examined. */
  static final int MAX_NAME = 256;

  private static final Pattern ADDRESS =
      Pattern.compile("[A-Za-z0-9._%+'-]+@((?:[A-Za-z0-9-]+\\.)+[A-Za-z]{2,})");
  private static final Pattern DOMAIN =
      Pattern.compile("(?i)(?<![@\\w.-])((?:[a-z0-9-]+\\.)+(?:com|net|org|[a-z]{2}))(?![\\w.-])");

  private SenderCheck() {
    super("sender", Stage.HEADERS, SYMBOLS);
  }

  /** Factory for {@code checks.sender}; no options. */
  public static SenderCheck create(CheckSetup setup) {
    return new SenderCheck();
  }

  @Override
  public void run(CheckContext ctx) {
    Optional<Mailbox> from = firstMailbox(ctx.message().from());
    if (from.isEmpty() || from.get().domain().isEmpty()) {
      return; // HeaderCheck reports missing or malformed From
    }
    String fromDomain = MessageUrls.registrableDomain(from.get().domain());
    String name = from.get().displayName();
    if (name.length() > MAX_NAME) {
      name = name.substring(0, MAX_NAME); // the patterns below backtrack; a real name is short
    }
    // Each pattern needs a char most names lack ('@', '.'): test for it before the regex.
    Matcher a = name.indexOf('@') >= 0 ? ADDRESS.matcher(name) : null;
    if (a != null && a.find()) {
      String other = MessageUrls.registrableDomain(a.group(1));
      if (!other.equals(fromDomain)) {
        ctx.addSymbol("SPOOF_DISPLAY_NAME", a.group() + " via " + fromDomain);
      }
    } else if (name.indexOf('.') >= 0) {
      Matcher d = DOMAIN.matcher(name);
      if (d.find()) {
        String other = MessageUrls.registrableDomain(d.group(1));
        if (isPublicDomain(d.group(1)) && !other.equals(fromDomain)) {
          ctx.addSymbol("FROM_NAME_HAS_DOMAIN", d.group(1) + " via " + fromDomain);
        }
      }
    }
    Headers h = ctx.message().headers();
    for (String list : LIST_HEADERS) {
      if (h.contains(list)) {
        return;
      }
    }
    Optional<Mailbox> replyTo =
        h.firstValue("Reply-To")
            .flatMap(v -> firstMailbox(AddressParser.parseList(v, x -> {})))
            .filter(m -> !m.domain().isEmpty());
    if (replyTo.isPresent()
        && !MessageUrls.registrableDomain(replyTo.get().domain()).equals(fromDomain)) {
      ctx.addSymbol("REPLYTO_DIFF_DOMAIN", replyTo.get().domain());
    }
    String sender = ctx.envelope().sender();
    if (sender.isEmpty()) {
      sender = h.firstValue("Return-Path").map(SenderCheck::unbracket).orElse("");
    }
    int at = sender.lastIndexOf('@');
    if (at > 0 && at < sender.length() - 1) {
      String senderDomain = MessageUrls.registrableDomain(sender.substring(at + 1));
      boolean onBehalf =
          h.firstValue("Sender")
              .flatMap(v -> firstMailbox(AddressParser.parseList(v, x -> {})))
              .filter(m -> MessageUrls.registrableDomain(m.domain()).equals(senderDomain))
              .isPresent();
      if (!senderDomain.equals(fromDomain) && !onBehalf) {
        ctx.addSymbol("RETURN_PATH_MISMATCH", senderDomain);
      }
    }
  }

  /** A name with a known public suffix: "Amazon.com" is one, "Mr.Smith" is not. */
  private static boolean isPublicDomain(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    try {
      // Not isValid() first: it parses the name too, by calling from() and catching this.
      return com.google.common.net.InternetDomainName.from(n).isUnderPublicSuffix();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Optional<Mailbox> firstMailbox(List<Address> list) {
    for (Address a : list) {
      if (a instanceof Mailbox m) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  /**
   * {@code <a@b>} as {@code a@b}: either bracket alone is dropped too, as a sloppy sender writes.
   */
  static String unbracket(String value) {
    String v = value.strip();
    int start = v.startsWith("<") ? 1 : 0;
    int end = v.length() > start && v.endsWith(">") ? v.length() - 1 : v.length();
    return v.substring(start, end);
  }
}
