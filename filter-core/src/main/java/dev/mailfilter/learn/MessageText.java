package dev.mailfilter.learn;

import dev.mailfilter.message.MessageBodies;
import dev.mailfilter.mime.Defect;
import dev.mailfilter.mime.EncodedWords;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.mime.MimePart;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.mime.content.HtmlScan;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Builds a {@link Document} from a parsed message: headers with RFC 2047 words decoded, text parts
 * transfer- and charset-decoded, HTML parts reduced to their visible text with their links, and the
 * structural traits (HTML tricks, parser defects) the model uses as features. Work per part is
 * bounded by the parser's limits and by {@link MessageBodies#MAX_CHARS}.
 */
final class MessageText {
  private static final Consumer<Defect> IGNORE = d -> {};

  private MessageText() {}

  /** The document of a message whose text parts are decoded now. */
  static Document extract(ParsedMessage m) {
    return extract(m, MessageBodies.compute(m));
  }

  /**
   * The document of a message whose text parts the checks have already decoded and scanned: the
   * model reuses {@code bodies} (the text, the HTML scan) instead of decoding again. Training goes
   * through here too, with {@link MessageBodies#compute}, so a message trained on and the same
   * message classified in a transaction yield the same features.
   */
  static Document extract(ParsedMessage m, List<MessageBodies.Body> bodies) {
    List<Document.Header> headers = new ArrayList<>();
    for (int i = 0; i < m.headers().size(); i++) {
      HeaderField f = m.headers().get(i);
      headers.add(new Document.Header(f.name(), EncodedWords.decode(f.value(), IGNORE)));
    }
    Map<MimePart, MessageBodies.Body> decoded = new IdentityHashMap<>();
    for (MessageBodies.Body b : bodies) {
      decoded.put(b.part(), b);
    }
    List<String> texts = new ArrayList<>();
    List<String> htmlTexts = new ArrayList<>();
    List<String> urls = new ArrayList<>();
    List<String> partTypes = new ArrayList<>();
    Set<String> traits = new LinkedHashSet<>();
    for (MimePart part : m.leaves()) {
      String type = part.mediaType();
      partTypes.add(type);
      if (!part.isType("text")) {
        continue;
      }
      MessageBodies.Body body = decoded.get(part);
      if (body == null) {
        // A text part the checks skip (an attachment, text/calendar...): decode it the same way.
        body = MessageBodies.decode(part);
      }
      if (body.html().isPresent()) {
        HtmlScan scan = body.html().get();
        htmlTexts.add(scan.text());
        for (HtmlScan.Link link : scan.links()) {
          urls.add(link.href());
        }
        urls.addAll(scan.imageSources());
        addHtmlTraits(scan, traits);
      } else {
        texts.add(body.text());
        bareUrls(body.text(), urls);
      }
    }
    for (Defect d : m.defects()) {
      traits.add("defect:" + d.type().name());
    }
    String subject = m.headers().firstValue("Subject").orElse("");
    String from = m.headers().firstValue("From").orElse("");
    return new Document(
        EncodedWords.decode(subject, IGNORE),
        EncodedWords.decode(from, IGNORE),
        headers,
        texts,
        htmlTexts,
        urls,
        partTypes,
        List.copyOf(traits),
        mimeShape(m));
  }

  /** Longest {@code tree:} token; deeper or wider trees are cut with {@code ~}. */
  private static final int MAX_TREE = 160;

  /**
   * The MIME shape tokens of {@link Document#mime()}: the tree of content types, the charset and
   * transfer encoding of each leaf, the kinds and count of attachments.
   */
  static List<String> mimeShape(ParsedMessage m) {
    List<String> out = new ArrayList<>();
    StringBuilder tree = new StringBuilder("tree:");
    tree(m.root(), tree, 0);
    out.add(tree.length() > MAX_TREE ? tree.substring(0, MAX_TREE) + "~" : tree.toString());
    int attachments = 0;
    for (MimePart part : m.leaves()) {
      String type = part.mediaType();
      String major = type.substring(0, Math.max(0, type.indexOf('/')));
      out.add("cte:" + major + ":" + part.transferEncoding().token());
      if (part.isType("text")) {
        out.add("charset:" + part.charset().map(MessageText::charsetName).orElse("none"));
      }
      if (part.isAttachment()) {
        attachments++;
        out.add("attach-type:" + type);
        out.add("attach:" + part.filename().map(MessageText::extension).orElse("no-name"));
      }
    }
    out.add("attachments:" + Features.bucket(attachments));
    return out;
  }

  private static void tree(MimePart part, StringBuilder out, int depth) {
    out.append(part.mediaType());
    if (!part.isMultipart() || out.length() > MAX_TREE) {
      return;
    }
    out.append('(');
    List<MimePart> children = part.children();
    for (int i = 0; i < children.size() && out.length() <= MAX_TREE; i++) {
      if (i > 0) {
        out.append(',');
      }
      if (depth >= 4) {
        out.append('~');
        break;
      }
      tree(children.get(i), out, depth + 1);
    }
    out.append(')');
  }

  /** A declared charset, lower case, only its letters, digits and dashes, at most 20 chars. */
  private static String charsetName(String declared) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < declared.length() && b.length() < 20; i++) {
      char c = Character.toLowerCase(declared.charAt(i));
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
        b.append(c);
      }
    }
    return b.isEmpty() ? "invalid" : b.toString();
  }

  /** A file name's extension, lower case; {@code no-ext} or {@code odd-ext} for none or junk. */
  static String extension(String filename) {
    String name = filename.strip();
    int dot = name.lastIndexOf('.');
    if (dot < 0 || dot == name.length() - 1) {
      return "no-ext";
    }
    String ext = name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
    if (ext.length() > 6
        || !ext.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return "odd-ext";
    }
    return ext;
  }

  private static void addHtmlTraits(HtmlScan scan, Set<String> traits) {
    if (!scan.hiddenText().isBlank()) {
      traits.add("html:hidden-text");
    }
    if (scan.invisibleChars() > 0) {
      traits.add("html:invisible-chars");
    }
    if (scan.imageCount() > 0) {
      traits.add("html:images:" + Features.bucket(scan.imageCount()));
    }
    if (scan.hasScript()) {
      traits.add("html:script");
    }
    if (scan.hasForm()) {
      traits.add("html:form");
    }
    if (scan.hasIframe()) {
      traits.add("html:iframe");
    }
    if (scan.hasMetaRefresh()) {
      traits.add("html:meta-refresh");
    }
    for (HtmlScan.Link link : scan.links()) {
      String shown = Features.host(link.anchorText());
      String target = Features.host(link.href());
      if (!shown.isEmpty() && !target.isEmpty() && !shown.equals(target)) {
        traits.add("html:link-text-mismatch");
      }
    }
  }

  /**
   * Adds the bare URLs of plain text: {@code http://}, {@code https://} or {@code www.} (ASCII, any
   * case) at a word start, then everything up to white space, {@code < > " '}. A hand-written scan
   * with the same matches as the regex {@code (?i)\b(?:https?://|www\.)[^\s<>"']+}, which cost a
   * tenth of classification time.
   */
  static void bareUrls(String text, List<String> out) {
    int n = text.length();
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if ((c | 0x20) != 'h' && (c | 0x20) != 'w'
          || (i > 0 && isAsciiWordChar(text.charAt(i - 1)))) {
        i++;
        continue;
      }
      // Most words starting with h or w are not links: their second char rules them out before
      // the three case-insensitive prefix comparisons.
      int second = i + 1 < n ? text.charAt(i + 1) | 0x20 : 0;
      if (second != ((c | 0x20) == 'h' ? 't' : 'w')) {
        i++;
        continue;
      }
      int prefix = urlPrefix(text, i);
      int end = i + prefix;
      while (prefix > 0 && end < n && !isUrlStop(text.charAt(end))) {
        end++;
      }
      if (prefix > 0 && end > i + prefix) {
        out.add(text.substring(i, end));
        i = end;
      } else {
        i++;
      }
    }
  }

  /** The length of {@code http://}, {@code https://} or {@code www.} at {@code i}, or 0. */
  private static int urlPrefix(String text, int i) {
    if (text.regionMatches(true, i, "www.", 0, 4) && isAsciiPrefix(text, i, 4)) {
      return 4;
    }
    if (text.regionMatches(true, i, "https://", 0, 8) && isAsciiPrefix(text, i, 8)) {
      return 8;
    }
    if (text.regionMatches(true, i, "http://", 0, 7) && isAsciiPrefix(text, i, 7)) {
      return 7;
    }
    return 0;
  }

  /** regionMatches ignores case the Unicode way (the Kelvin sign matches k); the regex does not. */
  private static boolean isAsciiPrefix(String text, int i, int len) {
    for (int k = i; k < i + len; k++) {
      if (text.charAt(k) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiWordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  private static boolean isUrlStop(char c) {
    return c == ' '
        || c == '\t'
        || c == '\n'
        || c == '\u000B'
        || c == '\f'
        || c == '\r'
        || c == '<'
        || c == '>'
        || c == '"'
        || c == '\'';
  }
}
