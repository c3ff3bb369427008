package dev.mailfilter.mime.content;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Reduces HTML to the text a mail reader shows, in one linear pass modelled on the WHATWG
 * tokenizer: no regular expressions, no DOM, no recursion. Unclosed tags, unclosed quotes and a
 * bare {@code <} in text are handled as browsers handle them, so spam cannot hide text from this
 * reader that a browser would show (or show text a browser would hide).
 *
 * <p>Tags are stripped; character references are decoded (HTML 4 and common HTML5 names, numeric
 * references with the browsers' repairs); the content of {@code script}, {@code style}, {@code
 * title}, {@code iframe}, {@code noembed}, {@code noframes}, comments and CDATA sections is
 * dropped; block elements ({@code p}, {@code div}, {@code br}, {@code tr}, {@code li}, {@code
 * h1}...) become line breaks; other whitespace collapses to single spaces except inside {@code
 * pre}; zero-width and bidi-control characters are removed. Text hidden by inline CSS is left out
 * of {@link #toText} and reported by {@link #scan}.
 *
 * <p>Work and memory are linear in the input; no input makes these methods throw.
 */
public final class HtmlText {
  /** Links recorded per document; more set {@link HtmlScan#linksCapped()}. */
  public static final int MAX_LINKS = 1_000;

  /** Image sources recorded per document. */
  public static final int MAX_IMAGES = 1_000;

  /** Characters of anchor text kept per link. */
  public static final int MAX_ANCHOR_TEXT = 1_000;

  private HtmlText() {}

  /**
   * The visible text of {@code html}: tags stripped, references decoded, hidden and non-rendered
   * content dropped, block elements as line breaks, whitespace collapsed, trimmed.
   */
  public static String toText(CharSequence html) {
    Objects.requireNonNull(html, "html");
    return new Scanner(html).run().text();
  }

  /** Everything {@link HtmlScan} describes, from one pass over {@code html}. */
  public static HtmlScan scan(CharSequence html) {
    Objects.requireNonNull(html, "html");
    return new Scanner(html).run();
  }

  /** True for the characters counted as invisible and removed from text. */
  static boolean isInvisible(int cp) {
    if (cp < 0x00AD) {
      return false; // every char of most text: no switch for it
    }
    return switch (cp) {
      case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0 ->
          true;
      default ->
          (cp >= 0x200B && cp <= 0x200F)
              || (cp >= 0x202A && cp <= 0x202E)
              || (cp >= 0x2060 && cp <= 0x206F)
              || (cp >= 0xFE00 && cp <= 0xFE0F)
              || (cp >= 0xE0000 && cp <= 0xE007F);
    };
  }

  /** Accumulates text with pending whitespace, so runs collapse and ends are trimmed. */
  static final class TextSink {
    private final StringBuilder sb = new StringBuilder();
    private final boolean singleLine;
    private final int cap;
    private boolean pendingSpace;
    private int pendingNewlines;

    TextSink(boolean singleLine, int cap) {
      this.singleLine = singleLine;
      this.cap = cap;
    }

    void space() {
      pendingSpace = true;
    }

    /** A block boundary: at least {@code n} line breaks before the next text (at most 2). */
    void block(int n) {
      if (singleLine) {
        pendingSpace = true;
      } else {
        pendingNewlines = Math.max(pendingNewlines, Math.min(n, 2));
      }
    }

    /** A hard break ({@code <br>}, a newline in {@code pre}): adds one line break. */
    void lineBreak() {
      if (singleLine) {
        pendingSpace = true;
      } else {
        pendingNewlines = Math.min(pendingNewlines + 1, 2);
      }
    }

    void append(int cp) {
      if (sb.length() >= cap || (cp == ' ' && sb.isEmpty())) {
        return; // leading spaces (from pre) are trimmed like all leading whitespace
      }
      if (!sb.isEmpty()) {
        if (pendingNewlines > 0) {
          sb.repeat('\n', pendingNewlines);
        } else if (pendingSpace) {
          sb.append(' ');
        }
      }
      pendingSpace = false;
      pendingNewlines = 0;
      sb.appendCodePoint(cp);
    }

    /**
     * {@link #append(int)} of each char of {@code s[from, to)}, which holds no space: only the
     * first can be preceded by pending whitespace, and the rest are copied up to the cap.
     */
    void append(String s, int from, int to) {
      if (from >= to) {
        return;
      }
      append(s.charAt(from));
      int n = Math.min(to - from - 1, cap - sb.length());
      if (n > 0) {
        sb.append(s, from + 1, from + 1 + n);
      }
    }

    @Override
    public String toString() {
      int end = sb.length();
      while (end > 0 && sb.charAt(end - 1) == ' ') {
        end--; // trailing spaces from pre
      }
      return sb.substring(0, end);
    }
  }

  /** One open element: what it makes of the text inside it. */
  private record Frame(String name, boolean hidden, int fg, int bg, boolean pre, boolean hides) {
    /** {@code hides}: whether text inside is not seen, worked out once, not per char of it. */
    Frame(String name, boolean hidden, int fg, int bg, boolean pre) {
      this(name, hidden, fg, bg, pre, hidden || Css.isTransparent(fg) || Css.near(fg, bg));
    }
  }

  /** The single pass. Not reusable; one per document. */
  private static final class Scanner {
    private static final int MAX_STACK = 256;
    private static final int MAX_ATTRIBUTES = 64;
    private static final int MAX_ATTRIBUTE_VALUE = 16_384;

    // A String: the scan uses its indexOf and codePointAt.
    private final String s;
    private final int n;
    private int i;

    private final TextSink visible = new TextSink(false, Integer.MAX_VALUE);
    private final TextSink hidden = new TextSink(true, Integer.MAX_VALUE);
    private final List<Frame> stack = new ArrayList<>();
    private final List<HtmlScan.Link> links = new ArrayList<>();
    private final List<String> images = new ArrayList<>();
    private boolean linksCapped;
    private String linkHref; // the open <a>, or null
    private TextSink linkText;
    private int imageCount;
    private int invisible;
    private int tags;
    private boolean hasScript;
    private boolean hasForm;
    private boolean hasPassword;
    private boolean hasIframe;
    private boolean hasBase;
    private boolean hasObject;
    private boolean hasMetaRefresh;

    // The current tag's attributes (names lower-cased), reused across tags.
    private final ArrayList<String> attrNames = new ArrayList<>();
    private final ArrayList<String> attrValues = new ArrayList<>();
    private final StringBuilder attrValue = new StringBuilder(); // the one being read

    Scanner(CharSequence s) {
      this.s = s.toString();
      this.n = s.length();
    }

    HtmlScan run() {
      StringBuilder ref = new StringBuilder();
      while (i < n) {
        char c = s.charAt(i);
        if (c == '<') {
          markup();
        } else if (c == '&') {
          ref.setLength(0);
          int next = HtmlEntities.decode(s, i, n, false, ref);
          if (next == i) {
            text('&');
            i++;
          } else {
            for (int k = 0; k < ref.length(); ) {
              int cp = Character.codePointAt(ref, k);
              text(cp);
              k += Character.charCount(cp);
            }
            i = next;
          }
        } else if (c > ' ' && c < 0x7F) {
          // A run of printable ASCII other than '<' and '&' goes to the text in one piece: it
          // holds no whitespace, control or invisible char, and no element opens or closes in it.
          int j = i + 1;
          while (j < n) {
            char d = s.charAt(j);
            if (d <= ' ' || d >= 0x7F || d == '<' || d == '&') {
              break;
            }
            j++;
          }
          plainText(i, j);
          i = j;
        } else {
          int cp = s.codePointAt(i); // String's own: Character's takes a CharSequence
          text(cp);
          i += Character.charCount(cp);
        }
      }
      closeLink();
      return new HtmlScan(
          visible.toString(),
          hidden.toString(),
          links,
          linksCapped,
          imageCount,
          images,
          invisible,
          hasScript,
          hasForm,
          hasPassword,
          hasIframe,
          hasBase,
          hasObject,
          hasMetaRefresh,
          tags);
    }

    private Frame top() {
      return stack.isEmpty() ? null : stack.get(stack.size() - 1);
    }

    /** {@link #text(int)} of each char of {@code s[from, to)}, printable ASCII but '<' and '&'. */
    private void plainText(int from, int to) {
      Frame f = top();
      if (f != null && f.hides) {
        hidden.append(s, from, to);
        return;
      }
      visible.append(s, from, to);
      if (linkText != null) {
        linkText.append(s, from, to);
      }
    }

    private void text(int cp) {
      if (isInvisible(cp)) {
        invisible++;
        return;
      }
      Frame f = top();
      boolean isHidden = f != null && f.hides;
      boolean pre = f != null && f.pre;
      if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == 0xA0) {
        if (isHidden) {
          hidden.space();
        } else if (pre && cp == '\n') {
          visible.lineBreak();
        } else if (pre && cp != '\r') {
          visible.append(cp == 0xA0 ? ' ' : cp);
        } else {
          visible.space();
        }
        if (linkText != null) {
          linkText.space();
        }
        return;
      }
      if (cp < 0x20 || cp == 0x7F) {
        return; // NUL and other controls are not rendered
      }
      if (isHidden) {
        hidden.append(cp);
        return;
      }
      visible.append(cp);
      if (linkText != null) {
        linkText.append(cp);
      }
    }

    /** At a '<': a tag, a comment, or a literal '<'. */
    private void markup() {
      int next = i + 1 < n ? s.charAt(i + 1) : -1;
      if (isAsciiLetter(next)) {
        startTag();
      } else if (next == '/') {
        int after = i + 2 < n ? s.charAt(i + 2) : -1;
        if (isAsciiLetter(after)) {
          endTag();
        } else if (after == '>') {
          i += 3;
        } else if (after == -1) {
          text('<');
          text('/');
          i = n;
        } else {
          skipPast(">", i + 2);
        }
      } else if (next == '!') {
        if (startsWith("--", i + 2)) {
          // "<!-->" and "<!--->" are complete (empty) comments for browsers.
          int body = i + 4;
          if (startsWith(">", body)) {
            i = body + 1;
          } else if (startsWith("->", body)) {
            i = body + 2;
          } else {
            i = commentEnd(body);
          }
        } else if (startsWithIgnoreCase("[CDATA[", i + 2)) {
          int end = indexOf("]]>", i + 9);
          i = end < 0 ? n : end + 3;
        } else {
          skipPast(">", i + 2);
        }
      } else if (next == '?') {
        skipPast(">", i + 2);
      } else {
        text('<');
        i++;
      }
    }

    /** The index after "-->" or "--!>" (browsers accept both), or the end of input. */
    private int commentEnd(int from) {
      for (int k = from; k + 2 < n; k++) {
        if (s.charAt(k) == '-' && s.charAt(k + 1) == '-') {
          char c = s.charAt(k + 2);
          if (c == '>') {
            return k + 3;
          }
          if (c == '!' && k + 3 < n && s.charAt(k + 3) == '>') {
            return k + 4;
          }
        }
      }
      return n;
    }

    private void skipPast(String needle, int from) {
      int end = indexOf(needle, from);
      i = end < 0 ? n : end + needle.length();
    }

    /** Reads a tag name at {@code i}, lower-cased. */
    private String tagName() {
      int start = i;
      while (i < n) {
        char c = s.charAt(i);
        if (c == '>' || c == '/' || isSpace(c)) {
          break;
        }
        i++;
      }
      return s.subSequence(start, i).toString().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads attributes up to and including the closing '>'. Returns false when the input ended
     * inside the tag (browsers then drop the tag).
     */
    private boolean attributes() {
      attrNames.clear();
      attrValues.clear();
      StringBuilder value = attrValue;
      while (true) {
        while (i < n && (isSpace(s.charAt(i)) || s.charAt(i) == '/')) {
          i++;
        }
        if (i >= n) {
          return false;
        }
        if (s.charAt(i) == '>') {
          i++;
          return true;
        }
        int nameStart = i;
        i++; // the first character may be '=' and still belongs to the name
        while (i < n) {
          char c = s.charAt(i);
          if (isSpace(c) || c == '/' || c == '>' || c == '=') {
            break;
          }
          i++;
        }
        String name = s.subSequence(nameStart, i).toString().toLowerCase(Locale.ROOT);
        while (i < n && isSpace(s.charAt(i))) {
          i++;
        }
        value.setLength(0);
        if (i < n && s.charAt(i) == '=') {
          i++;
          while (i < n && isSpace(s.charAt(i))) {
            i++;
          }
          if (i < n && (s.charAt(i) == '"' || s.charAt(i) == '\'')) {
            char quote = s.charAt(i++);
            int close = s.indexOf(quote, i);
            // Only up to the quote: searching on to the end of the text made every attribute
            // cost the rest of the document.
            if (close >= 0 && s.indexOf('&', i, close) < 0) {
              // No reference before the closing quote (most values): one copy, not a char at a
              // time.
              value.append(s, i, i + Math.min(close - i, MAX_ATTRIBUTE_VALUE));
              i = close;
            }
            while (i < n && s.charAt(i) != quote) {
              attributeChar(value);
            }
            if (i >= n) {
              return false;
            }
            i++;
          } else {
            while (i < n && !isSpace(s.charAt(i)) && s.charAt(i) != '>') {
              attributeChar(value);
            }
          }
        }
        if (attrNames.size() < MAX_ATTRIBUTES && !attrNames.contains(name)) {
          attrNames.add(name);
          attrValues.add(value.toString());
        }
      }
    }

    private void attributeChar(StringBuilder value) {
      char c = s.charAt(i);
      if (c == '&') {
        int before = value.length();
        int next = HtmlEntities.decode(s, i, n, true, value);
        if (next != i) {
          i = next;
          if (value.length() > MAX_ATTRIBUTE_VALUE) {
            value.setLength(before);
          }
          return;
        }
      }
      if (value.length() < MAX_ATTRIBUTE_VALUE) {
        value.append(c);
      }
      i++;
    }

    private String attr(String name) {
      int k = attrNames.indexOf(name);
      return k < 0 ? null : attrValues.get(k);
    }

    private void endTag() {
      i += 2;
      String name = tagName();
      attributes(); // end tags may carry (ignored) attributes, and quotes still matter
      if (name.equals("br")) {
        visible.lineBreak(); // browsers treat </br> as <br>
        hidden.space();
      } else {
        separate(name);
      }
      if (name.equals("a")) {
        closeLink();
      }
      for (int k = stack.size() - 1; k >= 0; k--) {
        if (stack.get(k).name.equals(name)) {
          stack.subList(k, stack.size()).clear();
          break;
        }
      }
    }

    private void startTag() {
      i++;
      String name = tagName();
      if (!attributes()) {
        i = n;
        return;
      }
      tags++;
      for (int k = 0; k < attrNames.size(); k++) {
        if (attrNames.get(k).startsWith("on")) {
          hasScript = true;
        }
      }
      separate(name);
      Frame f = top();
      if (f != null
          && ((isBlock(name) && f.name.equals("p"))
              || (isSelfNesting(name) && f.name.equals(name)))) {
        stack.remove(stack.size() - 1); // an implied end tag: browsers close the open <p>, <li>...
      }
      switch (name) {
        case "br" -> {
          visible.lineBreak();
          hidden.space();
        }
        case "a" -> {
          closeLink();
          String href = attr("href");
          if (href != null) {
            if (links.size() < MAX_LINKS) {
              linkHref = href.strip();
              linkText = new TextSink(true, MAX_ANCHOR_TEXT);
            } else {
              linksCapped = true;
            }
          }
        }
        case "area" -> {
          String href = attr("href");
          if (href != null) {
            String alt = attr("alt");
            addLink(href.strip(), alt == null ? "" : collapse(alt));
          }
        }
        case "form" -> {
          hasForm = true;
          String action = attr("action");
          if (action != null) {
            addLink(action.strip(), "");
          }
        }
        case "input" -> {
          String type = attr("type");
          if (type != null && type.strip().equalsIgnoreCase("password")) {
            hasPassword = true;
          }
        }
        case "img" -> {
          imageCount++;
          String src = attr("src");
          if (images.size() < MAX_IMAGES) {
            images.add(src == null ? "" : src.strip());
          }
        }
        case "iframe", "frame" -> hasIframe = true;
        case "base" -> hasBase = true;
        case "object", "embed", "applet" -> hasObject = true;
        case "script" -> hasScript = true;
        case "meta" -> {
          String equiv = attr("http-equiv");
          if (equiv != null && equiv.strip().equalsIgnoreCase("refresh")) {
            hasMetaRefresh = true;
          }
        }
        default -> {}
      }
      switch (name) {
        case "script", "style", "title", "iframe", "noembed", "noframes", "xmp", "textarea" -> {
          rawText(name);
          return;
        }
        case "plaintext" -> {
          push(name);
          while (i < n) {
            int cp = s.codePointAt(i); // String's own: Character's takes a CharSequence
            text(cp);
            i += Character.charCount(cp);
          }
          return;
        }
        default -> {}
      }
      if (!isVoid(name)) {
        push(name);
      }
    }

    /** Content up to the matching end tag is not markup: dropped, or shown as text. */
    private void rawText(String name) {
      int start = i;
      int end = start;
      while (true) {
        end = indexOf("</", end);
        if (end < 0) {
          end = n;
          break;
        }
        int after = end + 2 + name.length();
        if (startsWithIgnoreCase(name, end + 2)
            && (after >= n
                || isSpace(s.charAt(after))
                || s.charAt(after) == '/'
                || s.charAt(after) == '>')) {
          break;
        }
        end += 2;
      }
      if (name.equals("textarea") || name.equals("xmp")) {
        int depth = stack.size();
        push(name);
        StringBuilder ref = new StringBuilder();
        for (int k = start; k < end; ) {
          if (name.equals("textarea") && s.charAt(k) == '&') {
            ref.setLength(0);
            int next = HtmlEntities.decode(s, k, end, false, ref);
            if (next != k) {
              for (int j = 0; j < ref.length(); ) {
                int cp = ref.codePointAt(j);
                j += Character.charCount(cp);
                text(cp);
              }
              k = next;
              continue;
            }
          }
          int cp = s.codePointAt(k);
          text(cp);
          k += Character.charCount(cp);
        }
        stack.subList(depth, stack.size()).clear();
      }
      if (end >= n) {
        i = n;
      } else {
        i = end;
        endTag();
      }
    }

    /** Block elements break lines; table cells and list-like inline boxes separate words. */
    private void separate(String name) {
      if (isBlock(name)) {
        visible.block(isParagraph(name) ? 2 : 1);
        hidden.space();
        if (linkText != null) {
          linkText.space();
        }
      } else if (name.equals("td") || name.equals("th") || name.equals("img")) {
        visible.space();
        hidden.space();
      }
    }

    private void push(String name) {
      if (stack.size() >= MAX_STACK) {
        return;
      }
      Frame parent = top();
      boolean hiddenNow = parent != null && parent.hidden;
      int fg = parent == null ? 0x000000 : parent.fg;
      int bg = parent == null ? 0xFFFFFF : parent.bg;
      boolean pre = (parent != null && parent.pre) || name.equals("pre") || name.equals("listing");
      if (attr("hidden") != null) {
        hiddenNow = true;
      }
      // A colour or image we cannot read makes the background unknown: no contrast verdict then.
      String bgcolor = attr("bgcolor");
      if (bgcolor != null) {
        int c = Css.color(bgcolor);
        if (c != Css.TRANSPARENT) {
          bg = c;
        }
      }
      if (attr("background") != null) {
        bg = Css.UNKNOWN;
      }
      if (name.equals("font")) {
        String color = attr("color");
        if (color != null) {
          fg = Css.color(color);
        }
      }
      String style = attr("style");
      if (style != null) {
        Css.Style st = Css.parse(style);
        hiddenNow |= st.hides();
        if (st.backgroundSet() && st.background() != Css.TRANSPARENT) {
          bg = st.background();
        }
        if (st.colorSet()) {
          fg = st.color();
        }
      }
      Frame frame = new Frame(name, hiddenNow, fg, bg, pre);
      if (frame.hides) {
        hidden.space(); // separate one hidden element's text from the next one's
      }
      stack.add(frame);
    }

    private void addLink(String href, String anchor) {
      if (links.size() < MAX_LINKS) {
        links.add(new HtmlScan.Link(href, anchor));
      } else {
        linksCapped = true;
      }
    }

    private void closeLink() {
      if (linkHref != null) {
        addLink(linkHref, linkText.toString());
        linkHref = null;
        linkText = null;
      }
    }

    private int indexOf(String needle, int from) {
      int last = n - needle.length();
      char first = needle.charAt(0);
      for (int k = Math.max(from, 0); k <= last; k++) {
        if (s.charAt(k) == first && startsWith(needle, k)) {
          return k;
        }
      }
      return -1;
    }

    private boolean startsWith(String prefix, int at) {
      if (at < 0 || at + prefix.length() > n) {
        return false;
      }
      for (int k = 0; k < prefix.length(); k++) {
        if (s.charAt(at + k) != prefix.charAt(k)) {
          return false;
        }
      }
      return true;
    }

    private boolean startsWithIgnoreCase(String prefix, int at) {
      if (at < 0 || at + prefix.length() > n) {
        return false;
      }
      for (int k = 0; k < prefix.length(); k++) {
        char c = s.charAt(at + k);
        char p = prefix.charAt(k);
        if (c != p && Character.toLowerCase(c) != Character.toLowerCase(p)) {
          return false;
        }
      }
      return true;
    }
  }

  static String collapse(String raw) {
    TextSink sink = new TextSink(true, MAX_ANCHOR_TEXT);
    for (int i = 0; i < raw.length(); ) {
      int cp = raw.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isWhitespace(cp) || cp == 0xA0) {
        sink.space();
      } else if (!isInvisible(cp) && cp >= 0x20) {
        sink.append(cp);
      }
    }
    return sink.toString();
  }

  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
  }

  private static boolean isAsciiLetter(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isVoid(String name) {
    return switch (name) {
      case "area",
          "base",
          "basefont",
          "bgsound",
          "br",
          "col",
          "embed",
          "frame",
          "hr",
          "img",
          "input",
          "keygen",
          "link",
          "meta",
          "param",
          "source",
          "track",
          "wbr" ->
          true;
      default -> false;
    };
  }

  /** Elements that close an open element of the same name (li closes li, td closes td...). */
  private static boolean isSelfNesting(String name) {
    return switch (name) {
      case "li", "dt", "dd", "tr", "td", "th", "option", "p" -> true;
      default -> false;
    };
  }

  private static boolean isBlock(String name) {
    return switch (name) {
      case "address",
          "article",
          "aside",
          "blockquote",
          "center",
          "dd",
          "details",
          "dialog",
          "dir",
          "div",
          "dl",
          "dt",
          "fieldset",
          "figcaption",
          "figure",
          "footer",
          "form",
          "h1",
          "h2",
          "h3",
          "h4",
          "h5",
          "h6",
          "header",
          "hr",
          "li",
          "listing",
          "main",
          "menu",
          "nav",
          "ol",
          "p",
          "pre",
          "section",
          "summary",
          "table",
          "tbody",
          "thead",
          "tfoot",
          "tr",
          "caption",
          "ul",
          "body",
          "html",
          "option",
          "legend",
          "plaintext" ->
          true;
      default -> false;
    };
  }

  private static boolean isParagraph(String name) {
    return switch (name) {
      case "p",
          "h1",
          "h2",
          "h3",
          "h4",
          "h5",
          "h6",
          "blockquote",
          "pre",
          "table",
          "ul",
          "ol",
          "dl",
          "hr" ->
          true;
      default -> false;
    };
  }
}
