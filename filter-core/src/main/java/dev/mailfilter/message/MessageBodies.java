package dev.mailfilter.message;

import dev.mailfilter.mime.MimePart;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.mime.content.HtmlScan;
import dev.mailfilter.mime.content.HtmlText;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The message text as the body checks and the URL extraction see it: every text part decoded once,
 * HTML scanned once, shared through the transaction's cache. Bounded: at most {@link #MAX_PARTS}
 * parts of at most {@link #MAX_CHARS} characters each.
 */
public final class MessageBodies {
  /** Text parts looked at; a message with more is spam-shaped anyway. */
  public static final int MAX_PARTS = 64;

  /** Characters of one part's decoded text looked at. */
  public static final int MAX_CHARS = 1 << 20;

  private static final Key<List<Body>> KEY = Key.of("message-bodies");

  private MessageBodies() {}

  /**
   * One text part.
   *
   * @param part the MIME part
   * @param text the text a reader sees (for HTML: the markup reduced to visible text)
   * @param html the scan of an HTML part; empty for plain text
   */
  public record Body(MimePart part, String text, Optional<HtmlScan> html) {
    public Body {
      Objects.requireNonNull(part, "part");
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(html, "html");
    }
  }

  /** The transaction's bodies, computed on first use. */
  public static List<Body> of(CheckContext ctx) {
    return ctx.computeIfAbsent(KEY, c -> compute(c.message()));
  }

  /** The bodies of a message, computed now. */
  public static List<Body> compute(ParsedMessage m) {
    List<Body> out = new ArrayList<>();
    for (MimePart p : m.textParts()) {
      if (out.size() >= MAX_PARTS) {
        break;
      }
      out.add(decode(p));
    }
    return List.copyOf(out);
  }

  /**
   * One text part decoded the way {@link #compute} does it: for parts it leaves out (attachments,
   * other text types) that a reader of the whole message, like the learning model, still wants.
   */
  public static Body decode(MimePart p) {
    String t = p.text();
    if (t.length() > MAX_CHARS) {
      t = t.substring(0, MAX_CHARS);
    }
    if (p.mediaType().equals("text/html")) {
      HtmlScan scan = HtmlText.scan(t);
      return new Body(p, scan.text(), Optional.of(scan));
    }
    return new Body(p, t, Optional.empty());
  }
}
