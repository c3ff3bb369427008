package dev.mailfilter.sa;

import dev.mailfilter.spi.SymbolDef;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SpamAssassin rules loaded from {@code .cf} files, with what could not be loaded and why.
 * Immutable and thread-safe; {@link #load} reads the files.
 *
 * <p>Nothing unsupported is silently treated as not hitting: a rule that cannot be loaded (an
 * {@code eval:} not implemented, a Perl regular expression feature Java lacks) is listed in {@link
 * #unsupported()}, and so is every {@code meta} rule that reads one.
 */
public final class RuleSet {
  private final List<Rule> rules; // non-meta first, metas after the metas they read
  private final List<Problem> unsupported;
  private final List<Problem> skipped;
  private final Map<String, Integer> skippedCounts;
  private final List<Problem> errors;
  private final List<Path> files;
  private final Set<String> plugins;
  private final List<SymbolDef> symbols;
  private final int nonMeta;
  private final Prefilter prefilter;
  private final int[] order;
  private final TrustPath.Networks networks;

  RuleSet(
      List<Rule> rules,
      List<Problem> unsupported,
      List<Problem> skipped,
      Map<String, Integer> skippedCounts,
      List<Problem> errors,
      List<Path> files,
      Set<String> plugins,
      TrustPath.Networks networks) {
    this.networks = networks;
    List<Rule> ordered = new ArrayList<>();
    for (Rule r : rules) {
      if (!(r.test() instanceof Rule.Meta)) {
        ordered.add(r);
      }
    }
    // Cheap texts first: header and URL rules before the body and the full message.
    ordered.sort(Comparator.comparingInt(r -> r.kind().ordinal()));
    this.nonMeta = ordered.size();
    Map<String, Rule> metas = new LinkedHashMap<>();
    for (Rule r : rules) {
      if (r.test() instanceof Rule.Meta) {
        metas.put(r.name(), r);
      }
    }
    Map<String, Boolean> placed = new HashMap<>();
    for (Rule r : metas.values()) {
      placeMeta(r, metas, placed, ordered);
    }
    this.rules = List.copyOf(ordered);
    this.prefilter = new Prefilter(this.rules);
    int[] o = new int[nonMeta];
    int k = 0;
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i < nonMeta; i++) {
        if ((prefilter.requires(i) >= 0) == (pass == 1)) {
          o[k++] = i;
        }
      }
    }
    this.order = o;
    this.unsupported = List.copyOf(unsupported);
    this.skipped = List.copyOf(skipped);
    this.skippedCounts = Map.copyOf(skippedCounts);
    this.errors = List.copyOf(errors);
    this.files = List.copyOf(files);
    this.plugins = Set.copyOf(plugins);
    List<SymbolDef> defs = new ArrayList<>();
    for (Rule r : this.rules) {
      r.symbol()
          .ifPresent(
              s ->
                  defs.add(
                      SymbolDef.of(
                          s,
                          r.score(),
                          r.description().isEmpty()
                              ? "SpamAssassin rule " + r.name()
                              : r.description())));
    }
    this.symbols = List.copyOf(defs);
  }

  private static void placeMeta(
      Rule r, Map<String, Rule> metas, Map<String, Boolean> placed, List<Rule> out) {
    if (placed.putIfAbsent(r.name(), Boolean.TRUE) != null) {
      return; // placed, or being placed (the loader refused cycles)
    }
    for (String dep : ((Rule.Meta) r.test()).expression().names()) {
      Rule d = metas.get(dep);
      if (d != null) {
        placeMeta(d, metas, placed, out);
      }
    }
    out.add(r);
  }

  /**
   * Reads SpamAssassin configuration: directories (their {@code *.pre}, then their {@code *.cf}
   * files sorted by name) and files, in order. Missing or unreadable paths are reported in {@link
   * #errors()}; nothing in the files makes it throw.
   */
  public static RuleSet load(List<Path> paths) {
    return RuleLoader.load(paths);
  }

  /** An empty rule set. */
  public static RuleSet empty() {
    return RuleLoader.load(List.of());
  }

  /** The number of rules that run (scored rules and the rules their metas read). */
  public int loaded() {
    return rules.size();
  }

  /** Rules that cannot be loaded, each with where it is defined and why, in file order. */
  public List<Problem> unsupported() {
    return unsupported;
  }

  /** Directives skipped one by one, with their place and reason (malformed, wrong version). */
  public List<Problem> skipped() {
    return skipped;
  }

  /**
   * Every line not read as a rule, counted by reason: directives mailfilter does not use, lines in
   * blocks that are off, {@code lang} lines, rules scored 0 that nothing reads.
   */
  public Map<String, Integer> skippedCounts() {
    return skippedCounts;
  }

  /** Paths and included files that could not be read. */
  public List<Problem> errors() {
    return errors;
  }

  /** The files read, in order. */
  public List<Path> files() {
    return files;
  }

  /** The plugins loaded by {@code loadplugin} lines that count for {@code ifplugin}. */
  public Set<String> plugins() {
    return plugins;
  }

  /** The symbols the rules report, with their SpamAssassin scores (set 2). */
  public List<SymbolDef> symbols() {
    return symbols;
  }

  List<Rule> rules() {
    return rules;
  }

  /** The trust path's networks of these rule files. */
  TrustPath.Networks networks() {
    return networks;
  }

  /**
   * Runs every rule on a message: the rules over texts, then the metas over their hit counts.
   *
   * @return the hit count of every rule that hit, by name
   * @throws Guard.TimeUp when the guard's deadline passes
   */
  Map<String, Integer> run(SaMessage m, Guard guard) {
    return run(m, guard, prefilter(m));
  }

  /**
   * {@link #run(SaMessage, Guard)} with a scan of the prefilter, or with none ({@code null}: every
   * pattern runs with {@code find()} on every text, as the equivalence test compares).
   */
  Map<String, Integer> run(SaMessage m, Guard guard, Prefilter.Scan scan) {
    m.networks(networks);
    Map<String, Integer> hits = new HashMap<>();
    for (int i : order) {
      int n = hits(i, m, scan, guard);
      if (n > 0) {
        hits.put(rules.get(i).name(), n);
      }
    }
    for (int i = nonMeta; i < rules.size(); i++) {
      Rule r = rules.get(i);
      double v =
          ((Rule.Meta) r.test()).expression().evaluate(n -> hits.getOrDefault(n, 0).doubleValue());
      if (v != 0) {
        // got_hit records a meta's value (a sum, a count) for the metas that read it.
        hits.put(r.name(), (int) Math.max(1, Math.min(v, Integer.MAX_VALUE)));
      }
    }
    return hits;
  }

  /** Runs the literal prefilter over a message's texts. */
  Prefilter.Scan prefilter(SaMessage m) {
    return prefilter.scan(m);
  }

  Prefilter prefilter() {
    return prefilter;
  }

  /**
   * The hits of the rule of index {@code i} in {@link #rules()}, not a meta; with a {@code null}
   * scan, without the prefilter and {@link FirstChars}.
   */
  int hits(int i, SaMessage m, Prefilter.Scan scan, Guard guard) {
    Rule r = rules.get(i);
    if (scan == null) {
      return r.hits(m, guard, 0, null, false, null, 0);
    }
    int required = prefilter.requires(i);
    int from = 0;
    if (required >= 0) {
      // No text before the first the required rule hit can hold a match (Prefilter#requires).
      from = scan.hits()[required] == 0 ? -1 : scan.firstHit()[required];
    }
    BitSet only = null;
    if (from >= 0 && prefilter.filters(i)) {
      // Only the texts holding one of its literals can hold a match (Prefilter).
      only = scan.holding()[i];
      from = only == null ? -1 : from;
    }
    int n = from < 0 ? 0 : r.hits(m, guard, from, only, true, scan.firstHit(), i);
    scan.hits()[i] = n;
    return n;
  }

  /**
   * The indices of the rules that are not metas, in the order they run: a rule that {@link
   * Prefilter#requires} another runs after it.
   */
  int[] order() {
    return order.clone();
  }

  /** The rules that report symbols, by name. */
  Map<String, Rule> scored() {
    Map<String, Rule> out = new HashMap<>();
    for (Rule r : rules) {
      if (r.symbol().isPresent()) {
        out.put(r.name(), r);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "RuleSet[" + rules.size() + " rules, " + unsupported.size() + " unsupported]";
  }
}
