package dev.mailfilter.web.quarantine;

import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.MimePart;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.web.Html;
import java.util.Locale;
import java.util.Optional;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.safety.Cleaner;
import org.jsoup.safety.Safelist;

/**
 * The preview of a held message: its HTML part through jsoup's {@link Cleaner} (no script, no event
 * handler, no form, no frame, no style, only http(s) and mailto links), or its text part escaped.
 * Remote images are taken out unless asked for: their {@code src} is removed, so that opening a
 * preview tells no sender that the address is read. The page that frames it adds a sandbox and a
 * content security policy on top ({@link QuarantinePage}), so a sanitiser bug alone does not run
 * anything.
 */
public final class Preview {
  /**
   * A rendered preview.
   *
   * @param html the body's inner HTML, safe to put in a page
   * @param blockedImages how many remote images were left out
   * @param fromHtml whether it came from an HTML part (else a text part, or nothing)
   */
  public record Rendered(String html, int blockedImages, boolean fromHtml) {}

  private static final Safelist SAFE =
      // relaxed: text, tables, lists, links and images with http(s) sources; no ftp links.
      Safelist.relaxed().removeProtocols("a", "href", "ftp");

  private Preview() {}

  /**
   * Renders the preview of a whole message.
   *
   * @param images whether remote images stay (the user clicked "show images")
   */
  public static Rendered render(byte[] message, boolean images) {
    ParsedMessage m = MessageParser.create().parse(message);
    Optional<MimePart> html = first(m, "text/html");
    if (html.isPresent()) {
      return sanitise(html.get().text(), images);
    }
    Optional<MimePart> text = first(m, "text/plain");
    if (text.isPresent()) {
      return new Rendered(
          Html.fill("<pre class=\"text\">{}</pre>", text.get().text()).html(), 0, false);
    }
    return new Rendered("<p><em>No text in this message.</em></p>", 0, false);
  }

  private static Optional<MimePart> first(ParsedMessage m, String type) {
    for (MimePart p : m.leaves()) {
      if (p.mediaType().equals(type) && !p.isAttachment()) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Sanitises untrusted HTML and takes out remote images unless {@code images}. */
  static Rendered sanitise(String untrusted, boolean images) {
    Document clean = new Cleaner(SAFE).clean(Jsoup.parse(untrusted));
    int blocked = 0;
    for (Element img : clean.select("img")) {
      String src = img.attr("src").toLowerCase(Locale.ROOT);
      if ((src.startsWith("http:") || src.startsWith("https:")) && !images) {
        img.removeAttr("src");
        img.attr(
            "alt", "[image not loaded" + (img.hasAttr("alt") ? ": " + img.attr("alt") : "") + "]");
        blocked++;
      }
    }
    for (Element a : clean.select("a[href]")) {
      a.attr("rel", "noopener noreferrer nofollow");
      a.attr("target", "_blank");
    }
    clean.outputSettings().prettyPrint(false);
    return new Rendered(clean.body().html(), blocked, true);
  }
}
