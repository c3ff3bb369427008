package dev.mailfilter.checks;

import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.message.MessageBodies;
import dev.mailfilter.mime.content.HtmlScan;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.util.List;

/**
 * The shape of the message text: HTML without a plain-text alternative (SpamAssassin's
 * MIME_HTML_ONLY), text hidden from the reader but not from filters (invisible colours, zero sizes,
 * display:none), and mail that is images with little or no text (the picture carries the spam so
 * that text filters see nothing).
 */
public final class HtmlCheck extends LocalCheck {
  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of("MIME_HTML_ONLY", 0.5, "the message has HTML but no plain-text part"),
          SymbolDef.of("HIDDEN_TEXT", 2.0, "HTML hides text from the reader"),
          SymbolDef.of("IMAGE_ONLY", 2.0, "HTML with images and almost no text"));

  private final int minHiddenChars;
  private final int imageOnlyMaxText;

  private HtmlCheck(int minHiddenChars, int imageOnlyMaxText) {
    super("html", Stage.DATA, SYMBOLS);
    this.minHiddenChars = minHiddenChars;
    this.imageOnlyMaxText = imageOnlyMaxText;
  }

  /**
   * Factory for {@code checks.html}: options {@code min_hidden_chars}, {@code image_only_max_text}.
   */
  public static HtmlCheck create(CheckSetup setup) {
    ConfigNode o = setup.options();
    return new HtmlCheck(
        (int) o.integer("min_hidden_chars", 20, 1, Integer.MAX_VALUE),
        (int) o.integer("image_only_max_text", 100, 0, Integer.MAX_VALUE));
  }

  @Override
  public void run(CheckContext ctx) {
    List<MessageBodies.Body> bodies = MessageBodies.of(ctx);
    boolean html = false;
    boolean plain = false;
    int hidden = 0;
    int images = 0;
    int text = 0;
    for (MessageBodies.Body b : bodies) {
      // Only compared with the image-only limit: counting stops past it (long texts are common).
      text += nonSpace(b.text(), Math.max(0, imageOnlyMaxText - text));
      if (b.html().isPresent()) {
        html = true;
        HtmlScan s = b.html().get();
        hidden += nonSpace(s.hiddenText());
        images += s.imageCount();
      } else if (!b.text().isBlank()) {
        plain = true;
      }
    }
    if (html && !plain) {
      ctx.addSymbol("MIME_HTML_ONLY");
    }
    if (hidden >= minHiddenChars) {
      ctx.addSymbol("HIDDEN_TEXT", hidden + " chars");
    }
    if (images > 0 && text <= imageOnlyMaxText) {
      ctx.addSymbol("IMAGE_ONLY", images + " images, " + text + " chars");
    }
  }

  static int nonSpace(String s) {
    return nonSpace(s, Integer.MAX_VALUE);
  }

  /** Non-white-space chars, counted until there are more than {@code limit}. */
  static int nonSpace(String s, int limit) {
    int n = 0;
    for (int i = 0; i < s.length() && n <= limit; i++) {
      char c = s.charAt(i);
      if (c > ' ' ? c < 0x80 || !Character.isWhitespace(c) : !Character.isWhitespace(c)) {
        n++;
      }
    }
    return n;
  }
}
