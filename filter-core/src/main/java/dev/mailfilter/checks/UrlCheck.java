package dev.mailfilter.checks;

import com.google.common.net.InternetDomainName;
import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.url.MessageUrls;
import dev.mailfilter.url.Url;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Heuristics on the message's URLs (from {@link MessageUrls}, shared with the URI blocklists):
 * hosts that are IP addresses (Rspamd's HTTP_TO_IP), in particular in the decimal, hex or octal
 * notations that only exist to hide them; links whose visible text shows another domain than they
 * lead to (Rspamd's PHISHING); URL shorteners that hide the destination; and mail linking to many
 * unrelated domains.
 */
public final class UrlCheck extends LocalCheck {
  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of("URL_IP_LITERAL", 1.5, "a URL's host is an IP address"),
          SymbolDef.of(
              "URL_OBFUSCATED_IP", 4.0, "a URL's host is an IP in decimal, hex or octal disguise"),
          SymbolDef.of(
              "PHISH_LINK_MISMATCH", 3.0, "a link's text shows another domain than its target"),
          SymbolDef.of("URL_SHORTENER", 1.0, "a URL goes through a URL shortener"),
          SymbolDef.of("MANY_URL_DOMAINS", 0.5, "URLs point at more than max_domains domains"));

  /** Widely abused shorteners; {@code checks.urls.shorteners} replaces the list. */
  static final List<String> DEFAULT_SHORTENERS =
      List.of(
          "adf.ly",
          "bit.do",
          "bit.ly",
          "bitly.com",
          "buff.ly",
          "cli.gs",
          "cutt.ly",
          "db.tt",
          "goo.gl",
          "is.gd",
          "j.mp",
          "lnkd.in",
          "mcaf.ee",
          "ow.ly",
          "qr.ae",
          "rb.gy",
          "rebrand.ly",
          "s.id",
          "shorte.st",
          "shorturl.at",
          "soo.gd",
          "t.co",
          "t.ly",
          "tiny.cc",
          "tinyurl.com",
          "tr.im",
          "u.to",
          "v.gd",
          "x.co",
          "yourls.org");

  // A domain name shown as link text: "www.paypal.com", "https://paypal.com/login".
  private static final Pattern SHOWN_DOMAIN =
      Pattern.compile(
          "(?i)^\\s*(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,63})\\.?(?:[:/?#]\\S*)?\\s*$");

  private static final Pattern GENERIC = Pattern.compile("\\.(?:com|net|org|info|biz|edu|gov)$");

  private final Set<String> shorteners;
  private final int maxDomains;

  private UrlCheck(Set<String> shorteners, int maxDomains) {
    super("urls", Stage.DATA, SYMBOLS);
    this.shorteners = Set.copyOf(shorteners);
    this.maxDomains = maxDomains;
  }

  /**
   * Factory for {@code checks.urls}: options {@code shorteners} (empty = the built-in list), {@code
   * extra_shorteners}, {@code max_domains}.
   */
  public static UrlCheck create(CheckSetup setup) {
    ConfigNode o = setup.options();
    Set<String> s = new HashSet<>();
    List<String> configured = o.strings("shorteners");
    for (String d : configured.isEmpty() ? DEFAULT_SHORTENERS : configured) {
      s.add(d.toLowerCase(Locale.ROOT));
    }
    for (String d : o.strings("extra_shorteners")) {
      s.add(d.toLowerCase(Locale.ROOT));
    }
    return new UrlCheck(s, (int) o.integer("max_domains", 30, 1, MessageUrls.MAX_URLS));
  }

  @Override
  public void run(CheckContext ctx) {
    MessageUrls urls = MessageUrls.of(ctx);
    // A sender linking through its own click tracker is not phishing (Rspamd exempts these too).
    String fromDomain = "";
    for (dev.mailfilter.mime.Address a : ctx.message().from()) {
      if (a instanceof dev.mailfilter.mime.Mailbox m && !m.domain().isEmpty()) {
        fromDomain = MessageUrls.registrableDomain(m.domain());
        break;
      }
    }
    for (Url u : urls.urls()) {
      if (u.isIpLiteral()) {
        ctx.addSymbol(u.obfuscatedAddress() ? "URL_OBFUSCATED_IP" : "URL_IP_LITERAL", u.host());
      } else if (shorteners.contains(u.host()) || shorteners.contains(u.registrableDomain())) {
        ctx.addSymbol("URL_SHORTENER", u.host());
      }
      // Only a text with a dot can show a domain: most ("click here") skip the pattern.
      if (u.source() == Url.Source.HTML_LINK && u.anchorText().indexOf('.') >= 0) {
        Matcher m = SHOWN_DOMAIN.matcher(u.anchorText());
        if (m.matches() && looksLikeAddress(u.anchorText().strip(), m.group(1))) {
          String shown = MessageUrls.registrableDomain(m.group(1));
          if (!shown.equals(u.registrableDomain()) && !u.registrableDomain().equals(fromDomain)) {
            ctx.addSymbol("PHISH_LINK_MISMATCH", shown + "->" + u.registrableDomain());
          }
        }
      }
    }
    if (urls.domains().size() > maxDomains) {
      ctx.addSymbol("MANY_URL_DOMAINS", String.valueOf(urls.domains().size()));
    }
  }

  /**
   * True when the reader takes the text for a web address: it has a scheme or starts with {@code
   * www.}, or ends in a classic generic TLD. "readme.md" and "photo.zip" end in public suffixes
   * too, but nobody reads them as addresses.
   */
  private static boolean looksLikeAddress(String text, String name) {
    String n = name.toLowerCase(Locale.ROOT);
    try {
      // Not isValid() first: it parses the name too, by calling from() and catching this.
      if (!InternetDomainName.from(n).isUnderPublicSuffix()) {
        return false;
      }
    } catch (IllegalArgumentException e) {
      return false;
    }
    String t = text.toLowerCase(Locale.ROOT);
    return t.startsWith("http://")
        || t.startsWith("https://")
        || n.startsWith("www.")
        || GENERIC.matcher(n).find();
  }
}
