package dev.mailfilter.mime.content;

import java.util.List;
import java.util.Objects;

/**
 * What {@link HtmlText#scan} found in one HTML body: the text a reader sees, the text hidden from
 * them, links and images, and the active or risky constructs a spam or phishing check looks for.
 *
 * @param text the visible text, as {@link HtmlText#toText} returns it
 * @param hiddenText text in elements hidden by markup or inline CSS ({@code display:none}, {@code
 *     visibility:hidden}, zero or one-pixel fonts, zero opacity, text colour equal or nearly equal
 *     to its background...), whitespace collapsed to single spaces
 * @param links {@code <a href>} and {@code <area href>} targets with their anchor text (an area's
 *     {@code alt}), and {@code <form action>} targets with empty anchor text, in document order; at
 *     most {@link HtmlText#MAX_LINKS}
 * @param linksCapped true when more links were present than recorded
 * @param imageCount every {@code <img>} element, not capped
 * @param imageSources the {@code src} of the first {@link HtmlText#MAX_IMAGES} images
 * @param invisibleChars zero-width, soft-hyphen and bidi-control characters in the text (dropped
 *     from {@code text} so that "V&amp;#8203;iagra" reads "Viagra")
 * @param hasScript a {@code <script>} element, or an {@code on...} event-handler attribute
 * @param hasForm a {@code <form>} element
 * @param hasPasswordField an {@code <input type=password>}
 * @param hasIframe an {@code <iframe>} or {@code <frame>}
 * @param hasBase a {@code <base>} element (it changes what relative links point at)
 * @param hasObject an {@code <object>}, {@code <embed>} or {@code <applet>}
 * @param hasMetaRefresh a {@code <meta http-equiv=refresh>} redirect
 * @param tagCount start tags seen
 */
public record HtmlScan(
    String text,
    String hiddenText,
    List<Link> links,
    boolean linksCapped,
    int imageCount,
    List<String> imageSources,
    int invisibleChars,
    boolean hasScript,
    boolean hasForm,
    boolean hasPasswordField,
    boolean hasIframe,
    boolean hasBase,
    boolean hasObject,
    boolean hasMetaRefresh,
    int tagCount) {

  public HtmlScan {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(hiddenText, "hiddenText");
    links = List.copyOf(links);
    imageSources = List.copyOf(imageSources);
  }

  /** True when more images were present than their sources recorded. */
  public boolean imagesCapped() {
    return imageCount > imageSources.size();
  }

  /**
   * A link target and the text the reader clicks.
   *
   * @param href the attribute value, character references decoded and surrounding whitespace
   *     removed; not resolved against a base
   * @param anchorText the visible text inside the link, whitespace collapsed, at most {@link
   *     HtmlText#MAX_ANCHOR_TEXT} characters
   */
  public record Link(String href, String anchorText) {
    public Link {
      Objects.requireNonNull(href, "href");
      Objects.requireNonNull(anchorText, "anchorText");
    }
  }
}
