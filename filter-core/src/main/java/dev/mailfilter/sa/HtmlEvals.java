package dev.mailfilter.sa;

import dev.mailfilter.mime.MimePart;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTMLEval plugin's evals that need only what HTML.pm counts without rendering: whether an HTML
 * part exists ({@code html_test('html')}), its {@code length} ({@code html_range}, {@code
 * html_eval}, {@code html_image_only}) and the balance of start and end tags ({@code
 * html_tag_balance}). Each follows the Perl function of the same name over {@code html_all}, the
 * results of every HTML part. The statistics our HTML scanner does not keep as HTML.pm does
 * (rendered lengths, image areas, font sizes, tag and element ratios, comments, titles) leave their
 * rules unsupported, with the reason.
 */
final class HtmlEvals {
  /** The HTMLEval functions resolved here, with some of their arguments. */
  static final List<String> FUNCTIONS =
      List.of(
          "html_test",
          "html_range",
          "html_eval",
          "html_image_only",
          "html_tag_balance",
          "html_text_match");

  // HTMLEval's untainting pattern for an expression, then the forms the rule sets write.
  private static final Pattern EXPRESSION = Pattern.compile("[<>=!\\-+ 0-9]+");
  private static final Pattern COMPARISON =
      Pattern.compile("\\s*(==|!=|<=|>=|<|>)\\s*(-?\\d+)\\s*");
  private static final Pattern TAG_NAME = Pattern.compile("[a-zA-Z0-9]+");
  // Node::effective_type: an attachment named *.html, *.htm, *.shtml renders as HTML.
  private static final Pattern HTML_NAME =
      Pattern.compile("(?s).*\\.s?html?", Pattern.CASE_INSENSITIVE);

  private static final Pattern TEXT_OR_MESSAGE =
      Pattern.compile("(?:text|message)\\b/", Pattern.CASE_INSENSITIVE);

  private HtmlEvals() {}

  /**
   * The test for {@code fn(args)}, one of {@link #FUNCTIONS}.
   *
   * @throws Unsupported for a statistic or expression not implemented
   */
  static NativeEvals.EvalTest resolve(String fn, List<String> args) throws Unsupported {
    return switch (fn) {
      case "html_test" -> {
        arity(fn, args, 1);
        if (!args.getFirst().equals("html")) {
          throw new Unsupported(
              "html_test('" + args.getFirst() + "') needs HTML.pm's rendering flags");
        }
        // html_start sets {html} for every HTML part parsed.
        yield msg -> !htmlParts(msg).isEmpty();
      }
      case "html_range" -> {
        arity(fn, args, 3);
        lengthOnly(fn, args.getFirst());
        double min = decimal(args.get(1));
        String maxText = args.get(2);
        if (maxText.equals("inf")) {
          yield anyLength(v -> v > min);
        }
        double max = decimal(maxText);
        yield anyLength(v -> v > min && v <= max);
      }
      case "html_eval" -> {
        arity(fn, args, 2);
        lengthOnly(fn, args.getFirst());
        LongPredicate c = comparison(args.get(1));
        yield anyLength(v -> c.test((long) v));
      }
      case "html_image_only" -> {
        arity(fn, args, 2);
        double min = decimal(args.get(0));
        double max = decimal(args.get(1));
        Pattern img = tag("img");
        yield msg -> {
          for (MimePart p : htmlParts(msg)) {
            String html = p.text();
            long length = length(p);
            if (img.matcher(html).find() && length > min && length <= max) {
              return true;
            }
          }
          return false;
        };
      }
      case "html_tag_balance" -> {
        arity(fn, args, 2);
        if (!TAG_NAME.matcher(args.get(0)).matches()) {
          yield msg -> false; // HTMLEval returns 0 for such a tag
        }
        Pattern tag = tag(args.get(0));
        LongPredicate expr = comparison(args.get(1));
        yield msg -> {
          for (MimePart p : htmlParts(msg)) {
            long balance = tagBalance(tag, p.text());
            if (balance >= 0 && expr.test(balance)) {
              return true;
            }
          }
          return false;
        };
      }
      case "html_text_match" -> {
        arity(fn, args, 2);
        if (!args.get(0).equals("comment")) {
          throw new Unsupported(
              "html_text_match('" + args.get(0) + "') needs HTML.pm's rendered texts");
        }
        // compile_regexp($regexp, 0): the pattern as written, no delimiters, no flags.
        Pattern re = PerlRegex.compile(args.get(1), "");
        yield msg -> {
          for (MimePart p : htmlParts(msg)) {
            for (String c : comments(p.text())) {
              if (re.matcher(c).find()) {
                return true;
              }
            }
          }
          return false;
        };
      }
      default -> throw new Unsupported("eval:" + fn + " is not implemented");
    };
  }

  /**
   * The parts whose HTML results SpamAssassin keeps: every leaf rendered as text/html
   * (Message::get_body_text_array_common), those with an empty body left out (Node::rendered).
   */
  static List<MimePart> htmlParts(SaMessage msg) {
    List<MimePart> out = new ArrayList<>();
    for (MimePart p : msg.parsed().leaves()) {
      boolean html =
          p.mediaType().equals("text/html")
              || p.filename().map(n -> HTML_NAME.matcher(n).matches()).orElse(false);
      if (html && p.decodedBody().size() > 0) {
        out.add(p);
      }
    }
    return out;
  }

  /**
   * HTML.pm's {@code {inside}{tag}}: start tags add one, end tags take one away, never below zero;
   * -1 when the tag does not occur (the key does not exist).
   */
  static long tagBalance(Pattern tag, String html) {
    Matcher m = tag.matcher(html);
    long balance = -1;
    while (m.find()) {
      boolean end = m.group().charAt(1) == '/';
      balance = Math.max(0, Math.max(balance, 0) + (end ? -1 : 1));
    }
    return balance;
  }

  // The tag as HTML::Parser reports it; end tags too (html_tag_exists agrees with SpamAssassin so).
  private static Pattern tag(String name) {
    return Pattern.compile("</?" + Pattern.quote(name) + "[\\s>/]", Pattern.CASE_INSENSITIVE);
  }

  /**
   * HTML.pm's {@code comment}: the comments HTML::Parser reports, each as written from {@code <!}
   * to {@code >}, after HTML.pm's changes to the text ({@code &nbsp;} to a space, {@code <x/>} to
   * {@code <x>}, curly double quotes to straight ones). A comment ends at the first {@code -->};
   * the content of {@code script} and {@code style} is not markup; {@code <!} followed by anything
   * but a letter, a {@code [} or a well-formed declaration is a bogus comment up to the next {@code
   * >} (an unterminated {@code <!--} too). Checked on the differential's 357 messages against
   * HTML::Parser's own lists.
   */
  static List<String> comments(String html) {
    String s = NBSP.matcher(html).replaceAll(" ");
    s = EMPTY_ELEMENT.matcher(s).replaceAll("<$1>");
    s = s.replace('\u201c', '"').replace('\u201d', '"');
    List<String> out = new ArrayList<>();
    // Each search below that fails once fails from every later position too: remembered, so a
    // text of many unterminated openings stays linear.
    boolean noCommentEnd = false;
    boolean noScriptEnd = false;
    boolean noStyleEnd = false;
    int i = 0;
    while ((i = s.indexOf('<', i)) >= 0) {
      if (s.startsWith("<!--", i) && !noCommentEnd) {
        int end = s.indexOf("-->", i + 4);
        if (end >= 0) {
          out.add(s.substring(i, end + 3));
          i = end + 3;
          continue;
        }
        noCommentEnd = true;
      }
      String raw = rawElement(s, i);
      if (raw != null && !(raw.equals("script") ? noScriptEnd : noStyleEnd)) {
        int open = s.indexOf('>', i);
        if (open >= 0) {
          Matcher close = (raw.equals("script") ? SCRIPT_END : STYLE_END).matcher(s);
          if (close.region(open + 1, s.length()).find()) {
            i = close.end();
            continue;
          }
        }
        if (raw.equals("script")) {
          noScriptEnd = true;
        } else {
          noStyleEnd = true;
        }
      }
      if (s.startsWith("<!", i) && i + 2 < s.length()) {
        char c = s.charAt(i + 2);
        if (c == '>') {
          out.add("<!>");
          i += 3;
          continue;
        }
        if (isAsciiLetter(c)) {
          Matcher decl = DECLARATION.matcher(s).region(i, (int) Math.min(s.length(), i + 65_536L));
          if (decl.lookingAt()) {
            i = decl.end();
            continue;
          }
        }
        int end = c == '[' ? -1 : s.indexOf('>', i + 3);
        if (end >= 0) {
          out.add(s.substring(i, end + 1));
          i = end + 1;
          continue;
        }
      }
      i++;
    }
    return out;
  }

  private static final Pattern NBSP = Pattern.compile("&nbsp;");
  private static final Pattern EMPTY_ELEMENT =
      Pattern.compile("<(\\w+)\\s*/>", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern SCRIPT_END =
      Pattern.compile("</script\\s*>", Pattern.CASE_INSENSITIVE);
  private static final Pattern STYLE_END =
      Pattern.compile("</style\\s*>", Pattern.CASE_INSENSITIVE);
  // A declaration HTML::Parser accepts: a name, then names, quoted strings and -- comments --.
  private static final Pattern DECLARATION =
      Pattern.compile(
          "<![a-zA-Z][-.\\w:]*(?:\\s+(?:[a-zA-Z_:][-.\\w:]*|\"[^\"]*\"|'[^']*'|--.*?--))*\\s*>",
          Pattern.DOTALL);

  /** "script" or "style" when a start tag of one begins at {@code i}, else null. */
  private static String rawElement(String s, int i) {
    for (String name : List.of("script", "style")) {
      int after = i + 1 + name.length();
      if (s.regionMatches(true, i + 1, name, 0, name.length())
          && (after >= s.length() || !isWordChar(s.charAt(after)))) {
        return name;
      }
    }
    return null;
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /** A test of HTML.pm's {@code length} of any HTML part. */
  private static NativeEvals.EvalTest anyLength(java.util.function.DoublePredicate test) {
    return msg -> {
      for (MimePart p : htmlParts(msg)) {
        if (test.test(length(p))) {
          return true;
        }
      }
      return false;
    };
  }

  /**
   * HTML.pm's {@code length}: the characters of the text given to the parser, which Node::decode
   * took CRLF line ends out of for a quoted-printable body, or a base64 text or message one.
   */
  static long length(MimePart p) {
    String text = p.text();
    boolean crlfToLf =
        switch (p.transferEncoding()) {
          case QUOTED_PRINTABLE -> true;
          case BASE64 -> TEXT_OR_MESSAGE.matcher(p.mediaType()).lookingAt();
          default -> false;
        };
    if (!crlfToLf) {
      return text.length();
    }
    long crlf = 0;
    for (int i = text.indexOf("\r\n"); i >= 0; i = text.indexOf("\r\n", i + 2)) {
      crlf++;
    }
    return text.length() - crlf;
  }

  private static void lengthOnly(String fn, String statistic) throws Unsupported {
    if (!statistic.equals("length")) {
      throw new Unsupported(
          fn + "('" + statistic + "') needs an HTML.pm statistic the HTML scanner does not keep");
    }
  }

  private static LongPredicate comparison(String expr) throws Unsupported {
    Matcher m = COMPARISON.matcher(expr);
    if (!EXPRESSION.matcher(expr).matches() || !m.matches()) {
      throw new Unsupported("HTMLEval expression not implemented: " + expr);
    }
    long n = Long.parseLong(m.group(2));
    return switch (m.group(1)) {
      case "==" -> v -> v == n;
      case "!=" -> v -> v != n;
      case "<=" -> v -> v <= n;
      case ">=" -> v -> v >= n;
      case "<" -> v -> v < n;
      default -> v -> v > n;
    };
  }

  private static void arity(String fn, List<String> args, int n) throws Unsupported {
    if (args.size() != n) {
      throw new Unsupported("eval:" + fn + " with " + args.size() + " arguments, expected " + n);
    }
  }

  private static double decimal(String s) throws Unsupported {
    try {
      return Double.parseDouble(s.strip().toLowerCase(Locale.ROOT));
    } catch (NumberFormatException e) {
      throw new Unsupported("not a number in eval arguments: " + s);
    }
  }
}
