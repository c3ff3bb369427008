package dev.mailfilter.engine;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Symbols, demanded actions and failures gathered during one stage or transaction. Written
 * concurrently by the checks of a stage, hence synchronized; small, so contention is nil.
 */
final class Findings {
  /** An action a check demanded, with its reason and, when the check brought one, its own reply. */
  record Forced(Action action, String reason, Stage stage, String check, Optional<Reply> reply) {
    /** Which of several demands of the same action answers the client (see CheckContext). */
    static final Comparator<Forced> PRECEDENCE =
        Comparator.comparing((Forced f) -> f.reply().isEmpty())
            .thenComparing(Forced::stage)
            .thenComparing(Forced::check);
  }

  /**
   * A header field a check added: {@code stage} and {@code check} (the check's index among the
   * stage's checks, in registration order) order it in the verdict.
   */
  record AddedHeader(Stage stage, int check, String name, String value) {}

  private final Map<String, Acc> symbols = new LinkedHashMap<>();
  private final List<AddedHeader> headers = new ArrayList<>(0);
  private final List<HeaderEdit.RemoveAt> removals = new ArrayList<>(0);
  private final List<Forced> forced = new ArrayList<>();
  private boolean tempfailFailure;

  private static final class Acc {
    double score;
    final Set<String> options = new LinkedHashSet<>();

    Acc(double score) {
      this.score = score;
    }
  }

  synchronized void add(String name, double score, List<String> options) {
    Acc acc = symbols.get(name);
    if (acc == null) {
      acc = new Acc(score);
      symbols.put(name, acc);
    } else if (Math.abs(score) > Math.abs(acc.score)) {
      // The same symbol twice counts once, with the stronger weight (Rspamd merges likewise).
      acc.score = score;
    }
    for (String o : options) {
      if (acc.options.size() < 10) {
        acc.options.add(o);
      }
    }
  }

  synchronized void force(Forced demand) {
    forced.add(demand);
  }

  synchronized void addHeader(AddedHeader header) {
    headers.add(header);
  }

  synchronized void removeHeader(HeaderEdit.RemoveAt removal) {
    removals.add(removal);
  }

  synchronized void markTempfail() {
    tempfailFailure = true;
  }

  synchronized void addAll(Findings other) {
    List<Symbol> theirs = other.symbols();
    for (Symbol s : theirs) {
      add(s.name(), s.score(), s.options());
    }
    synchronized (other) {
      headers.addAll(other.headers);
      removals.addAll(other.removals);
      forced.addAll(other.forced);
      tempfailFailure |= other.tempfailFailure;
    }
  }

  synchronized List<Symbol> symbols() {
    List<Symbol> out = new ArrayList<>(symbols.size());
    for (Map.Entry<String, Acc> e : symbols.entrySet()) {
      out.add(new Symbol(e.getKey(), e.getValue().score, List.copyOf(e.getValue().options)));
    }
    return out;
  }

  synchronized double score() {
    double sum = 0;
    for (Acc a : symbols.values()) {
      sum += a.score;
    }
    return sum;
  }

  synchronized List<Forced> forced() {
    return List.copyOf(forced);
  }

  synchronized boolean tempfailFailure() {
    return tempfailFailure;
  }

  /**
   * The winning demand of several findings: the most severe action among those {@code eligible},
   * then {@link Forced#PRECEDENCE}. Empty when no check demanded an eligible action.
   */
  static Optional<Forced> winningDemand(
      java.util.function.Predicate<Forced> eligible, Findings... all) {
    Forced best = null;
    for (Findings f : all) {
      for (Forced x : f.forced()) {
        if (!eligible.test(x)) {
          continue;
        }
        if (best == null) {
          best = x;
        } else {
          int bySeverity = x.action().compareTo(best.action());
          if (bySeverity > 0 || (bySeverity == 0 && Forced.PRECEDENCE.compare(x, best) < 0)) {
            best = x;
          }
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The headers checks added in several findings, by stage, then check registration, then the order
   * each check added them (the sort is stable and one check's calls are sequential).
   */
  static List<AddedHeader> headers(Findings... all) {
    List<AddedHeader> out = new ArrayList<>();
    for (Findings f : all) {
      synchronized (f) {
        out.addAll(f.headers);
      }
    }
    out.sort(HEADER_ORDER);
    return out;
  }

  /**
   * The single-field removals checks asked for in several findings, each field once, in the order
   * that keeps the received header's indexes valid when applied one by one: by name (without case),
   * then from the highest index down.
   */
  static List<HeaderEdit.RemoveAt> removals(Findings... all) {
    java.util.TreeSet<HeaderEdit.RemoveAt> unique = new java.util.TreeSet<>(REMOVAL_ORDER);
    for (Findings f : all) {
      synchronized (f) {
        unique.addAll(f.removals);
      }
    }
    return List.copyOf(unique);
  }

  private static final Comparator<HeaderEdit.RemoveAt> REMOVAL_ORDER =
      Comparator.comparing((HeaderEdit.RemoveAt r) -> r.name(), String.CASE_INSENSITIVE_ORDER)
          .thenComparing(Comparator.comparingInt(HeaderEdit.RemoveAt::index).reversed());

  private static final Comparator<AddedHeader> HEADER_ORDER =
      (a, b) -> {
        int c = a.stage().compareTo(b.stage());
        return c != 0 ? c : Integer.compare(a.check(), b.check());
      };

  /** The symbols of several findings merged, highest score first, then by name. */
  static List<Symbol> merged(Findings... all) {
    Findings m = new Findings();
    for (Findings f : all) {
      m.addAll(f);
    }
    List<Symbol> out = m.symbols();
    out.sort(RANKED);
    return out;
  }

  /** Highest score first, then by name; built once, not per verdict. */
  private static final Comparator<Symbol> RANKED =
      Comparator.comparingDouble(Symbol::score).reversed().thenComparing(Symbol::name);
}
