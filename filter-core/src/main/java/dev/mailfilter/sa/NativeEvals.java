package dev.mailfilter.sa;

import dev.mailfilter.mime.DefectType;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.mime.MimePart;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code eval:} tests implemented natively: the local tests the Debian rule set (4.0.1) uses
 * most, by the number of rules naming them. Each follows the Perl function of the same name in the
 * plugin named in its comment. Any other {@code eval:} makes its rule unsupported, with the reason.
 */
final class NativeEvals {
  /** One native test. */
  @FunctionalInterface
  interface EvalTest {
    boolean test(SaMessage m);
  }

  /**
   * The functions implemented here, for documentation; HTMLEval's are {@link HtmlEvals#FUNCTIONS},
   * RelayEval's {@link RelayEvals#IMPLEMENTED}.
   */
  static final Set<String> IMPLEMENTED =
      Set.of(
          "check_for_shifted_date",
          "html_tag_exists",
          "check_msg_parse_flags",
          "check_body_length",
          "check_for_uppercase",
          "check_illegal_chars",
          "check_header_count_range",
          "subject_is_all_caps",
          "check_for_missing_to_header",
          "check_for_mime",
          "check_for_mime_html",
          "check_for_mime_html_only");

  private static final Pattern CALL = Pattern.compile("eval:\\s*(\\w+)\\s*\\((.*)\\)\\s*");
  private static final Pattern REPLY_PREFIX =
      Pattern.compile(
          "^(?:(?:Re|Fwd|Fw|Aw|Antwort|WG|SV|VB|VS|VL):\\s*)+", Pattern.CASE_INSENSITIVE);
  // Constants::CHARSETS_LIKELY_TO_FP_AS_CAPS
  private static final Pattern CAPS_CHARSETS =
      Pattern.compile(
          "=\\?[-_a-z0-9]*(?:koi|jp|jis|euc|gb|big5|isoir|cp1251|windows-1251|georgianps|pt154|tis)"
              + "[-_a-z0-9]*\\?",
          Pattern.CASE_INSENSITIVE);

  private static final HeaderSpec SUBJECT =
      new HeaderSpec(List.of("Subject"), false, false, false, false, false);
  private static final HeaderSpec SUBJECT_RAW =
      new HeaderSpec(List.of("Subject"), true, false, false, false, false);

  private NativeEvals() {}

  /**
   * The native test for an {@code eval:function(args)} of a rule.
   *
   * @throws Unsupported for a function not implemented here or arguments it does not take
   */
  static EvalTest resolve(String written) throws Unsupported {
    Matcher m = CALL.matcher(written);
    if (!m.matches()) {
      throw new Unsupported("malformed eval: " + written);
    }
    String fn = m.group(1);
    List<String> args = arguments(m.group(2));
    return switch (fn) {
      case "check_for_shifted_date" -> {
        arity(fn, args, 2);
        OptionalLong min = bound(args.get(0));
        OptionalLong max = bound(args.get(1));
        yield msg -> shiftedDate(msg, min, max);
      }
      case "html_tag_exists" -> {
        arity(fn, args, 1);
        Pattern tag =
            Pattern.compile(
                // HTML.pm counts end tags too: a stray </body> makes {inside}{body} exist.
                "</?" + Pattern.quote(args.getFirst()) + "[\\s>/]", Pattern.CASE_INSENSITIVE);
        yield msg -> htmlTagExists(msg, tag);
      }
      case "check_msg_parse_flags" -> {
        arity(fn, args, 1);
        yield parseFlag(args.getFirst());
      }
      case "check_body_length" -> {
        arity(fn, args, 1);
        long min = number(args.getFirst());
        // pristine_body_length: the bytes after the header block.
        yield msg -> msg.parsed().size() - msg.parsed().root().bodyStart() <= min;
      }
      case "check_for_uppercase" -> {
        arity(fn, args, 2);
        double min = decimal(args.get(0));
        double max = decimal(args.get(1));
        yield msg -> {
          double u = uppercasePercent(msg);
          return u > min && u <= max;
        };
      }
      case "check_illegal_chars" -> {
        arity(fn, args, 3);
        String header = args.get(0);
        double ratio = decimal(args.get(1));
        long count = number(args.get(2));
        HeaderSpec spec = HeaderSpec.parse(header.endsWith(":raw") ? header : header + ":raw");
        boolean subject = spec.names().getFirst().equalsIgnoreCase("subject");
        yield msg -> illegalChars(msg, spec, subject, ratio, count);
      }
      case "check_header_count_range" -> {
        arity(fn, args, 3);
        String header = args.get(0);
        long min = number(args.get(1));
        long max = number(args.get(2));
        yield msg -> {
          Set<String> unique = new HashSet<>();
          for (HeaderField f : msg.parsed().headers().all(header)) {
            unique.add(f.decodedValue());
          }
          return unique.size() >= min && unique.size() <= max;
        };
      }
      case "subject_is_all_caps" -> {
        arity(fn, args, 0);
        yield NativeEvals::subjectIsAllCaps;
      }
      case "check_for_missing_to_header" -> {
        arity(fn, args, 0);
        yield msg ->
            // get('To') of an empty field is "\n", not '': only an absent field is missing.
            msg.parsed().headers().all("To").isEmpty()
                && msg.parsed().headers().all("Apparently-To").isEmpty();
      }
      case "check_for_mime" -> {
        arity(fn, args, 1);
        yield mimeFlag(args.getFirst());
      }
      case "check_for_mime_html" -> {
        arity(fn, args, 0);
        yield msg -> topIsHtml(msg) || mimeCounts(msg)[0] > 0;
      }
      case "check_for_mime_html_only" -> {
        arity(fn, args, 0);
        yield msg -> {
          int[] c = mimeCounts(msg);
          return topIsHtml(msg) || (c[0] > 0 && c[1] == 0);
        };
      }
      case "html_test",
          "html_range",
          "html_eval",
          "html_image_only",
          "html_tag_balance",
          "html_text_match" ->
          HtmlEvals.resolve(fn, args);
      default -> {
        EvalTest relay = RelayEvals.resolve(fn);
        if (relay == null) {
          throw new Unsupported("eval:" + fn + " is not implemented");
        }
        arity(fn, args, 0);
        yield relay;
      }
    };
  }

  private static List<String> arguments(String text) throws Unsupported {
    List<String> out = new ArrayList<>();
    String s = text.strip();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == ' ' || c == ',') {
        i++;
      } else if (c == '\'' || c == '"') {
        int end = s.indexOf(c, i + 1);
        if (end < 0) {
          throw new Unsupported("unterminated string in eval arguments: " + text);
        }
        out.add(s.substring(i + 1, end));
        i = end + 1;
      } else {
        int end = s.indexOf(',', i);
        end = end < 0 ? s.length() : end;
        out.add(s.substring(i, end).strip());
        i = end;
      }
    }
    return out;
  }

  private static void arity(String fn, List<String> args, int n) throws Unsupported {
    if (args.size() != n) {
      throw new Unsupported("eval:" + fn + " with " + args.size() + " arguments, expected " + n);
    }
  }

  private static long number(String s) throws Unsupported {
    try {
      return Math.round(Double.parseDouble(s.strip()));
    } catch (NumberFormatException e) {
      throw new Unsupported("not a number in eval arguments: " + s);
    }
  }

  private static double decimal(String s) throws Unsupported {
    try {
      return Double.parseDouble(s.strip());
    } catch (NumberFormatException e) {
      throw new Unsupported("not a number in eval arguments: " + s);
    }
  }

  private static OptionalLong bound(String s) throws Unsupported {
    return s.equals("undef") ? OptionalLong.empty() : OptionalLong.of(number(s));
  }

  /**
   * HeaderEval's {@code _check_date_diff}: the Date (a Resent-Date first) against the nearest
   * Received time, leaving out a fetchmail hop at the top and the local hop (from localhost or
   * 127.0.0.1, a qmail invocation) just above it.
   */
  private static boolean shiftedDate(SaMessage msg, OptionalLong min, OptionalLong max) {
    long diff = dateDiff(msg); // 0 without a Date or a Received time, as date_diff starts
    return (min.isEmpty() || diff >= 3600 * min.getAsLong())
        && (max.isEmpty() || diff < 3600 * max.getAsLong());
  }

  private static final Pattern LOCAL_HOP =
      Pattern.compile("\\bfrom (?:localhost\\s|(?:\\S+ ){1,2}\\S*\\b127\\.0\\.0\\.1\\b)");
  private static final Pattern QMAIL_INVOKED = Pattern.compile("qmail \\d+ invoked by uid \\d+");
  private static final Pattern FETCHMAIL =
      Pattern.compile("\\bby localhost with \\w+ \\(fetchmail-[\\d.]+");
  private static final Pattern RECEIVED_DATE =
      Pattern.compile("(\\s.?\\d+ \\S\\S\\S \\d+ \\d+:\\d+:\\d+ \\S+)");
  private static final HeaderSpec RECEIVED =
      new HeaderSpec(List.of("Received"), false, false, false, false, false);

  private static long dateDiff(SaMessage msg) {
    OptionalLong date = OptionalLong.empty();
    dates:
    for (String name : List.of("Resent-Date", "Date")) {
      for (HeaderField f : msg.parsed().headers().all(name)) {
        String v = f.decodedValue();
        if (!v.isEmpty()) {
          date = SaDates.parse(v);
        }
        if (date.isPresent()) {
          break dates;
        }
      }
    }
    if (date.isEmpty()) {
      return 0;
    }
    List<String> received = new ArrayList<>();
    for (String line : msg.header(RECEIVED).orElse("").split("\n")) {
      if (!line.isBlank()) {
        received.add(line);
      }
    }
    String local = null;
    if (!received.isEmpty()
        && (LOCAL_HOP.matcher(received.getFirst()).find()
            || QMAIL_INVOKED.matcher(received.getFirst()).find())) {
      local = received.removeFirst();
    }
    if (!received.isEmpty() && FETCHMAIL.matcher(received.getFirst()).find()) {
      received.removeFirst();
    } else if (local != null) {
      received.addFirst(local);
    }
    List<Long> diffs = new ArrayList<>();
    for (String r : received) {
      Matcher m = RECEIVED_DATE.matcher(r);
      if (m.find()) {
        OptionalLong t = SaDates.parse(m.group(1));
        if (t.isPresent()) {
          diffs.add(date.getAsLong() - t.getAsLong());
        }
      }
    }
    if (diffs.size() > 1 && diffs.getLast() == 0) {
      diffs.removeLast();
    }
    // Perl's sort is stable: the first of equally near times wins.
    return diffs.stream().min((a, b) -> Long.compare(Math.abs(a), Math.abs(b))).orElse(0L);
  }

  /** HTMLEval: a tag in an HTML part, looked for in the markup as written. */
  private static boolean htmlTagExists(SaMessage msg, Pattern tag) {
    for (MimePart p : msg.parsed().textParts()) {
      if (p.mediaType().equals("text/html") && tag.matcher(p.text()).find()) {
        return true;
      }
    }
    return false;
  }

  private static final Pattern ASCII_CHARSET =
      Pattern.compile(
          "us-ascii|ansi_x3\\.4-1968|iso-ir-6|ansi_x3\\.4-1986|iso_646\\.irv:1991|ascii|iso646-us|us"
              + "|ibm367|cp367|csascii");
  // Printable ASCII that needed no encoding, as MIMEEval counts it (case-sensitive hex).
  private static final Pattern QP_NEEDLESS =
      Pattern.compile("=(?:09|3[0-9ABCEF]|[2456][0-9A-F]|7[0-9A-E])");
  private static final Pattern QP_TRAILING_SPACE = Pattern.compile("((?:=09|=20)+)\\s*$");
  private static final Pattern BAD_ISO =
      Pattern.compile("iso-\\S+-\\S+\\b", Pattern.CASE_INSENSITIVE);
  private static final Pattern GOOD_ISO =
      Pattern.compile("iso-(?:8859-\\d{1,2}|2022-(?:jp|kr))\\b", Pattern.CASE_INSENSITIVE);

  /**
   * MIMEEval's {@code _check_mime_header} flags over every entity: {@code mime_base64_count},
   * {@code mime_qp_count}, {@code mime_attachment}, {@code mime_base64_encoded_text}, {@code
   * mime_bad_iso_charset}.
   */
  private static EvalTest mimeFlag(String flag) throws Unsupported {
    return switch (flag) {
      case "mime_base64_count" ->
          msg -> msg.parsed().parts().stream().anyMatch(p -> cte(p).contains("base64"));
      // check_for_mime answers 0 or 1, whatever the count: metas such as __PDS_QP_64 read 1.
      case "mime_qp_count" -> msg -> mimeQpCount(msg) > 0;
      case "mime_attachment" ->
          msg ->
              msg.parsed().parts().stream()
                  .anyMatch(p -> p.disposition().orElse("").contains("attachment"));
      case "mime_base64_encoded_text" ->
          msg ->
              msg.parsed().parts().stream()
                  .anyMatch(
                      p -> {
                        String charset = p.charset().orElse("").toLowerCase(Locale.ROOT);
                        String cd = p.disposition().orElse("");
                        return p.mediaType().startsWith("text")
                            && cte(p).contains("base64")
                            && (charset.isEmpty() || ASCII_CHARSET.matcher(charset).find())
                            && !(cd.startsWith("attachment") || cd.startsWith("inline"));
                      });
      case "mime_bad_iso_charset" ->
          msg ->
              msg.parsed().parts().stream()
                  .anyMatch(
                      p -> {
                        String charset = p.charset().orElse("");
                        return BAD_ISO.matcher(charset).find() && !GOOD_ISO.matcher(charset).find();
                      });
      default -> throw new Unsupported("check_for_mime('" + flag + "') is not implemented");
    };
  }

  /**
   * MIMEEval's {@code mime_qp_count}: the number of quoted-printable entities, replaced, when a
   * leaf whose encoding is exactly {@code quoted-printable} has a body, by the number of escapes of
   * printable ASCII in such leaves, less the encoded spaces and tabs that end a line.
   */
  private static int mimeQpCount(SaMessage msg) {
    int entities = 0;
    int needless = 0;
    boolean qpBytes = false;
    for (MimePart p : msg.parsed().parts()) {
      String cte = cte(p);
      if (!cte.contains("base64") && cte.contains("quoted-printable")) {
        entities++;
      }
      if (p.isMultipart() || !cte.equals("quoted-printable")) {
        continue;
      }
      for (String line : p.rawBody().latin1().split("(?<=\n)")) {
        if (line.isEmpty() || line.startsWith("SPAM: ")) {
          continue;
        }
        qpBytes = true;
        if (line.indexOf('=') < 0) {
          continue;
        }
        Matcher m = QP_NEEDLESS.matcher(line);
        int n = 0;
        while (m.find()) {
          n++;
        }
        if (n > 0) {
          needless += n;
          Matcher t = QP_TRAILING_SPACE.matcher(line);
          if (t.find()) {
            needless -= t.group(1).length() / 3;
          }
        }
      }
    }
    return qpBytes ? needless : entities;
  }

  private static String cte(MimePart p) {
    return p.headers().firstValue("Content-Transfer-Encoding").orElse("").toLowerCase(Locale.ROOT);
  }

  /** The text/html and other text entities, as MIMEEval counts them. */
  private static int[] mimeCounts(SaMessage msg) {
    int[] c = new int[2];
    for (MimePart p : msg.parsed().parts()) {
      if (p.mediaType().equals("text/html")) {
        c[0]++;
      } else if (p.mediaType().startsWith("text")) {
        c[1]++;
      }
    }
    return c;
  }

  private static boolean topIsHtml(SaMessage msg) {
    return msg.parsed()
        .headers()
        .firstValue("Content-Type")
        .map(v -> v.toLowerCase(Locale.ROOT).startsWith("text/html"))
        .orElse(false);
  }

  /** The parser flags SpamAssassin sets that have a defect of ours to match. */
  private static EvalTest parseFlag(String flag) throws Unsupported {
    return switch (flag) {
      case "missing_head_body_separator" ->
          msg -> msg.parsed().hasDefect(DefectType.MISSING_HEADER_BODY_SEPARATOR);
      case "truncated_header" ->
          msg ->
              msg.parsed().hasDefect(DefectType.LIMIT_HEADER_COUNT)
                  || msg.parsed().hasDefect(DefectType.LIMIT_HEADER_SIZE);
      case "mime_epilogue_exists" ->
          msg -> {
            for (MimePart p : msg.parsed().parts()) {
              if (p.isMultipart() && !p.epilogue().latin1().isBlank()) {
                return true;
              }
            }
            return false;
          };
      default -> throw new Unsupported("check_msg_parse_flags('" + flag + "') is not implemented");
    };
  }

  /** MIMEEval: the percentage of capitals among letters and digits of the rendered body. */
  private static double uppercasePercent(SaMessage msg) {
    long len = 0;
    long lower = 0;
    long upper = 0;
    if (capsCharset(msg)) {
      return 0; // body_charset_is_likely_to_fp: these charsets' text reads as capitals
    }
    // Body evals get get_decoded_stripped_body_text_array: the Subject line first.
    for (String line : msg.body()) {
      if (!line.matches("(?s).*\\S\\s+\\S.*")
          || line.matches("(?s)^(?:[A-Za-z0-9+/=]{60,76} ){2}.*")) {
        continue;
      }
      len += line.length();
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
          lower++;
        } else if (c >= 'A' && c <= 'Z') {
          upper++;
        }
      }
    }
    if (len < 200 || upper + lower == 0) {
      return 0;
    }
    return upper * 100.0 / (upper + lower);
  }

  /**
   * MIMEEval's body_charset_is_likely_to_fp: the top Content-Type's charset or that of any entity
   * is one of CHARSETS_LIKELY_TO_FP_AS_CAPS (Japanese, Chinese, Cyrillic...).
   */
  private static boolean capsCharset(SaMessage msg) {
    List<String> charsets = new ArrayList<>();
    msg.parsed().headers().all("Content-Type").stream()
        .reduce((a, b) -> b)
        .flatMap(f -> CT_CHARSET.matcher(f.decodedValue()).results().findFirst())
        .ifPresent(r -> charsets.add(r.group(1)));
    for (MimePart p : msg.parsed().parts()) {
      p.charset().filter(c -> c.matches("(?s).*[a-zA-Z].*")).ifPresent(charsets::add);
    }
    for (String c : charsets) {
      if (FP_AS_CAPS.matcher(c).matches()) {
        return true;
      }
    }
    return false;
  }

  private static final Pattern CT_CHARSET =
      Pattern.compile("\\bcharset\\s*=\\s*[\"']?([^\"';\\s]+)", Pattern.CASE_INSENSITIVE);
  private static final Pattern FP_AS_CAPS =
      Pattern.compile(
          "[-_a-z0-9]*(?:koi|jp|jis|euc|gb|big5|isoir|cp1251|windows-1251|georgianps|pt154|tis)"
              + "[-_a-z0-9]*",
          Pattern.CASE_INSENSITIVE);

  /** HeaderEval: octets outside printable ASCII in a raw header. */
  private static boolean illegalChars(
      SaMessage msg, HeaderSpec spec, boolean subject, double ratio, long count) {
    Optional<String> v = msg.header(spec);
    if (v.isEmpty() || v.get().isBlank()) {
      return false;
    }
    String s = v.get();
    boolean nonAscii = false;
    boolean controls = false;
    int illegal = 0;
    int exempt = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      nonAscii |= c >= 0x80;
      boolean control = c <= 0x08 || c == 0x0b || c == 0x0c || (c >= 0x0e && c <= 0x1f);
      controls |= control;
      if (control || c >= 0x7f) {
        illegal++;
      }
      if (c == 0xa2 || c == 0xa3 || c == 0xae) {
        exempt++;
      }
    }
    if (nonAscii && !controls && validUtf8(s)) {
      return false;
    }
    if (illegal > 0 && subject && exempt == 1) {
      illegal--;
    }
    return (double) illegal / s.length() >= ratio && illegal >= count;
  }

  private static boolean validUtf8(String octets) {
    byte[] b = octets.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    try {
      java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  /** HeaderEval: a Subject of several words, written in capitals. */
  private static boolean subjectIsAllCaps(SaMessage msg) {
    // get('Subject'): every Subject field, decoded, each ending with a newline.
    String subject = msg.header(SUBJECT).orElse("").strip();
    subject = REPLY_PREFIX.matcher(subject).replaceFirst("");
    if (!subject.matches("(?s).*\\s.*") || subject.length() < 10) {
      return false;
    }
    String letters = subject.replaceAll("[^a-zA-Z]", "");
    if (CAPS_CHARSETS.matcher(msg.header(SUBJECT_RAW).orElse("")).find()) {
      return false;
    }
    return !letters.isEmpty() && letters.equals(letters.toUpperCase(Locale.ROOT));
  }
}
