package dev.mailfilter.engine;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Scores;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.config.HeaderSettings;
import dev.mailfilter.mime.ByteView;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds the verdict's header edits: first the fields checks added, then the engine's own result
 * headers in SpamAssassin's conventions.
 *
 * <p>Single-field removals checks asked for ({@link HeaderEdit.RemoveAt}) come first, so that their
 * indexes, which count the header as received, are applied before anything is added. Check-added
 * fields are {@link HeaderEdit.Prepend}s. Applied in list order, each goes on top, so they are
 * listed in reverse: the delivered header then shows them top-down by stage, check registration and
 * call order, where RFC 8601 wants a new {@code Authentication-Results} and RFC 8617 a new ARC set
 * (above the trace fields already there). The engine's {@code X-Spam-*} fields follow as removals
 * and additions at the end of the header.
 */
final class ResultHeaders {
  private static final int LINE = 78;

  private ResultHeaders() {}

  static List<HeaderEdit> edits(
      HeaderSettings h,
      Action action,
      double score,
      double required,
      List<Symbol> symbols,
      ByteView raw,
      List<Findings.AddedHeader> added,
      List<HeaderEdit.RemoveAt> removed) {
    List<HeaderEdit> edits = new ArrayList<>();
    if (action.refusesClient() || action == Action.DISCARD) {
      return edits;
    }
    // First, while the received header's indexes still hold (Findings.removals orders them).
    edits.addAll(removed);
    for (int i = added.size() - 1; i >= 0; i--) {
      Findings.AddedHeader a = added.get(i);
      edits.add(new HeaderEdit.Prepend(a.name(), a.value()));
    }
    if (h.removeExisting()) {
      for (Optional<String> name : List.of(h.flag(), h.score(), h.status(), h.symbols())) {
        name.ifPresent(n -> edits.add(new HeaderEdit.Remove(n)));
      }
    }
    boolean spam = action.isSpam();
    if (spam) {
      h.flag().ifPresent(n -> edits.add(new HeaderEdit.Add(n, "YES")));
    }
    if (spam || h.onHam()) {
      h.score().ifPresent(n -> edits.add(new HeaderEdit.Add(n, Scores.format(score))));
      h.status()
          .ifPresent(
              n -> edits.add(new HeaderEdit.Add(n, status(n, spam, score, required, symbols))));
      if (!symbols.isEmpty()) {
        h.symbols().ifPresent(n -> edits.add(new HeaderEdit.Add(n, symbolList(n, symbols))));
      }
    }
    if (action == Action.REWRITE_SUBJECT) {
      String subject = rawSubject(raw).orElse("");
      if (!subject.startsWith(h.subjectTag())) {
        edits.add(new HeaderEdit.Set("Subject", h.subjectTag() + subject));
      }
    }
    return edits;
  }

  /** {@code Yes, score=7.1 required=6.0 tests=A,B,C} folded after commas as SpamAssassin does. */
  static String status(
      String name, boolean spam, double score, double required, List<Symbol> symbols) {
    String req = Double.isInfinite(required) ? "none" : Scores.formatOne(required);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < symbols.size(); i++) {
      names.add(symbols.get(i).name() + (i < symbols.size() - 1 ? "," : ""));
    }
    if (names.isEmpty()) {
      names.add("none");
    }
    String head =
        (spam ? "Yes" : "No")
            + ", score="
            + Scores.formatOne(score)
            + " required="
            + req
            + " tests=";
    return fold(name.length() + 2, head, names, "");
  }

  /** {@code A(3.00)[opt], B(2.10)} folded after commas. */
  static String symbolList(String name, List<Symbol> symbols) {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < symbols.size(); i++) {
      items.add(sanitize(symbols.get(i).toString()) + (i < symbols.size() - 1 ? "," : ""));
    }
    return fold(name.length() + 2, "", items, " ");
  }

  private static String fold(int startColumn, String head, List<String> tokens, String joiner) {
    StringBuilder sb = new StringBuilder(head);
    int col = startColumn + head.length();
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (i > 0) {
        if (col + joiner.length() + t.length() > LINE) {
          sb.append("\r\n\t");
          col = 8;
        } else {
          sb.append(joiner);
          col += joiner.length();
        }
      }
      sb.append(t);
      col += t.length();
    }
    return sb.toString();
  }

  /** Options come from message content: keep headers to printable ASCII on one line. */
  private static String sanitize(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return sb.toString();
  }

  /**
   * The raw Subject value, unfolded but not decoded, so that encoded words survive the rewrite.
   * Reads only the header block.
   */
  static Optional<String> rawSubject(ByteView raw) {
    int i = 0;
    int n = raw.size();
    while (i < n) {
      int eol = i;
      while (eol < n && raw.byteAt(eol) != '\n') {
        eol++;
      }
      int end = eol > i && raw.byteAt(eol - 1) == '\r' ? eol - 1 : eol;
      if (end == i) {
        return Optional.empty(); // blank line: end of header
      }
      if (end - i >= 8 && raw.slice(i, i + 8).latin1().equalsIgnoreCase("subject:")) {
        StringBuilder value = new StringBuilder(raw.slice(i + 8, end).utf8());
        int j = eol + 1;
        while (j < n && (raw.byteAt(j) == ' ' || raw.byteAt(j) == '\t')) {
          int e2 = j;
          while (e2 < n && raw.byteAt(e2) != '\n') {
            e2++;
          }
          int end2 = e2 > j && raw.byteAt(e2 - 1) == '\r' ? e2 - 1 : e2;
          value.append(' ').append(raw.slice(j, end2).utf8().strip());
          j = e2 + 1;
        }
        return Optional.of(value.toString().strip());
      }
      i = eol + 1;
    }
    return Optional.empty();
  }
}
