package dev.mailfilter.auth;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An {@code Authentication-Results} field body (RFC 8601): the authserv-id of the host that
 * verified, and its method results ({@code none} when there are none).
 *
 * <p>{@link #parse} reads a received field: comments and folding anywhere CFWS is allowed, the
 * optional version, {@code none}, method versions ({@code dkim/1}, read and dropped), and {@code
 * reason} and property values quoted or not. Property values are read leniently, as real fields
 * write them: a DKIM {@code header.b=a+b/c=} is one value although {@code /} and {@code =} are not
 * token characters. {@link #authservId} reads the authserv-id alone, for a field whose results are
 * broken but whose claim still counts (RFC 8601 section 5).
 *
 * <p>{@link #format} writes the field body: one method result after another, each after a {@code ;}
 * on a line of its own, the reason always quoted, values quoted only where the grammar needs it,
 * folded (inside quoted strings and comments too) so that lines stay within 78 columns.
 *
 * @param authservId the verifying host's id, usually its host name
 * @param version the field's version, 1 unless the field says otherwise
 * @param results the method results, empty for {@code none}
 */
public record AuthResults(String authservId, int version, List<MethodResult> results) {
  /** The field's name. */
  public static final String FIELD = "Authentication-Results";

  private static final int LINE = 78;
  // A nesting depth no real comment reaches; deeper is refused rather than counted forever.
  private static final int MAX_COMMENT_DEPTH = 64;

  /** Validates. */
  public AuthResults {
    requireNonNull(authservId, "authservId");
    checkArgument(
        !authservId.isEmpty() && MethodResult.isText(authservId),
        "invalid authserv-id: %s",
        authservId);
    checkArgument(version >= 1, "version must be at least 1: %s", version);
    results = List.copyOf(results);
  }

  /** Version 1 results of {@code authservId}. */
  public static AuthResults of(String authservId, List<MethodResult> results) {
    return new AuthResults(authservId, 1, results);
  }

  /**
   * Whether {@code id} is this field's authserv-id. RFC 8601 section 2.5 makes the comparison of
   * authserv-ids (host names in practice) case-insensitive.
   */
  public boolean claims(String id) {
    return sameId(authservId, id);
  }

  /** Whether two authserv-ids are the same, compared without case (ASCII). */
  public static boolean sameId(String a, String b) {
    return a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT));
  }

  /**
   * Parses a field body (after the colon, folds included).
   *
   * @throws IllegalArgumentException naming the offset and what was expected, for a body that does
   *     not follow RFC 8601's grammar
   */
  public static AuthResults parse(String value) {
    requireNonNull(value, "value");
    return new Parser(value).field();
  }

  /**
   * The authserv-id a field body claims, read up to the first token or quoted string after leading
   * comments; empty when there is none (an empty or garbled start). The rest of the field need not
   * be valid.
   */
  public static Optional<String> authservId(String value) {
    requireNonNull(value, "value");
    Parser p = new Parser(value);
    try {
      p.cfws();
      String id = p.value();
      return id.isEmpty() ? Optional.empty() : Optional.of(id);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The field body, folded for a field named {@link #FIELD}. */
  public String format() {
    StringBuilder first = new StringBuilder(quoteValue(authservId));
    if (version != 1) {
      first.append(' ').append(version);
    }
    first.append(';');
    if (results.isEmpty()) {
      return fold(first.append(" none").toString(), FIELD.length() + 2);
    }
    StringBuilder out = new StringBuilder(fold(first.toString(), FIELD.length() + 2));
    for (int i = 0; i < results.size(); i++) {
      MethodResult r = results.get(i);
      StringBuilder line = new StringBuilder();
      line.append(r.method()).append('=').append(r.result());
      r.comment().ifPresent(c -> line.append(' ').append(comment(c)));
      r.reason().ifPresent(reason -> line.append(" reason=").append(quote(reason)));
      for (MethodResult.Property p : r.properties()) {
        line.append(' ').append(p.type()).append('.').append(p.name()).append('=');
        line.append(quotePropertyValue(p.value()));
      }
      if (i < results.size() - 1) {
        line.append(';');
      }
      // Each method result starts a line of its own, as most verifiers write them.
      out.append("\r\n\t").append(fold(line.toString(), 8));
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return format();
  }

  // ---- formatting ----

  /**
   * Folds one logical line (RFC 5322 section 2.2.3): a CRLF goes before a space or tab that some
   * other character follows, the latest one that keeps the line within 78 columns. Unfolding
   * removes the CRLF alone, so a fold inside a quoted string or comment changes nothing; a line
   * with no such place stays longer.
   */
  static String fold(String text, int startColumn) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    int lineStart = 0;
    int col = startColumn;
    int candidate = -1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean wsp = c == ' ' || c == '\t';
      if (wsp
          && i > lineStart
          && i + 1 < text.length()
          && text.charAt(i + 1) != ' '
          && text.charAt(i + 1) != '\t') {
        candidate = i;
      }
      col = c == '\t' ? (col / 8 + 1) * 8 : col + 1;
      if (col > LINE && candidate > lineStart) {
        out.append(text, lineStart, candidate).append("\r\n");
        lineStart = candidate;
        // The characters since the candidate move to the new line, which starts with it.
        int moved = 0;
        for (int k = candidate; k <= i; k++) {
          moved = text.charAt(k) == '\t' ? (moved / 8 + 1) * 8 : moved + 1;
        }
        col = moved;
        candidate = -1;
      }
    }
    return out.append(text, lineStart, text.length()).toString();
  }

  /** A {@code value}: a token as it is, anything else a quoted string. */
  static String quoteValue(String s) {
    return isToken(s) ? s : quote(s);
  }

  /** A property value: a token, or {@code [local-part]@domain} as it is; else quoted. */
  static String quotePropertyValue(String s) {
    if (isToken(s)) {
      return s;
    }
    int at = s.lastIndexOf('@');
    if (at >= 0 && (at == 0 || isDotAtom(s.substring(0, at))) && isDomain(s.substring(at + 1))) {
      return s;
    }
    return quote(s);
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('"').toString();
  }

  private static String comment(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('(');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(' || c == ')' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append(')').toString();
  }

  /** RFC 2045 token: one or more of US-ASCII printable but tspecials. */
  static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!tokenChar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean tokenChar(char c) {
    return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?=".indexOf(c) < 0;
  }

  private static boolean isDotAtom(String s) {
    if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '.' && (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"[]".indexOf(c) >= 0)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isDomain(String s) {
    if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '.' && c != '-' && !Character.isLetterOrDigit(c)) {
        return false;
      }
    }
    return true;
  }

  // ---- parsing ----

  private static final class Parser {
    private final String s;
    private int i;
    // The first comment since the last reset: a method result's comment.
    private String lastComment;

    Parser(String s) {
      this.s = s;
    }

    AuthResults field() {
      cfws();
      String id = value();
      if (id.isEmpty()) {
        throw error("an authserv-id");
      }
      cfws();
      int version = 1;
      if (i < s.length() && isDigit(s.charAt(i))) {
        version = number();
        cfws();
      }
      List<MethodResult> results = new ArrayList<>();
      expect(';', "';' after the authserv-id");
      cfws();
      int save = i;
      String word = keyword();
      cfws();
      if (word.equalsIgnoreCase("none") && (i >= s.length())) {
        return new AuthResults(id, version, results);
      }
      i = save;
      while (true) {
        results.add(resinfo());
        cfws();
        if (i >= s.length()) {
          break;
        }
        expect(';', "';' or the end of the field");
      }
      return new AuthResults(id, version, results);
    }

    private MethodResult resinfo() {
      cfws();
      lastComment = null;
      String method = keyword();
      if (method.isEmpty()) {
        throw error("a method");
      }
      cfws();
      if (peek('/')) {
        i++;
        cfws();
        number();
        cfws();
      }
      expect('=', "'=' after method " + method);
      cfws();
      String result = keyword();
      if (result.isEmpty()) {
        throw error("a result for method " + method);
      }
      Optional<String> reason = Optional.empty();
      List<MethodResult.Property> props = new ArrayList<>();
      while (true) {
        cfws();
        if (i >= s.length() || peek(';')) {
          break;
        }
        String ptype = keyword();
        if (ptype.isEmpty()) {
          throw error("reason or a property of method " + method);
        }
        cfws();
        if (ptype.equalsIgnoreCase("reason") && peek('=') && reason.isEmpty() && props.isEmpty()) {
          i++;
          cfws();
          reason = Optional.of(value());
          continue;
        }
        expect('.', "'.' after property type " + ptype);
        cfws();
        String property = keyword();
        if (property.isEmpty()) {
          throw error("a property name after " + ptype + ".");
        }
        cfws();
        expect('=', "'=' after " + ptype + "." + property);
        cfws();
        props.add(new MethodResult.Property(ptype, property, propertyValue()));
      }
      return new MethodResult(method, result, reason, props, Optional.ofNullable(lastComment));
    }

    /** A token or a quoted string; empty when there is neither here. */
    String value() {
      if (peek('"')) {
        return quotedString();
      }
      int start = i;
      while (i < s.length() && tokenChar(s.charAt(i))) {
        i++;
      }
      return s.substring(start, i);
    }

    /** A quoted string, or any run up to CFWS or ';' (tokens, addresses, base64 values). */
    private String propertyValue() {
      if (peek('"')) {
        return quotedString();
      }
      int start = i;
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == ';' || c == '(' || c == '"' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
          break;
        }
        if (c < 0x20 || c == 0x7f) {
          throw error("a property value without control characters");
        }
        i++;
      }
      if (i == start) {
        throw error("a property value");
      }
      return s.substring(start, i);
    }

    private String quotedString() {
      int open = i;
      i++;
      StringBuilder sb = new StringBuilder();
      while (i < s.length()) {
        char c = s.charAt(i++);
        if (c == '"') {
          return sb.toString();
        }
        if (c == '\\' && i < s.length()) {
          c = s.charAt(i++);
        } else if (c == '\r' || c == '\n') {
          // A fold inside a quoted string is white space; the line break itself goes.
          continue;
        }
        if (c < 0x20 && c != '\t' || c == 0x7f) {
          throw error("a quoted string without control characters");
        }
        sb.append(c);
      }
      i = open;
      throw error("the end of the quoted string begun here");
    }

    private String keyword() {
      int start = i;
      while (i < s.length() && (letDig(s.charAt(i)) || s.charAt(i) == '-')) {
        i++;
      }
      // Keyword ends in a letter or digit: a trailing hyphen is not part of it.
      while (i > start && s.charAt(i - 1) == '-') {
        i--;
      }
      if (i > start && s.charAt(start) == '-') {
        i = start;
      }
      return s.substring(start, i);
    }

    private int number() {
      int start = i;
      while (i < s.length() && isDigit(s.charAt(i)) && i - start < 9) {
        i++;
      }
      if (i == start || (i < s.length() && isDigit(s.charAt(i)))) {
        throw error("a version number of at most 9 digits");
      }
      int n = Integer.parseInt(s.substring(start, i));
      if (n < 1) {
        throw error("a version of at least 1");
      }
      return n;
    }

    /** Folding white space and comments; remembers the first comment. */
    void cfws() {
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
          i++;
        } else if (c == '(') {
          String text = comment();
          if (lastComment == null) {
            lastComment = text;
          }
        } else {
          return;
        }
      }
    }

    private String comment() {
      int open = i;
      int depth = 0;
      StringBuilder sb = new StringBuilder();
      while (i < s.length()) {
        char c = s.charAt(i++);
        if (c == '(') {
          if (++depth > MAX_COMMENT_DEPTH) {
            i = open;
            throw error("comments nested at most " + MAX_COMMENT_DEPTH + " deep");
          }
          if (depth == 1) {
            continue;
          }
        } else if (c == ')') {
          if (--depth == 0) {
            return sb.toString();
          }
        } else if (c == '\\' && i < s.length()) {
          c = s.charAt(i++);
        } else if (c == '\r' || c == '\n') {
          continue;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          throw error("a comment without control characters");
        }
        sb.append(c);
      }
      i = open;
      throw error("the end of the comment begun here");
    }

    private boolean peek(char c) {
      return i < s.length() && s.charAt(i) == c;
    }

    private void expect(char c, String what) {
      if (!peek(c)) {
        throw error(what);
      }
      i++;
    }

    private IllegalArgumentException error(String expected) {
      String at = i >= s.length() ? "the end" : "'" + snippet() + "'";
      return new IllegalArgumentException(
          "Authentication-Results: expected " + expected + " at offset " + i + ", found " + at);
    }

    private String snippet() {
      String rest = s.substring(i, Math.min(s.length(), i + 20));
      StringBuilder sb = new StringBuilder();
      for (int k = 0; k < rest.length(); k++) {
        char c = rest.charAt(k);
        sb.append(c >= 0x20 && c < 0x7f ? c : '?');
      }
      return sb.toString();
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private static boolean letDig(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
  }
}
