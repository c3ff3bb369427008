package dev.mailfilter.mime;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Parses RFC 5322 section 3.4 address lists ({@code From}, {@code To}, {@code Cc}, ...) leniently.
 *
 * <p>Accepts the obsolete syntax of RFC 5322 section 4.4 (source routes {@code <@a,@b:x@y>}, CFWS
 * around dots and '@', empty list elements), nested comments, quoted local parts, groups, and the
 * shapes spam uses: a display name holding an unquoted '@' or ',' ({@code Doe, John <j@x>} keeps
 * "Doe, John" as one name, as every mail client shows it), a display name without angle brackets
 * before a bare address, encoded words inside quoted display names. Comments are not part of the
 * display name (RFC 5322 3.2.2: they carry no meaning), except that a mailbox without a display
 * name takes its comment as one ({@code jdoe@x (John Doe)}, the RFC 822 style). Malformed parts
 * yield a {@link DefectType#MALFORMED_ADDRESS} and a best-effort mailbox. One tokenizing pass plus
 * a parse that looks at each token a bounded number of times: linear time.
 */
public final class AddressParser {
  private static final byte ATOM = 0;
  private static final byte QUOTED = 1;
  private static final byte COMMENT = 2;
  private static final byte LITERAL = 3; // [domain literal]
  private static final byte LT = 4;
  private static final byte GT = 5;
  private static final byte AT = 6;
  private static final byte COMMA = 7;
  private static final byte SEMI = 8;
  private static final byte COLON = 9;

  private AddressParser() {}

  /**
   * Parses an unfolded address-list header value. Never throws on content; returns an empty list
   * for an empty value.
   */
  public static List<Address> parseList(CharSequence headerValue, Consumer<Defect> defects) {
    Objects.requireNonNull(headerValue, "headerValue");
    Objects.requireNonNull(defects, "defects");
    Parser p = new Parser(defects);
    p.tokenize(headerValue);
    return p.parse();
  }

  private static final class Parser {
    private final Consumer<Defect> defects;
    private byte[] type = new byte[16];
    private String[] text = new String[16];
    private boolean[] ws = new boolean[16]; // whitespace or a comment before the token
    private int n;
    private boolean malformedReported;
    private int noMergeUntil = -1;

    Parser(Consumer<Defect> defects) {
      this.defects = defects;
    }

    private void malformed(String detail) {
      if (!malformedReported) {
        malformedReported = true;
        defects.accept(Defect.of(DefectType.MALFORMED_ADDRESS, detail));
      }
    }

    private void add(byte t, String s, boolean white) {
      if (n == type.length) {
        type = java.util.Arrays.copyOf(type, n * 2);
        text = java.util.Arrays.copyOf(text, n * 2);
        ws = java.util.Arrays.copyOf(ws, n * 2);
      }
      type[n] = t;
      text[n] = s;
      ws[n] = white;
      n++;
    }

    void tokenize(CharSequence s) {
      int len = s.length();
      int i = 0;
      boolean white = false;
      StringBuilder b = new StringBuilder();
      while (i < len) {
        char c = s.charAt(i);
        switch (c) {
          case ' ', '\t', '\r', '\n' -> {
            white = true;
            i++;
            continue;
          }
          case '(' -> {
            b.setLength(0);
            int depth = 0;
            boolean closed = false;
            while (i < len) {
              char d = s.charAt(i++);
              if (d == '\\' && i < len) {
                b.append(s.charAt(i++));
                continue;
              }
              if (d == '(') {
                if (depth++ == 0) {
                  continue;
                }
              } else if (d == ')') {
                if (--depth == 0) {
                  closed = true;
                  break;
                }
              } else if (d == '\r' || d == '\n') {
                continue;
              }
              b.append(d);
            }
            if (!closed) {
              malformed("unterminated comment");
            }
            add(COMMENT, b.toString(), white);
            white = true; // a comment separates words like whitespace does
            continue;
          }
          case '"' -> {
            b.setLength(0);
            i++;
            boolean closed = false;
            while (i < len) {
              char d = s.charAt(i++);
              if (d == '"') {
                closed = true;
                break;
              }
              if (d == '\\' && i < len) {
                b.append(s.charAt(i++));
              } else if (d != '\r' && d != '\n') {
                b.append(d);
              }
            }
            if (!closed) {
              malformed("unterminated quoted string");
            }
            add(QUOTED, b.toString(), white);
          }
          case '[' -> {
            int start = i;
            i++;
            while (i < len && s.charAt(i) != ']') {
              i += s.charAt(i) == '\\' ? 2 : 1;
            }
            i = Math.min(len, i + 1);
            add(LITERAL, s.subSequence(start, i).toString(), white);
          }
          case '<' -> {
            add(LT, "<", white);
            i++;
          }
          case '>' -> {
            add(GT, ">", white);
            i++;
          }
          case '@' -> {
            add(AT, "@", white);
            i++;
          }
          case ',' -> {
            add(COMMA, ",", white);
            i++;
          }
          case ';' -> {
            add(SEMI, ";", white);
            i++;
          }
          case ':' -> {
            add(COLON, ":", white);
            i++;
          }
          default -> {
            int start = i;
            while (i < len && isAtomChar(s.charAt(i))) {
              i++;
            }
            if (i == start) {
              i++; // a stray ']' or control character: keep it as a word of its own
            }
            add(ATOM, s.subSequence(start, i).toString(), white);
          }
        }
        white = false;
      }
    }

    private static boolean isAtomChar(char c) {
      return c > ' ' && "()<>@,;:\"[]".indexOf(c) < 0 && c != 0x7F;
    }

    List<Address> parse() {
      List<Address> out = new ArrayList<>();
      int i = 0;
      while (i < n) {
        byte t = type[i];
        if (t == COMMA) {
          i++; // RFC 5322 4.4 obs-addr-list: empty elements are allowed
          continue;
        }
        if (t == SEMI || t == GT) {
          malformed("stray '" + text[i] + "'");
          i++;
          continue;
        }
        if (isGroupStart(i)) {
          i = parseGroup(i, out);
        } else {
          List<Mailbox> one = new ArrayList<>(1);
          i = parseMailbox(i, one, false);
          out.addAll(one);
        }
      }
      return out;
    }

    /** A ':' before any '<', '@', ',' or ';' starts a group. */
    private boolean isGroupStart(int i) {
      for (int j = i; j < n; j++) {
        switch (type[j]) {
          case COLON -> {
            return true;
          }
          case LT, AT, COMMA, SEMI -> {
            return false;
          }
          default -> {}
        }
      }
      return false;
    }

    private int parseGroup(int i, List<Address> out) {
      int colon = i;
      while (type[colon] != COLON) {
        colon++;
      }
      String name = phrase(i, colon);
      if (name.isEmpty()) {
        name = firstComment(i, colon);
      }
      List<Mailbox> members = new ArrayList<>();
      int j = colon + 1;
      boolean closed = false;
      while (j < n) {
        byte t = type[j];
        if (t == SEMI) {
          j++;
          closed = true;
          break;
        }
        if (t == COMMA || t == GT || t == COLON || t == COMMENT) {
          if (t == GT || t == COLON) {
            malformed("stray '" + text[j] + "' in group");
          }
          j++;
          continue;
        }
        j = parseMailbox(j, members, true);
      }
      if (!closed) {
        malformed("group '" + name + "' without closing ';'");
      }
      out.add(new Group(name, members));
      return j;
    }

    /** The end of the list element starting at i: the next ',' or ';' outside angle brackets. */
    private int segmentEnd(int i) {
      boolean angle = false;
      int j = i;
      for (; j < n; j++) {
        byte t = type[j];
        if (t == LT) {
          angle = true;
        } else if (t == GT) {
          angle = false;
        } else if (t == SEMI) {
          break;
        } else if (t == COMMA) {
          // Inside <...> a comma belongs to a source route only when an '@' follows it.
          if (!angle || j + 1 >= n || type[j + 1] != AT) {
            break;
          }
        }
      }
      return j;
    }

    private boolean contains(int from, int to, byte t) {
      for (int j = from; j < to; j++) {
        if (type[j] == t) {
          return true;
        }
      }
      return false;
    }

    /** Parses one mailbox starting at i into out; returns the index after it. */
    private int parseMailbox(int i, List<Mailbox> out, boolean inGroup) {
      int end = segmentEnd(i);
      if (i >= noMergeUntil && !contains(i, end, AT) && !contains(i, end, LT)) {
        // "Doe, John <j@x>": words without '@' before a comma belong to the next mailbox's name.
        int j = end;
        int merged = -1;
        while (j < n && type[j] == COMMA) {
          int e2 = segmentEnd(j + 1);
          if (contains(j + 1, e2, LT)) {
            merged = e2;
            break;
          }
          if (e2 == j + 1 || contains(j + 1, e2, AT)) {
            break;
          }
          j = e2;
        }
        if (merged >= 0) {
          end = merged;
        } else {
          noMergeUntil = j;
        }
      }
      int lt = -1;
      for (int j = i; j < end; j++) {
        if (type[j] == LT) {
          lt = j;
          break;
        }
      }
      if (lt >= 0) {
        angleMailbox(i, lt, end, out);
      } else {
        bareMailbox(i, end, out);
      }
      return end;
    }

    private void angleMailbox(int i, int lt, int end, List<Mailbox> out) {
      String display = phrase(i, lt);
      int gt = lt + 1;
      while (gt < end && type[gt] != GT) {
        gt++;
      }
      if (gt == end) {
        malformed("'<' without '>'");
      }
      int specStart = lt + 1;
      if (specStart < gt && type[specStart] == AT) {
        // RFC 5322 4.4 obs-route: "@a,@b:" before the address; routing is obsolete, drop it.
        int colon = specStart;
        while (colon < gt && type[colon] != COLON) {
          colon++;
        }
        if (colon < gt) {
          specStart = colon + 1;
        }
      }
      if (display.isEmpty()) {
        display = firstComment(specStart, end);
        if (display.isEmpty() && gt + 1 < end) {
          display = phrase(gt + 1, end); // "<a@b.com> Name": the name after the address
          if (!display.isEmpty()) {
            malformed("display name after the address");
          }
        }
      } else if (gt + 1 < end && phrase(gt + 1, end).length() > 0) {
        malformed("text after '>'");
      }
      if (specStart == gt) {
        if (display.isEmpty()) {
          malformed("empty address '<>'");
          return;
        }
        out.add(new Mailbox(display, "", ""));
        return;
      }
      Mailbox m = addrSpec(display, specStart, gt);
      if (m != null) {
        out.add(m);
      }
    }

    private void bareMailbox(int i, int end, List<Mailbox> out) {
      int at = -1;
      for (int j = end - 1; j >= i; j--) {
        if (type[j] == AT) {
          at = j;
          break;
        }
      }
      if (at < 0) {
        String local = plainWord(i, end);
        if (local != null && local.isEmpty()) {
          return; // only comments
        }
        malformed("address without '@'");
        if (local != null) {
          // One bare word ("undisclosed-recipients", "postmaster"): a local part without domain.
          out.add(new Mailbox(firstComment(i, end), local, ""));
        }
        return;
      }
      // Walk back from '@' over the local part: words joined without whitespace, or by dots
      // with obsolete whitespace around them (RFC 5322 4.4 obs-local-part).
      int localStart = at;
      while (localStart > i) {
        int k = localStart - 1;
        if (type[k] == COMMENT) {
          localStart = k;
          continue;
        }
        if (type[k] != ATOM && type[k] != QUOTED) {
          break;
        }
        if (localStart < at && !isDotJoined(k, localStart)) {
          break;
        }
        localStart = k;
      }
      while (localStart < at && type[localStart] == COMMENT) {
        localStart++;
      }
      String display = "";
      if (localStart > i) {
        display = phrase(i, localStart);
        if (!display.isEmpty()) {
          malformed("display name without angle brackets");
        }
      }
      if (display.isEmpty()) {
        display = firstComment(i, end);
      }
      if (localStart == at) {
        malformed("address without local part");
      }
      Mailbox m = addrSpec(display, localStart, end);
      if (m != null) {
        out.add(m);
      }
    }

    /** Whether token k and the next non-comment token after it join into one local part. */
    private boolean isDotJoined(int k, int next) {
      while (next < n && type[next] == COMMENT) {
        next++;
      }
      if (!ws[next]) {
        return true;
      }
      return text[k].endsWith(".") || text[next].startsWith(".");
    }

    /** The mailbox for an addr-spec in the range, or null when there is none to speak of. */
    private Mailbox addrSpec(String display, int from, int to) {
      int at = -1;
      for (int j = to - 1; j >= from; j--) {
        if (type[j] == AT) {
          at = j;
          break;
        }
      }
      if (at < 0) {
        malformed("address without '@'");
        String local = plainWord(from, to);
        return local == null ? null : new Mailbox(display, local, "");
      }
      String local = joined(from, at);
      String domain = joined(at + 1, to);
      if (domain.isEmpty()) {
        malformed("address without domain");
      }
      return new Mailbox(display, local, domain);
    }

    /**
     * The single word in the range (comments aside), or null when it holds more than one word or
     * anything but atoms and quoted strings: then it is no address at all.
     */
    private String plainWord(int from, int to) {
      StringBuilder b = new StringBuilder();
      boolean seen = false;
      for (int j = from; j < to; j++) {
        if (type[j] == COMMENT) {
          continue;
        }
        if (type[j] != ATOM || (seen && ws[j])) {
          return null;
        }
        seen = true;
        b.append(text[j]);
      }
      return b.toString();
    }

    /** Tokens joined without whitespace, comments dropped: a local part or a domain. */
    private String joined(int from, int to) {
      StringBuilder b = new StringBuilder();
      for (int j = from; j < to; j++) {
        if (type[j] != COMMENT) {
          b.append(text[j]);
        }
      }
      return b.toString();
    }

    /** A display name: words joined by single spaces, comments dropped, encoded words decoded. */
    private String phrase(int from, int to) {
      StringBuilder b = new StringBuilder();
      for (int j = from; j < to; j++) {
        if (type[j] == COMMENT) {
          continue;
        }
        if (ws[j] && b.length() > 0) {
          b.append(' ');
        }
        b.append(text[j]);
      }
      if (b.isEmpty()) {
        return "";
      }
      return EncodedWords.decode(b, defects);
    }

    private String firstComment(int from, int to) {
      for (int j = from; j < to; j++) {
        if (type[j] == COMMENT) {
          String c = EncodedWords.decode(text[j], defects).strip();
          if (!c.isEmpty()) {
            return c;
          }
        }
      }
      return "";
    }
  }
}
