package dev.mailfilter.mime;

import java.io.ByteArrayOutputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Parses the value of a {@code Content-Type} or {@code Content-Disposition} header (RFC 2045
 * section 5.1, RFC 2183): a lower-cased value such as {@code text/plain} or {@code attachment}
 * followed by {@code ;name=value} parameters.
 *
 * <p>Handles RFC 822 comments anywhere CFWS may appear, quoted strings with backslash escapes, RFC
 * 2231 continuations ({@code name*0}, {@code name*1*}) reassembled in numeric order with their
 * charset ({@code name*=utf-8''%E2%82%AC}), and RFC 2047 encoded words inside parameter values (RFC
 * 2047 section 5 forbids them there, but Outlook and others encode filenames that way). Garbage is
 * skipped with a defect; parsing never throws and is linear apart from sorting continuation
 * sections.
 */
final class MimeParameters {
  /** Continuation numbers beyond this are treated as garbage: no real header has that many. */
  private static final int MAX_SECTION = 9_999;

  private MimeParameters() {}

  /**
   * The parsed header value.
   *
   * @param value the lower-cased, trimmed value before the first ';' with comments and inner
   *     whitespace removed ({@code "text/plain"}); empty when missing
   * @param parameters lower-case names to decoded values, in the order the names first appeared
   */
  public record Parsed(String value, Map<String, String> parameters) {
    /** Copies {@code parameters}, keeping its iteration order. */
    public Parsed {
      Objects.requireNonNull(value, "value");
      parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
  }

  /**
   * Parses an unfolded {@code Content-Type} or {@code Content-Disposition} value. Reports {@link
   * DefectType#INVALID_CONTENT_TYPE} when the value is empty or holds characters other than RFC
   * 2045 token characters and one '/', and {@link DefectType#INVALID_PARAMETER} for parameter
   * garbage, duplicates and broken RFC 2231 sections.
   */
  public static Parsed parse(CharSequence headerValue, Consumer<Defect> defects) {
    Objects.requireNonNull(headerValue, "headerValue");
    Objects.requireNonNull(defects, "defects");
    return new Parser(headerValue, defects).parse();
  }

  /** RFC 2045 token characters: printable ASCII other than space and tspecials. */
  static boolean isTokenChar(char c) {
    return c > ' ' && c < 127 && "()<>@,;:\\\"/[]?=".indexOf(c) < 0;
  }

  /** One RFC 2231 section of a parameter value. */
  private record Section(String text, boolean encoded) {}

  /** The sections of one RFC 2231 parameter, numbered. */
  private static final class Extended {
    final TreeMap<Integer, Section> sections = new TreeMap<>();
  }

  private static final class Parser {
    private final CharSequence s;
    private final int n;
    private final Consumer<Defect> defects;
    private int pos;
    private final Map<String, Object> params = new LinkedHashMap<>(); // String or Extended
    private boolean garbageReported;

    Parser(CharSequence s, Consumer<Defect> defects) {
      this.s = s;
      this.n = s.length();
      this.defects = defects;
    }

    Parsed parse() {
      String value = parseValue();
      while (pos < n) {
        if (s.charAt(pos) == ';') {
          pos++;
        } else {
          // A parameter that starts without ';' ("access-type=x  server=y"): the previous value
          // stopped at whitespace before "name=". RFC 2045 requires the ';'; mailers forget it.
          missingSemicolon();
        }
        parseParameter();
      }
      Map<String, String> result = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : params.entrySet()) {
        if (e.getValue() instanceof String v) {
          result.put(e.getKey(), v);
        } else {
          result.put(e.getKey(), assemble(e.getKey(), (Extended) e.getValue()));
        }
      }
      return new Parsed(value, result);
    }

    private String parseValue() {
      StringBuilder v = new StringBuilder();
      boolean bad = false;
      while (pos < n) {
        char c = s.charAt(pos);
        if (c == ';') {
          break;
        } else if (c == '(') {
          skipComment();
        } else if (c == '"') {
          v.append(quotedString());
          bad = true;
        } else if (isWhite(c)) {
          pos++;
          if (v.length() > 0 && startsParameter(pos)) {
            break;
          }
        } else {
          if (!isTokenChar(c) && c != '/') {
            bad = true;
          }
          v.append(c);
          pos++;
        }
      }
      String value = v.toString().toLowerCase(Locale.ROOT);
      int slash = value.indexOf('/');
      boolean emptyHalf = slash == 0 || (slash > 0 && slash == value.length() - 1);
      if (value.isEmpty()
          || bad
          || emptyHalf
          || (slash >= 0 && value.indexOf('/', slash + 1) >= 0)) {
        defects.accept(
            Defect.of(
                DefectType.INVALID_CONTENT_TYPE, "malformed value '" + abbreviate(value) + "'"));
      }
      return value;
    }

    private void parseParameter() {
      skipCfws();
      if (pos >= n || s.charAt(pos) == ';') {
        return; // empty parameter, as in a trailing ';': harmless and common
      }
      int nameStart = pos;
      while (pos < n && (isTokenChar(s.charAt(pos)) || s.charAt(pos) >= 0x80)) {
        pos++; // 8-bit names are garbage by RFC 2045 but kept, as the value is (RFC 6532 mail)
      }
      String name = s.subSequence(nameStart, pos).toString().toLowerCase(Locale.ROOT);
      skipCfws();
      if (name.isEmpty() || pos >= n || s.charAt(pos) != '=') {
        garbage(
            "parameter without '=': '"
                + abbreviate(s.subSequence(nameStart, Math.min(n, pos + 1)).toString())
                + "'");
        skipToSemicolon();
        return;
      }
      pos++; // '='
      skipCfws();
      String value;
      boolean quoted = pos < n && s.charAt(pos) == '"';
      if (quoted) {
        value = quotedString();
        skipCfws();
        if (pos < n && s.charAt(pos) != ';' && !startsParameter(pos)) {
          garbage("text after quoted value of '" + name + "'");
          skipToSemicolon();
        }
      } else {
        value = unquotedValue();
        if (value.isEmpty()) {
          garbage("parameter '" + name + "' without a value");
          return;
        }
      }
      int star = name.indexOf('*');
      if (star < 0) {
        if (value.contains("=?")) {
          value = EncodedWords.decode(value, defects);
        }
        put(name, value);
        return;
      }
      addSection(name, star, value);
    }

    private void put(String name, String value) {
      if (params.containsKey(name)) {
        duplicate(name);
        return;
      }
      params.put(name, value);
    }

    private void addSection(String rawName, int star, String value) {
      String base = rawName.substring(0, star);
      if (base.isEmpty()) {
        garbage("RFC 2231 parameter without a name: '" + abbreviate(rawName) + "'");
        return;
      }
      String rest = rawName.substring(star + 1);
      boolean encoded = rest.endsWith("*") || rest.isEmpty();
      String digits = rest.isEmpty() ? "" : encoded ? rest.substring(0, rest.length() - 1) : rest;
      int number;
      if (digits.isEmpty()) {
        number = 0;
        encoded = true;
      } else {
        number = parseSectionNumber(digits);
        if (number < 0 || base.isEmpty()) {
          garbage("malformed RFC 2231 parameter name '" + abbreviate(rawName) + "'");
          return;
        }
      }
      Object existing = params.get(base);
      Extended ext;
      if (existing instanceof Extended e) {
        ext = e;
      } else {
        // New, or a plain "name" seen first: the RFC 2231 form carries the exact value and wins.
        ext = new Extended();
        params.put(base, ext);
      }
      if (ext.sections.putIfAbsent(number, new Section(value, encoded)) != null) {
        duplicate(rawName);
      }
    }

    private int parseSectionNumber(String digits) {
      if (digits.length() > 4 || (digits.length() > 1 && digits.charAt(0) == '0')) {
        return -1;
      }
      int v = 0;
      for (int i = 0; i < digits.length(); i++) {
        char c = digits.charAt(i);
        if (c < '0' || c > '9') {
          return -1;
        }
        v = v * 10 + (c - '0');
      }
      return v <= MAX_SECTION ? v : -1;
    }

    private String assemble(String name, Extended ext) {
      String charset = null;
      StringBuilder out = new StringBuilder();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      int expected = 0;
      boolean first = true;
      boolean bad = false;
      for (Map.Entry<Integer, Section> e : ext.sections.entrySet()) {
        if (e.getKey() != expected) {
          bad = true; // a gap in the numbering: keep what there is
        }
        expected = e.getKey() + 1;
        Section sec = e.getValue();
        String text = sec.text();
        if (sec.encoded()) {
          if (first && e.getKey() == 0) {
            // RFC 2231 section 4: charset'language'percent-encoded, in the first section only.
            int q1 = text.indexOf('\'');
            int q2 = q1 < 0 ? -1 : text.indexOf('\'', q1 + 1);
            if (q2 >= 0) {
              charset = text.substring(0, q1);
              text = text.substring(q2 + 1);
            } else {
              bad = true;
            }
          }
          if (percentDecode(text, bytes, charset, out)) {
            bad = true;
          }
        } else {
          flushBytes(bytes, charset, out);
          out.append(text);
        }
        first = false;
      }
      flushBytes(bytes, charset, out);
      if (bad) {
        garbage("malformed RFC 2231 value for '" + name + "'");
      }
      return out.toString();
    }

    private void flushBytes(ByteArrayOutputStream bytes, String charset, StringBuilder out) {
      if (bytes.size() > 0) {
        byte[] b = bytes.toByteArray();
        out.append(
            Charsets.decode(
                b, 0, b.length, charset == null || charset.isEmpty() ? null : charset, defects));
        bytes.reset();
      }
    }

    /**
     * Appends the bytes of a %XX-encoded string; returns true when a '%' was malformed. Raw
     * non-ASCII characters (8-bit headers read as text) are not bytes of the declared charset: they
     * go to the output as they are, after the bytes before them.
     */
    private boolean percentDecode(
        String text, ByteArrayOutputStream bytes, String charset, StringBuilder out) {
      boolean bad = false;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '%'
            && i + 2 < text.length()
            && hex(text.charAt(i + 1)) >= 0
            && hex(text.charAt(i + 2)) >= 0) {
          bytes.write(hex(text.charAt(i + 1)) << 4 | hex(text.charAt(i + 2)));
          i += 2;
        } else {
          if (c == '%') {
            bad = true;
          }
          if (c < 0x80) {
            bytes.write(c);
          } else {
            bad = true;
            flushBytes(bytes, charset, out);
            out.append(c);
          }
        }
      }
      return bad;
    }

    private static int hex(char c) {
      if (c >= '0' && c <= '9') {
        return c - '0';
      }
      if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
      }
      if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
      }
      return -1;
    }

    /**
     * An unquoted value up to the next ';'. Strictly a token, but real mail has spaces and
     * tspecials in unquoted filenames, so everything up to ';' is kept except comments that start
     * after whitespace ("us-ascii (Plain text)"); inner whitespace runs become one space.
     */
    private String unquotedValue() {
      StringBuilder v = new StringBuilder();
      boolean space = false;
      boolean afterWhite = true;
      boolean commentsAllowed = true;
      while (pos < n) {
        char c = s.charAt(pos);
        if (c == ';') {
          break;
        }
        if (isWhite(c)) {
          space = true;
          afterWhite = true;
          pos++;
          if (startsParameter(pos)) {
            break;
          }
          continue;
        }
        if (c == '(' && afterWhite && commentsAllowed) {
          // A comment only when nothing but CFWS follows it up to ';': "us-ascii (Plain text)"
          // but not "my file (1).pdf". One failed look-ahead per value keeps this linear.
          int save = pos;
          boolean saveReported = garbageReported;
          skipComment();
          skipCfws();
          if (pos >= n || s.charAt(pos) == ';') {
            break;
          }
          pos = save;
          garbageReported = saveReported;
          commentsAllowed = false;
        }
        if (space && v.length() > 0) {
          v.append(' ');
        }
        space = false;
        afterWhite = false;
        v.append(c);
        pos++;
      }
      return v.toString();
    }

    /** At '"': the unescaped content; an unterminated string runs to the end with a defect. */
    private String quotedString() {
      pos++;
      StringBuilder v = new StringBuilder();
      while (pos < n) {
        char c = s.charAt(pos++);
        if (c == '"') {
          return v.toString();
        }
        if (c == '\\' && pos < n) {
          v.append(s.charAt(pos++));
        } else if (c == '\r' || c == '\n') {
          // Left over from a fold the caller did not unfold: not part of the value.
        } else {
          v.append(c);
        }
      }
      garbage("unterminated quoted string");
      return v.toString();
    }

    private void skipCfws() {
      while (pos < n) {
        char c = s.charAt(pos);
        if (isWhite(c)) {
          pos++;
        } else if (c == '(') {
          skipComment();
        } else {
          return;
        }
      }
    }

    /** At '(': skips a comment, nested comments and quoted pairs included (RFC 5322 3.2.2). */
    private void skipComment() {
      int depth = 0;
      while (pos < n) {
        char c = s.charAt(pos++);
        if (c == '\\') {
          pos++;
        } else if (c == '(') {
          depth++;
        } else if (c == ')') {
          if (--depth == 0) {
            return;
          }
        }
      }
      pos = n;
      garbage("unterminated comment");
    }

    private void skipToSemicolon() {
      while (pos < n && s.charAt(pos) != ';') {
        char c = s.charAt(pos);
        if (c == '"') {
          quotedString();
        } else {
          pos++;
        }
      }
    }

    /**
     * Whether a parameter ("name=" or "name*0*=", CFWS allowed before '=') starts at {@code p}.
     * Looks at one word only, so calling it once per whitespace run keeps parsing linear.
     */
    private boolean startsParameter(int p) {
      int i = p;
      while (i < n && isWhite(s.charAt(i))) {
        i++;
      }
      int start = i;
      while (i < n && isTokenChar(s.charAt(i))) {
        i++;
      }
      if (i == start) {
        return false;
      }
      while (i < n && isWhite(s.charAt(i))) {
        i++;
      }
      return i < n && s.charAt(i) == '=';
    }

    private void missingSemicolon() {
      garbage("parameters not separated by ';'");
    }

    private void duplicate(String name) {
      defects.accept(
          Defect.of(
              DefectType.INVALID_PARAMETER,
              "duplicate parameter '" + abbreviate(name) + "': first kept"));
    }

    private void garbage(String detail) {
      if (!garbageReported) {
        garbageReported = true;
        defects.accept(Defect.of(DefectType.INVALID_PARAMETER, detail));
      }
    }

    private static boolean isWhite(char c) {
      return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
