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
      List.of("html_test", "html_range", "html_eval", "html_image_only", "html_tag_balance");

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
