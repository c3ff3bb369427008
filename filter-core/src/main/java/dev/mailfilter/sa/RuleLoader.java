package dev.mailfilter.sa;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads SpamAssassin configuration files into a {@link RuleSet}. One loader per load; not
 * thread-safe.
 *
 * <p>Order, as SpamAssassin's: the {@code *.pre} files of every configured directory first (they
 * load plugins), then each directory's {@code *.cf} files sorted by name, directories in the
 * configured order; a configured file is read where it stands in that order. A rule defined twice
 * keeps its last definition.
 */
final class RuleLoader {
  /** The SpamAssassin version the loader answers {@code version} and {@code require_version} as. */
  static final String VERSION = "4.000001";

  private static final double VERSION_NUMBER = 4.000001;
  private static final double PERL_VERSION = 5.036000;
  private static final int MAX_INCLUDE_DEPTH = 10;

  /**
   * The plugins whose rules this loader can run: {@code ifplugin} and {@code plugin(...)} are true
   * for them when a {@code loadplugin} line loads them. Others count as not loaded, as in a
   * SpamAssassin without them: their blocks are skipped and the {@code if !plugin(...)} fall-backs
   * that the rule set carries for such installations are read.
   */
  static final Set<String> SUPPORTED_PLUGINS =
      Set.of(
          "Mail::SpamAssassin::Plugin::Check",
          "Mail::SpamAssassin::Plugin::HeaderEval",
          "Mail::SpamAssassin::Plugin::BodyEval",
          "Mail::SpamAssassin::Plugin::MIMEEval",
          "Mail::SpamAssassin::Plugin::HTMLEval",
          "Mail::SpamAssassin::Plugin::RelayEval",
          "Mail::SpamAssassin::Plugin::ReplaceTags");

  /**
   * The {@code can(...)} tests that are true: features of SpamAssassin 4.0.1 that change nothing
   * this loader reads, and functions it implements; {@code enable_compat NAME} adds {@code
   * Conf::compat_NAME}. Capture rules ({@code %{tag}}), DNS block rules and the functions of
   * plugins not supported are false.
   */
  static final Set<String> TRUE_CAN =
      Set.of(
          "Mail::SpamAssassin::Conf::feature_bug6558_free",
          "Mail::SpamAssassin::Conf::feature_welcomelist_blocklist",
          "Mail::SpamAssassin::Conf::perl_min_version_5010000",
          "Mail::SpamAssassin::Conf::feature_registryboundaries",
          "Mail::SpamAssassin::Conf::feature_yesno_takes_args",
          "Mail::SpamAssassin::Conf::feature_originating_ip_headers",
          "Mail::SpamAssassin::Conf::feature_dns_local_ports_permit_avoid",
          "Mail::SpamAssassin::Conf::feature_bayes_stopwords",
          "Mail::SpamAssassin::Plugin::BodyEval::has_check_body_length");

  private static final Pattern RULE_NAME = Pattern.compile("[A-Za-z0-9_]+");
  private static final Pattern SYMBOL = Pattern.compile("[A-Z][A-Z0-9_]*");
  private static final Pattern HEADER_TEST =
      Pattern.compile("(\\S+?)\\s*(=~|!~)\\s*(.+?)(?:\\s*\\[if-unset:\\s*(.*)\\])?\\s*");
  private static final Pattern IF_CALL =
      Pattern.compile("(plugin|can|has)\\s*\\(\\s*([\\w:]+)\\s*\\)");
  private static final Pattern COMMENT = Pattern.compile("(?<!\\\\)#.*");

  /** A definition as read, compiled once every file is read (ReplaceTags may rewrite it). */
  private static final class Def {
    final String name;
    final RuleKind kind;
    final String value;
    final String file;
    final int line;

    Def(String name, RuleKind kind, String value, String file, int line) {
      this.name = name;
      this.kind = kind;
      this.value = value;
      this.file = file;
      this.line = line;
    }
  }

  private record Frame(boolean active, boolean parentActive, String reason) {}

  private final Map<String, Def> defs = new LinkedHashMap<>();
  private final Map<String, String> scores = new HashMap<>();
  private final Map<String, String> describes = new HashMap<>();
  private final Map<String, Set<String>> tflags = new HashMap<>();
  private final Map<String, Integer> priorities = new HashMap<>();
  private final Map<String, String> inactiveDefs = new HashMap<>();
  private final Map<String, String> replaceTags = new HashMap<>();
  private final Map<String, String> replacePre = new HashMap<>();
  private final Map<String, String> replaceInter = new HashMap<>();
  private final Map<String, String> replacePost = new HashMap<>();
  private final Set<String> replaceRules = new LinkedHashSet<>();
  private final Set<String> plugins = new LinkedHashSet<>();
  private final Set<String> compat = new LinkedHashSet<>();
  private final List<Problem> skipped = new ArrayList<>();
  private final Map<String, Integer> skippedCounts = new TreeMap<>();
  private final List<Problem> errors = new ArrayList<>();
  private final List<Path> files = new ArrayList<>();
  // The trust path's settings, as Conf.pm keeps them: entries in order, "configured" flags.
  private final List<String> trustedNetworks = new ArrayList<>();
  private final List<String> internalNetworks = new ArrayList<>();
  private final List<String> msaNetworks = new ArrayList<>();
  private boolean trustedConfigured;
  private boolean internalConfigured;
  private final List<String> originatingIpHeaders = new ArrayList<>();
  private String networksWhere = "";

  /** Reads the paths and builds the rule set. Never throws for what the files contain. */
  static RuleSet load(List<Path> paths) {
    RuleLoader l = new RuleLoader();
    List<Path> order = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        order.addAll(list(p, ".pre", l));
      }
    }
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        order.addAll(list(p, ".cf", l));
      } else if (Files.isRegularFile(p)) {
        order.add(p);
      } else {
        l.errors.add(new Problem(p.toString(), 0, "path", "no such file or directory"));
      }
    }
    for (Path f : order) {
      l.readFile(f, 0);
    }
    return l.build();
  }

  private static List<Path> list(Path dir, String suffix, RuleLoader l) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> f.getFileName().toString().endsWith(suffix))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    } catch (IOException e) {
      l.errors.add(new Problem(dir.toString(), 0, "path", "cannot list: " + e.getMessage()));
      return List.of();
    }
  }

  private void readFile(Path f, int depth) {
    List<String> lines;
    try {
      // Rule files are bytes: one char per octet, as the texts they match (see PerlRegex).
      lines = List.of(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).split("\n"));
    } catch (IOException e) {
      errors.add(new Problem(f.toString(), 0, "file", "cannot read: " + e));
      return;
    }
    files.add(f);
    String file = f.toString();
    Deque<Frame> stack = new ArrayDeque<>();
    for (int i = 0; i < lines.size(); i++) {
      int lineNo = i + 1;
      String line = COMMENT.matcher(lines.get(i)).replaceFirst("").replace("\\#", "#").strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] kv = line.split("\\s+", 2);
      String key = kv[0].toLowerCase(Locale.ROOT);
      String value = kv.length > 1 ? kv[1].strip() : "";
      boolean active = stack.isEmpty() || stack.peek().active();
      switch (key) {
        case "if", "ifplugin" -> {
          boolean cond;
          String reason;
          if (key.equals("ifplugin")) {
            cond = plugins.contains(value);
            reason = "plugin " + value + " not loaded";
          } else {
            Optional<Boolean> c = condition(value, plugins, compat);
            if (c.isEmpty()) {
              skip(file, lineNo, "if", "condition not understood: " + value);
            }
            cond = c.orElse(false);
            reason = "false condition: if " + value;
          }
          // Inside a block that is off, the outer block's reason is the one that counts.
          stack.push(new Frame(active && cond, active, active ? reason : stack.peek().reason()));
          continue;
        }
        case "else" -> {
          if (stack.isEmpty()) {
            skip(file, lineNo, "else", "else without if");
          } else {
            Frame top = stack.pop();
            stack.push(
                new Frame(
                    top.parentActive() && !top.active(),
                    top.parentActive(),
                    top.parentActive() ? "else of a true condition" : top.reason()));
          }
          continue;
        }
        case "endif" -> {
          if (stack.isEmpty()) {
            skip(file, lineNo, "endif", "endif without if");
          } else {
            stack.pop();
          }
          continue;
        }
        default -> {}
      }
      if (!active) {
        count("in a block that is off (" + stack.peek().reason() + ")");
        String[] nv = value.split("\\s+", 2);
        if (isRuleKeyword(key) && RULE_NAME.matcher(nv[0]).matches()) {
          inactiveDefs.putIfAbsent(nv[0], stack.peek().reason() + " at " + file + ":" + lineNo);
        }
        continue;
      }
      if (key.equals("require_version")) {
        // @@VERSION@@: not replaced at install, SpamAssassin takes it as its own version.
        if (!value.equals(VERSION) && !value.equals("@@VERSION@@")) {
          skip(file, lineNo, key, "file requires version " + value + "; rest of the file skipped");
          break;
        }
        continue;
      }
      if (key.equals("include")) {
        Path inc = f.resolveSibling(value);
        if (depth >= MAX_INCLUDE_DEPTH) {
          errors.add(new Problem(file, lineNo, key, "includes nested too deeply: " + value));
        } else if (!Files.isRegularFile(inc)) {
          errors.add(new Problem(file, lineNo, key, "no such file: " + inc));
        } else {
          readFile(inc, depth + 1);
        }
        continue;
      }
      directive(file, lineNo, key, value);
    }
    if (!stack.isEmpty()) {
      skip(file, lines.size(), "if", stack.size() + " if/ifplugin without endif at end of file");
    }
  }

  private static boolean isRuleKeyword(String key) {
    return switch (key) {
      case "header", "body", "rawbody", "full", "uri", "meta" -> true;
      default -> false;
    };
  }

  private void directive(String file, int line, String key, String value) {
    String[] nv = value.split("\\s+", 2);
    String name = nv[0];
    String rest = nv.length > 1 ? nv[1].strip() : "";
    switch (key) {
      case "header", "body", "rawbody", "full", "uri", "meta" -> {
        if (!RULE_NAME.matcher(name).matches() || rest.isEmpty()) {
          skip(file, line, key, "malformed rule definition");
          return;
        }
        defs.remove(name); // a redefinition moves the rule to its new place
        defs.put(
            name, new Def(name, RuleKind.valueOf(key.toUpperCase(Locale.ROOT)), rest, file, line));
        inactiveDefs.remove(name);
      }
      case "describe" -> describes.put(name, rest);
      case "score" -> scores.put(name, rest + "\t" + file + ":" + line);
      case "tflags" -> tflags.put(name, new LinkedHashSet<>(List.of(rest.split("\\s+"))));
      case "priority" -> {
        try {
          priorities.put(name, Integer.parseInt(rest));
        } catch (NumberFormatException e) {
          skip(file, line, key, "not a number: " + rest);
        }
      }
      case "loadplugin", "tryplugin" -> {
        if (SUPPORTED_PLUGINS.contains(name)) {
          plugins.add(name);
        } else {
          count("plugin not supported by mailfilter (" + key + ")");
        }
      }
      case "lang" -> count("lang: translations are not used");
      case "enable_compat" -> compat.add("Mail::SpamAssassin::Conf::compat_" + name);
      case "replace_tag" -> replaceTags.put(name, rest);
      case "replace_pre" -> replacePre.put(name, rest);
      case "replace_inter" -> replaceInter.put(name, rest);
      case "replace_post" -> replacePost.put(name, rest);
      case "replace_rules" -> replaceRules.addAll(List.of(value.split("\\s+")));
      case "trusted_networks" -> {
        trustedNetworks.addAll(List.of(value.split("\\s+")));
        trustedConfigured = true;
        networksWhere = file + ":" + line;
      }
      case "internal_networks" -> {
        internalNetworks.addAll(List.of(value.split("\\s+")));
        internalConfigured = true;
        networksWhere = file + ":" + line;
      }
      case "msa_networks" -> {
        msaNetworks.addAll(List.of(value.split("\\s+")));
        networksWhere = file + ":" + line;
      }
      case "clear_trusted_networks" -> {
        trustedNetworks.clear();
        trustedConfigured = false;
      }
      case "clear_internal_networks" -> {
        internalNetworks.clear();
        internalConfigured = false;
      }
      case "clear_msa_networks" -> msaNetworks.clear();
      case "originating_ip_headers" -> originatingIpHeaders.addAll(List.of(value.split("\\s+")));
      case "clear_originating_ip_headers" -> originatingIpHeaders.clear();
      case "replace_start", "replace_end" ->
          skip(file, line, key, "other tag delimiters than < > are not supported");
      default -> count(reasonFor(key));
    }
  }

  /** Why a directive this loader does not read is skipped, grouped for the counts. */
  private static String reasonFor(String key) {
    if (key.contains("whitelist")
        || key.contains("welcomelist")
        || key.contains("blacklist")
        || key.contains("blocklist")
        || key.equals("enlist_addrlist")
        || key.equals("enlist_uri_host")
        || key.equals("delist_uri_host")) {
      return "address and host lists: not supported yet (" + key + ")";
    }
    if (key.startsWith("util_rb_")) {
      return "registry boundaries: mailfilter uses the public suffix list (" + key + ")";
    }
    if (key.startsWith("bayes_")) {
      return "Bayes settings: mailfilter has its own model (" + key + ")";
    }
    if (key.startsWith("report")
        || key.startsWith("clear_")
        || key.startsWith("add_header")
        || key.startsWith("remove_header")
        || key.equals("unsafe_report")) {
      return "report and header templates: mailfilter writes its own headers (" + key + ")";
    }
    if (key.equals("reuse") || key.equals("test")) {
      return "mass-check directive, no effect on scanning (" + key + ")";
    }
    if (key.startsWith("dns")
        || key.startsWith("uridnsbl")
        || key.startsWith("urirhs")
        || key.startsWith("askdns")
        || key.contains("rbl")) {
      return "network test settings: network rules are not supported (" + key + ")";
    }
    return "directive not supported (" + key + ")";
  }

  /** Evaluates an {@code if} condition; empty when it uses anything else than this grammar. */
  static Optional<Boolean> condition(String expr, Set<String> loaded, Set<String> compat) {
    Matcher m = IF_CALL.matcher(expr);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      boolean v =
          m.group(1).equals("plugin")
              ? loaded.contains(m.group(2))
              : TRUE_CAN.contains(m.group(2)) || compat.contains(m.group(2));
      m.appendReplacement(sb, v ? "1" : "0");
    }
    m.appendTail(sb);
    return evaluate(sb.toString());
  }

  private static Optional<Boolean> evaluate(String expr) {
    String e =
        expr.replaceAll("\\bperl_version\\b", Double.toString(PERL_VERSION))
            .replaceAll("\\bversion\\b", Double.toString(VERSION_NUMBER));
    try {
      MetaExpression x = MetaExpression.parse(e);
      if (!x.names().isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(x.evaluate(n -> 0) != 0);
    } catch (Unsupported u) {
      return Optional.empty();
    }
  }

  private void skip(String file, int line, String subject, String reason) {
    skipped.add(new Problem(file, line, subject, reason));
    count(reason.startsWith("file requires") ? "require_version: other version" : reason);
  }

  private void count(String reason) {
    skippedCounts.merge(reason, 1, Integer::sum);
  }

  // ---- building ----

  private RuleSet build() {
    Map<String, Rule.Test> tests = new LinkedHashMap<>();
    Map<String, String> unsupported = new LinkedHashMap<>();
    for (Def d : defs.values()) {
      try {
        tests.put(d.name, compile(d));
      } catch (Unsupported u) {
        unsupported.put(d.name, u.reason());
      }
    }
    // Metas: every rule read must be loadable; one that is not makes the meta unsupported too.
    Map<String, Boolean> state = new HashMap<>(); // true: resolved ok
    for (String name : List.copyOf(tests.keySet())) {
      resolveMeta(name, tests, unsupported, state, new LinkedHashSet<>());
    }
    // Scores.
    Map<String, Double> scoreOf = new HashMap<>();
    for (Map.Entry<String, String> e : scores.entrySet()) {
      String[] parts = e.getValue().split("\t");
      String where = parts[1];
      String[] values = parts[0].strip().split("\\s+");
      try {
        double s;
        if (values.length == 1) {
          s = Double.parseDouble(values[0]);
        } else if (values.length == 4) {
          s = Double.parseDouble(values[2]); // set 2: local tests and Bayes
        } else {
          throw new NumberFormatException("expected 1 or 4 scores");
        }
        scoreOf.put(e.getKey(), s);
      } catch (NumberFormatException x) {
        int colon = where.lastIndexOf(':');
        skipped.add(
            new Problem(
                where.substring(0, colon),
                Integer.parseInt(where.substring(colon + 1)),
                "score",
                "bad score for " + e.getKey() + ": " + parts[0]));
        count("bad score line");
      }
    }
    // Which rules run: those with a score, and those the running metas read.
    Set<String> needed = new LinkedHashSet<>();
    for (String name : tests.keySet()) {
      if (!name.startsWith("__") && score(name, scoreOf) != 0) {
        markNeeded(name, tests, needed);
      }
    }
    List<Rule> rules = new ArrayList<>();
    List<Problem> unsupportedList = new ArrayList<>();
    Map<String, String> symbolOwner = new HashMap<>();
    for (Def d : defs.values()) {
      String reason = unsupported.get(d.name);
      if (reason != null) {
        unsupportedList.add(new Problem(d.file, d.line, d.name, reason));
        continue;
      }
      if (!needed.contains(d.name)) {
        count("rule scored 0 in set 2 and read by no running meta");
        continue;
      }
      double score = score(d.name, scoreOf);
      Optional<String> symbol = Optional.empty();
      if (!d.name.startsWith("__") && score != 0) {
        String s = d.name.toUpperCase(Locale.ROOT);
        String owner = symbolOwner.putIfAbsent(s, d.name);
        if (!SYMBOL.matcher(s).matches()) {
          unsupportedList.add(
              new Problem(d.file, d.line, d.name, "name is not a valid symbol name"));
          continue;
        }
        if (owner != null) {
          unsupportedList.add(
              new Problem(d.file, d.line, d.name, "symbol " + s + " is also rule " + owner));
          continue;
        }
        symbol = Optional.of(s);
      }
      Set<String> flags = tflags.getOrDefault(d.name, Set.of());
      int maxHits = Rule.DEFAULT_MAX_HITS;
      for (String fl : flags) {
        if (fl.startsWith("maxhits=")) {
          try {
            maxHits = Math.max(1, Integer.parseInt(fl.substring(8)));
          } catch (NumberFormatException e) {
            // SpamAssassin ignores a bad maxhits too
          }
        }
      }
      rules.add(
          new Rule(
              d.name,
              symbol,
              d.kind,
              tests.get(d.name),
              score,
              describes.getOrDefault(d.name, ""),
              Set.copyOf(flags),
              maxHits,
              priorities.getOrDefault(d.name, 0),
              d.file,
              d.line));
    }
    // A rule that runs only for a meta that was dropped (bad symbol) still runs: harmless.
    for (Map.Entry<String, String> e : scores.entrySet()) {
      if (!defs.containsKey(e.getKey()) && !inactiveDefs.containsKey(e.getKey())) {
        count("score for a rule that is not defined");
      }
    }
    return new RuleSet(
        rules,
        unsupportedList,
        skipped,
        skippedCounts,
        errors,
        files,
        Set.copyOf(plugins),
        networks());
  }

  /** The trust path's networks; one that does not parse is an error, never a silent default. */
  private TrustPath.Networks networks() {
    try {
      return new TrustPath.Networks(
          trustedConfigured
              ? Optional.of(TrustPath.NetSet.parse(trustedNetworks, true))
              : Optional.empty(),
          internalConfigured
              ? Optional.of(TrustPath.NetSet.parse(internalNetworks, true))
              : Optional.empty(),
          TrustPath.NetSet.parse(msaNetworks, false),
          List.copyOf(originatingIpHeaders));
    } catch (Unsupported e) {
      int colon = networksWhere.lastIndexOf(':');
      errors.add(
          new Problem(
              colon < 0 ? networksWhere : networksWhere.substring(0, colon),
              colon < 0 ? 0 : Integer.parseInt(networksWhere.substring(colon + 1)),
              "trusted_networks",
              e.getMessage()));
      return new TrustPath.Networks(
          Optional.empty(),
          Optional.empty(),
          TrustPath.NetSet.EMPTY,
          List.copyOf(originatingIpHeaders));
    }
  }

  private double score(String name, Map<String, Double> scoreOf) {
    Double s = scoreOf.get(name);
    if (s != null) {
      return s;
    }
    if (name.startsWith("__")) {
      return 0;
    }
    // SpamAssassin's defaults: 1, 0.01 for test rules, negative for nice rules.
    double d = name.startsWith("T_") ? 0.01 : 1.0;
    return tflags.getOrDefault(name, Set.of()).contains("nice") ? -d : d;
  }

  private void markNeeded(String name, Map<String, Rule.Test> tests, Set<String> needed) {
    if (!needed.add(name)) {
      return;
    }
    if (tests.get(name) instanceof Rule.Meta m) {
      for (String dep : m.expression().names()) {
        if (tests.containsKey(dep)) {
          markNeeded(dep, tests, needed);
        }
      }
    }
  }

  /** Marks metas over missing, unsupported or cyclic rules unsupported; true when it is fine. */
  private boolean resolveMeta(
      String name,
      Map<String, Rule.Test> tests,
      Map<String, String> unsupported,
      Map<String, Boolean> state,
      Set<String> path) {
    Boolean known = state.get(name);
    if (known != null) {
      return known;
    }
    if (!(tests.get(name) instanceof Rule.Meta meta)) {
      boolean ok = tests.containsKey(name);
      state.put(name, ok);
      return ok;
    }
    if (!path.add(name)) {
      unsupported.put(name, "meta rules read each other in a cycle: " + String.join(" -> ", path));
      tests.remove(name);
      state.put(name, false);
      return false;
    }
    for (String dep : meta.expression().names()) {
      String why = null;
      if (tests.containsKey(dep)) {
        if (!resolveMeta(dep, tests, unsupported, state, path)) {
          why = "reads " + dep + ", which is unsupported: " + unsupported.get(dep);
        }
      } else if (unsupported.containsKey(dep)) {
        why = "reads " + dep + ", which is unsupported: " + unsupported.get(dep);
      } else if (inactiveDefs.containsKey(dep)) {
        why =
            "reads "
                + dep
                + ", defined only in a block that is off ("
                + inactiveDefs.get(dep)
                + ")";
      } else {
        why = "reads " + dep + ", which is not defined";
      }
      if (why != null) {
        if (why.length() > 300) {
          why = why.substring(0, 300) + "...";
        }
        unsupported.put(name, why);
        tests.remove(name);
        state.put(name, false);
        path.remove(name);
        return false;
      }
    }
    path.remove(name);
    state.put(name, true);
    return true;
  }

  private Rule.Test compile(Def d) throws Unsupported {
    String v = d.value;
    if (d.kind == RuleKind.META) {
      return new Rule.Meta(MetaExpression.parse(v));
    }
    if (v.startsWith("eval:")) {
      return new Rule.Eval(NativeEvals.resolve(v));
    }
    if (d.kind != RuleKind.HEADER) {
      return new Rule.Regex(pattern(d.name, v));
    }
    if (v.startsWith("exists:")) {
      return new Rule.Exists(HeaderSpec.parse(v.substring(7).strip()));
    }
    Matcher m = HEADER_TEST.matcher(v);
    if (!m.matches()) {
      throw new Unsupported("malformed header rule");
    }
    return new Rule.Header(
        HeaderSpec.parse(m.group(1)),
        pattern(d.name, m.group(3)),
        m.group(2).equals("!~"),
        Optional.ofNullable(m.group(4)));
  }

  /** A rule's pattern, with ReplaceTags applied when the rule is listed in replace_rules. */
  private Pattern pattern(String name, String written) throws Unsupported {
    String w = written;
    if (replaceRules.contains(name)
        && plugins.contains("Mail::SpamAssassin::Plugin::ReplaceTags")) {
      w = replaceTags(w);
    }
    return PerlRegex.compile(w);
  }

  /** ReplaceTags' finish_parsing_end, on the written pattern. */
  String replaceTags(String re) {
    String out = re;
    for (int pass = 0; pass <= 5; pass++) {
      String pre = take(out, "pre");
      out = removeTag(out, "pre");
      String post = take(out, "post");
      out = removeTag(out, "post");
      String inter = take(out, "inter");
      out = removeTag(out, "inter");
      List<String> parts = splitTags(out);
      boolean again = false;
      StringBuilder sb = new StringBuilder();
      for (String p : parts) {
        boolean tag = p.startsWith("<") && p.endsWith(">") && p.length() > 2;
        if (p.isEmpty() && inter != null && replaceInter.containsKey(inter)) {
          sb.append(replaceInter.get(inter));
          continue;
        }
        if (!tag) {
          sb.append(p);
          continue;
        }
        String t = p;
        if (pre != null && replacePre.containsKey(pre)) {
          t = replacePre.get(pre) + t;
        }
        if (post != null && replacePost.containsKey(post)) {
          t = t + replacePost.get(post);
        }
        String tagName = p.substring(1, p.length() - 1);
        String replacement = replaceTags.get(tagName);
        if (replacement != null && !replacement.isEmpty()) {
          t = t.replace(p, replacement);
          again |= replacement.matches("(?s).*<[^>]+>.*");
        }
        sb.append(t);
      }
      out = sb.toString();
      if (!again) {
        break;
      }
    }
    return out;
  }

  private static String take(String re, String kind) {
    Matcher m = Pattern.compile("<" + kind + " (.+?)>").matcher(re);
    return m.find() ? m.group(1) : null;
  }

  private static String removeTag(String re, String kind) {
    return Pattern.compile("<" + kind + " (.+?)>").matcher(re).replaceFirst("");
  }

  /** Perl's {@code split(/(<[^<>]+>)/, $re)}: trailing empty fields dropped. */
  private static List<String> splitTags(String re) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("<[^<>]+>").matcher(re);
    int last = 0;
    while (m.find()) {
      out.add(re.substring(last, m.start()));
      out.add(m.group());
      last = m.end();
    }
    out.add(re.substring(last));
    while (!out.isEmpty() && out.getLast().isEmpty()) {
      out.removeLast();
    }
    return out;
  }
}
