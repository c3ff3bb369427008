package dev.mailfilter;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.SessionLimits;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Thresholds;
import dev.mailfilter.config.AccessList;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.config.DidYouMean;
import dev.mailfilter.config.FailurePolicy;
import dev.mailfilter.config.HeaderSettings;
import dev.mailfilter.config.YamlTree;
import dev.mailfilter.engine.EngineSettings;
import dev.mailfilter.learn.ModelSettings;
import dev.mailfilter.mime.MimeLimits;
import dev.mailfilter.scores.ScoreFile;
import dev.mailfilter.scores.ScoreSettings;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckFactory;
import dev.mailfilter.spi.CheckRegistry;
import dev.mailfilter.spi.CheckSettings;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.tenant.TenantConfig;
import dev.mailfilter.tenant.TenantDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The whole, validated, immutable configuration: thresholds, engine limits, headers, replies, allow
 * and block lists, the enabled checks with their scores, and the sections of other features.
 *
 * <p>The file is laid over the built-in {@code default-config.yaml}, which is a complete working
 * configuration; a bad file throws {@link ConfigException} naming the key path, and nothing is
 * applied. Thread-safe.
 */
public final class FilterConfig {
  private static final String DEFAULTS_RESOURCE = "default-config.yaml";
  private static final Map<String, Object> DEFAULT_TREE = loadDefaultTree();
  private static final FilterConfig DEFAULTS =
      parse(DEFAULT_TREE, Map.of(), BuiltIns.checks(), BuiltIns.sections());

  private final EngineSettings engine;
  private final List<CheckSettings> checks;
  private final Map<String, Object> sections;
  private final Map<String, Object> tree; // the defaults with the file laid over them
  private final TenantDirectory tenants;
  private final List<String> scoreWarnings;

  private FilterConfig(Parser p, Map<String, Object> tree) {
    this.tree = tree;
    this.engine =
        new EngineSettings(
            p.thresholds,
            p.stageTimeouts,
            p.onCheckError,
            p.onCheckTimeout,
            p.failureScore,
            p.earlyReject,
            p.mimeLimits,
            p.headers,
            p.replies,
            p.blockedReply,
            p.allowList,
            p.blockList,
            p.limits);
    this.checks = ImmutableList.copyOf(p.checks);
    this.sections = ImmutableMap.copyOf(p.sections);
    this.tenants = p.tenants;
    this.scoreWarnings = List.copyOf(p.scoreWarnings);
  }

  /** The built-in configuration, no file needed. */
  public static FilterConfig defaults() {
    return DEFAULTS;
  }

  /**
   * Loads a YAML file over the built-in defaults, with the standard checks.
   *
   * @throws IOException when the file cannot be read
   * @throws ConfigException when the file is not valid YAML or a key is wrong
   */
  public static FilterConfig load(Path file) throws IOException {
    return load(file, BuiltIns.checks());
  }

  /** Loads a YAML file over the built-in defaults with the given checks. */
  public static FilterConfig load(Path file, CheckRegistry registry) throws IOException {
    return load(file, registry, List.of());
  }

  /**
   * Loads a YAML file over the built-in defaults with the standard checks and an adapter's own
   * top-level sections ({@code smtp}, {@code milter}...), read back with {@link
   * #section(ConfigSection)}. Unknown top-level keys are still refused, with the extra sections
   * among the suggestions.
   *
   * @throws IllegalArgumentException when an extra section has the name of a built-in key
   */
  public static FilterConfig load(Path file, List<ConfigSection<?>> extraSections)
      throws IOException {
    return load(file, BuiltIns.checks(), extraSections);
  }

  /**
   * {@link #load(Path, List)} with the given checks instead of the standard ones: a node that adds
   * checks of another module ({@code checks.greylist} of the cluster's shared state).
   */
  public static FilterConfig load(
      Path file, CheckRegistry registry, List<ConfigSection<?>> extraSections) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return parse(
        DEFAULT_TREE, YamlTree.read(text, file.toString()), registry, sections(extraSections));
  }

  /**
   * {@link #load(Path, List)} with YAML text laid over the file, as {@link Builder#yaml} lays it:
   * what a command line adds to the file ({@code mailfilter smtp --domain}).
   */
  static FilterConfig load(Path file, List<ConfigSection<?>> extraSections, String overlay)
      throws IOException {
    return load(file, BuiltIns.checks(), extraSections, overlay);
  }

  /** {@link #load(Path, List, String)} with the given checks. */
  static FilterConfig load(
      Path file, CheckRegistry registry, List<ConfigSection<?>> extraSections, String overlay)
      throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    Map<String, Object> tree =
        YamlTree.merge(
            YamlTree.read(text, file.toString()), YamlTree.read(overlay, "command line"));
    return parse(DEFAULT_TREE, tree, registry, sections(extraSections));
  }

  /** The built-in sections and the extra ones, refusing a name taken by the core. */
  private static List<ConfigSection<?>> sections(List<ConfigSection<?>> extra) {
    if (extra.isEmpty()) {
      return BuiltIns.sections();
    }
    Set<String> taken = new HashSet<>(DEFAULT_TREE.keySet());
    taken.addAll(Parser.CORE_KEYS);
    List<ConfigSection<?>> all = new ArrayList<>(BuiltIns.sections());
    for (ConfigSection<?> s : all) {
      taken.add(s.name());
    }
    for (ConfigSection<?> s : extra) {
      if (!taken.add(s.name())) {
        throw new IllegalArgumentException(
            "section " + s.name() + " is already a top-level key of the configuration");
      }
      all.add(s);
    }
    return List.copyOf(all);
  }

  /** Parses YAML text over the built-in defaults, with the standard checks. */
  public static FilterConfig parse(String yaml) {
    return parse(YamlTree.read(yaml, "configuration"), BuiltIns.checks());
  }

  private static FilterConfig parse(Map<String, Object> overlay, CheckRegistry registry) {
    return parse(DEFAULT_TREE, overlay, registry, BuiltIns.sections());
  }

  private static FilterConfig parse(
      Map<String, Object> defaults,
      Map<String, Object> overlay,
      CheckRegistry registry,
      List<ConfigSection<?>> sections) {
    Map<String, Object> merged = YamlTree.merge(defaults, overlay);
    return new FilterConfig(new Parser(YamlTree.root(merged), registry, sections), merged);
  }

  /** A builder starting from the built-in defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Score thresholds of the actions. */
  public Thresholds thresholds() {
    return engine.thresholds();
  }

  /** The deadline of a stage. */
  public Duration stageTimeout(Stage stage) {
    return engine.stageTimeout(stage);
  }

  /** What happens when a check throws. */
  public FailurePolicy onCheckError() {
    return engine.onCheckError();
  }

  /** What happens when a check overruns its deadline. */
  public FailurePolicy onCheckTimeout() {
    return engine.onCheckTimeout();
  }

  /** The score of {@code CHECK_FAILED_*} and {@code CHECK_TIMEOUT_*} symbols. */
  public double failureScore() {
    return engine.failureScore();
  }

  /** Whether a score reaching the reject threshold before DATA refuses at once. */
  public boolean earlyReject() {
    return engine.earlyReject();
  }

  /** The size and time limits of a session ({@code limits:}). */
  public SessionLimits limits() {
    return engine.limits();
  }

  /** The MIME parser's limits for messages at DATA. */
  public MimeLimits mimeLimits() {
    return engine.mimeLimits();
  }

  /** Result header names and options. */
  public HeaderSettings headers() {
    return engine.headers();
  }

  /**
   * The reply for an action: the configured one for refusing actions, {@link Reply#OK} for the
   * others.
   */
  public Reply reply(Action action) {
    return engine.reply(action);
  }

  /** The reply for a block-list hit. */
  public Reply blockedReply() {
    return engine.blockedReply();
  }

  /** Senders, domains and networks that are accepted without checks. */
  public AccessList allowList() {
    return engine.allowList();
  }

  /** Senders, domains and networks that are refused. */
  public AccessList blockList() {
    return engine.blockList();
  }

  /** What the engine reads of this configuration. */
  EngineSettings engineSettings() {
    return engine;
  }

  /** The enabled checks with their scores, in configuration order. */
  public List<CheckSettings> checks() {
    return checks;
  }

  /**
   * What a score file of {@code scores.files} names that no check declares, one line each ({@code
   * FILE: SYMBOL: no check declares this symbol}): not an error, since a site may lack some rules
   * the file was fitted with, but {@code mailfilter config check} prints them.
   */
  public List<String> scoreWarnings() {
    return scoreWarnings;
  }

  /**
   * This configuration as YAML: the built-in defaults with the file's keys laid over them, in the
   * defaults file's order (what {@code mailfilter config show} prints). Loading the text gives an
   * equal configuration.
   */
  public String toYaml() {
    return YamlTree.write(tree);
  }

  /**
   * The configured tenants and domains; {@link TenantDirectory#none()} when the file has none
   * (every recipient accepted with the global policy).
   */
  public TenantDirectory tenants() {
    return tenants;
  }

  /** The parsed value of a registered top-level section. */
  @SuppressWarnings("unchecked")
  public <T> T section(ConfigSection<T> section) {
    Object v = sections.get(section.name());
    if (v == null) {
      throw new IllegalArgumentException("section not registered: " + section.name());
    }
    return (T) v;
  }

  /** Builds a {@link FilterConfig} in code, with the same validation as a file. */
  public static final class Builder {
    private final Map<String, Object> overlay = new LinkedHashMap<>();
    private CheckRegistry registry = BuiltIns.checks();
    private final List<ConfigSection<?>> extraSections = new ArrayList<>();

    private Builder() {}

    /**
     * Registers an adapter's own top-level section, parsed with the rest and read back with {@link
     * FilterConfig#section(ConfigSection)}.
     */
    public Builder section(ConfigSection<?> section) {
      extraSections.add(Objects.requireNonNull(section, "section"));
      return this;
    }

    /** Lays YAML text over what was set so far. */
    public Builder yaml(String yaml) {
      Map<String, Object> tree = YamlTree.read(yaml, "configuration");
      Map<String, Object> merged = YamlTree.merge(overlay, tree);
      overlay.clear();
      overlay.putAll(merged);
      return this;
    }

    /**
     * Sets one key by its dotted path, e.g. {@code set("actions.reject", 20)} or {@code
     * set("lists.block.ips", List.of("192.0.2.0/24"))}. Values are what YAML would give: strings,
     * numbers, booleans, lists, maps, or null.
     */
    @SuppressWarnings("unchecked")
    public Builder set(String path, Object value) {
      String[] parts = path.split("\\.", -1);
      Map<String, Object> node = overlay;
      for (int i = 0; i < parts.length - 1; i++) {
        Object child = node.get(parts[i]);
        if (!(child instanceof Map)) {
          child = new LinkedHashMap<String, Object>();
          node.put(parts[i], child);
        }
        node = (Map<String, Object>) child;
      }
      node.put(parts[parts.length - 1], value);
      return this;
    }

    /** The checks the configuration may name; the standard ones by default. */
    public Builder registry(CheckRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * The configuration.
     *
     * @throws ConfigException naming the key path of the first bad value
     */
    public FilterConfig build() {
      return parse(DEFAULT_TREE, overlay, registry, sections(extraSections));
    }
  }

  // ---- parsing ----

  private static final class Parser {
    Thresholds thresholds;
    final Map<Stage, Duration> stageTimeouts = new EnumMap<>(Stage.class);
    FailurePolicy onCheckError;
    FailurePolicy onCheckTimeout;
    double failureScore;
    boolean earlyReject;
    MimeLimits mimeLimits;
    SessionLimits limits;
    HeaderSettings headers;
    final Map<Action, Reply> replies = new EnumMap<>(Action.class);
    Reply blockedReply;
    AccessList allowList;
    AccessList blockList;
    final List<CheckSettings> checks = new ArrayList<>();
    final List<Check> allChecks = new ArrayList<>();
    final List<String> scoreWarnings = new ArrayList<>();
    final Map<String, Object> sections = new HashMap<>();
    TenantDirectory tenants;
    // Set when every check is made: peers are resolved from then on.
    volatile boolean built;

    /** Top-level keys the core reads that the defaults file may leave out. */
    static final Set<String> CORE_KEYS = Set.of("tenants", "domains", "trusted_networks");

    Parser(ConfigNode root, CheckRegistry registry, List<ConfigSection<?>> sectionList) {
      parseActions(root.section("actions"));
      parseEngine(root.section("engine"));
      parseMime(root.section("mime"));
      parseLimits(root.section("limits"));
      parseHeaders(root.section("headers"));
      parseReplies(root.section("replies"));
      parseLists(root.section("lists"));
      Set<String> known = new TreeSet<>();
      for (ConfigSection<?> s : sectionList) {
        sections.put(s.name(), s.parse(root.section(s.name())));
        known.add(s.name());
      }
      parseChecks(root.section("checks"), registry);
      parseTenants(root);
      root.rejectUnread(known);
      built = true;
    }

    private void parseActions(ConfigNode n) {
      Map<Action, Double> byAction = new EnumMap<>(Action.class);
      for (Action a : Action.values()) {
        if (a == Action.ACCEPT || a == Action.TEMPFAIL) {
          continue;
        }
        OptionalDouble t = n.optionalNumber(a.configName());
        if (t.isPresent()) {
          byAction.put(a, t.getAsDouble());
        }
      }
      checkOrder(n, byAction);
      thresholds = new Thresholds(byAction);
    }

    /**
     * Milder actions must not need a higher score than harsher ones: the highest threshold reached
     * wins, so {@code add_header: 20} over {@code reject: 15} would deliver, tagged, the messages
     * that score most.
     */
    private static void checkOrder(ConfigNode n, Map<Action, Double> byAction) {
      List<List<Action>> milderThan =
          List.of(
              List.of(Action.ADD_HEADER, Action.REWRITE_SUBJECT),
              List.of(Action.ADD_HEADER, Action.QUARANTINE),
              List.of(Action.REWRITE_SUBJECT, Action.QUARANTINE));
      List<Action> finals = List.of(Action.REJECT, Action.DISCARD);
      List<List<Action>> pairs = new ArrayList<>(milderThan);
      for (Action mild :
          List.of(
              Action.GREYLIST,
              Action.ADD_HEADER,
              Action.REWRITE_SUBJECT,
              Action.QUARANTINE,
              Action.SOFT_REJECT)) {
        for (Action harsh : finals) {
          pairs.add(List.of(mild, harsh));
        }
      }
      for (List<Action> pair : pairs) {
        Double mild = byAction.get(pair.get(0));
        Double harsh = byAction.get(pair.get(1));
        if (mild != null && harsh != null && mild > harsh) {
          String m = pair.get(0).configName();
          String h = pair.get(1).configName();
          throw n.error(
              m,
              m
                  + " ("
                  + plain(mild)
                  + ") is above "
                  + n.path(h)
                  + " ("
                  + plain(harsh)
                  + "): a message scoring "
                  + plain(mild)
                  + " or more would get "
                  + m
                  + " instead of "
                  + h
                  + "; lower "
                  + m
                  + " or raise "
                  + h);
        }
      }
    }

    /** A threshold as the file would write it: 20, 6.5. */
    private static String plain(double d) {
      return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    private void parseEngine(ConfigNode n) {
      ConfigNode t = n.section("timeouts");
      for (Stage s : Stage.values()) {
        Duration d = t.duration(s.configName(), Duration.ofSeconds(5));
        if (d.isZero()) {
          throw t.error(s.configName(), "a stage needs a deadline above zero");
        }
        stageTimeouts.put(s, d);
      }
      onCheckError = n.enumValue("on_check_error", FailurePolicy.class, FailurePolicy.CONTINUE);
      onCheckTimeout = n.enumValue("on_check_timeout", FailurePolicy.class, FailurePolicy.CONTINUE);
      failureScore = n.number("failure_score", 0);
      earlyReject = n.bool("early_reject", true);
    }

    private void parseLimits(ConfigNode n) {
      SessionLimits d = SessionLimits.DEFAULT;
      long maxSize = n.bytes("max_message_size", d.maxMessageSize());
      if (maxSize < 1 || maxSize > Integer.MAX_VALUE - 8) {
        throw n.error("max_message_size", "expected 1 to " + (Integer.MAX_VALUE - 8) + " bytes");
      }
      Duration tx = n.duration("max_transaction_time", d.maxTransactionTime());
      if (tx.isZero()) {
        throw n.error("max_transaction_time", "a time limit above zero");
      }
      Duration session = n.duration("max_session_time", d.maxSessionTime());
      if (session.isZero()) {
        throw n.error("max_session_time", "a time limit above zero");
      }
      limits = new SessionLimits(maxSize, tx, session);
    }

    private void parseMime(ConfigNode n) {
      MimeLimits d = MimeLimits.DEFAULT;
      long maxSize = n.bytes("max_message_size", d.maxMessageSize());
      if (maxSize > Integer.MAX_VALUE - 8) {
        throw n.error("max_message_size", "at most " + (Integer.MAX_VALUE - 8) + " bytes");
      }
      long headerSize = n.bytes("max_header_size", d.maxHeaderSize());
      if (headerSize < 1 || headerSize > Integer.MAX_VALUE) {
        throw n.error("max_header_size", "expected 1 to " + Integer.MAX_VALUE + " bytes");
      }
      mimeLimits =
          MimeLimits.builder()
              .maxDepth((int) n.integer("max_depth", d.maxDepth(), 0, 1000))
              .maxParts((int) n.integer("max_parts", d.maxParts(), 1, Integer.MAX_VALUE))
              .maxHeaderCount(
                  (int) n.integer("max_header_count", d.maxHeaderCount(), 0, Integer.MAX_VALUE))
              .maxHeaderSize((int) headerSize)
              .maxLineLength(
                  (int) n.integer("max_line_length", d.maxLineLength(), 1, Integer.MAX_VALUE))
              .maxMessageSize(maxSize)
              .build();
    }

    private void parseHeaders(ConfigNode n) {
      headers =
          new HeaderSettings(
              headerName(n, "flag"),
              headerName(n, "score"),
              headerName(n, "status"),
              headerName(n, "symbols"),
              n.bool("on_ham", true),
              n.bool("remove_existing", true),
              n.string("subject_tag", "*** SPAM *** "));
    }

    private static Optional<String> headerName(ConfigNode n, String key) {
      String name = n.string(key, "");
      if (name.isEmpty()) {
        return Optional.empty();
      }
      if (!name.matches("[!-9;-~]+")) {
        throw n.error(key, "not a valid header field name: \"" + name + "\"");
      }
      return Optional.of(name);
    }

    private void parseReplies(ConfigNode n) {
      for (Action a :
          List.of(Action.REJECT, Action.SOFT_REJECT, Action.GREYLIST, Action.TEMPFAIL)) {
        Reply r = reply(n, a.configName());
        int expectedClass = a == Action.REJECT ? 5 : 4;
        if (r.code() / 100 != expectedClass) {
          throw n.error(
              a.configName(), "expected a " + expectedClass + "xx reply, got " + r.code());
        }
        replies.put(a, r);
      }
      blockedReply = reply(n, "blocked");
      if (blockedReply.code() < 400) {
        throw n.error("blocked", "expected a 4xx or 5xx reply, got " + blockedReply.code());
      }
    }

    private static Reply reply(ConfigNode n, String key) {
      try {
        return Reply.parse(n.string(key, ""));
      } catch (IllegalArgumentException e) {
        throw n.error(key, e.getMessage());
      }
    }

    private void parseLists(ConfigNode n) {
      boolean subdomains = n.bool("subdomains", true);
      allowList = accessList(n.section("allow"), subdomains);
      blockList = accessList(n.section("block"), subdomains);
    }

    private static AccessList accessList(ConfigNode n, boolean subdomains) {
      return AccessList.parse(n, subdomains);
    }

    private void parseTenants(ConfigNode root) {
      Set<String> symbols = new HashSet<>();
      Set<String> groups = new HashSet<>();
      for (Check c : allChecks) {
        groups.add(c.name());
        for (SymbolDef d : c.symbols()) {
          symbols.add(d.name());
        }
      }
      // "domains" is a mapping (domain to its settings) or, for a simple site, a list of names.
      boolean domainList = root.isList("domains");
      tenants =
          TenantConfig.parse(
              root.section("tenants"),
              domainList ? ConfigNode.empty(root.path("domains")) : root.section("domains"),
              domainList ? root.strings("domains") : List.of(),
              root.strings("trusted_networks"),
              root.path("trusted_networks"),
              thresholds,
              root.section("lists").bool("subdomains", true),
              symbols,
              groups);
    }

    /** Whether the model section names a model file (the model check then votes once trained). */
    private boolean modelFile() {
      Object m = sections.get(ModelSettings.SECTION.name());
      return m instanceof ModelSettings ms && ms.path().isPresent();
    }

    private void parseChecks(ConfigNode n, CheckRegistry registry) {
      for (String key : n.keys()) {
        if (registry.factory(key).isEmpty()) {
          throw n.error(key, "unknown check" + DidYouMean.suggest(key, registry.names()));
        }
      }
      List<String> order = new ArrayList<>(n.keys());
      for (String name : registry.names()) {
        if (!order.contains(name)) {
          order.add(name);
        }
      }
      // Every check is made first: which shipped score set applies depends on whether the
      // spamassassin check loaded rules, and a score file's symbols are checked against all.
      List<ConfigNode> nodes = new ArrayList<>();
      List<Boolean> enabled = new ArrayList<>();
      boolean spamAssassinRules = false;
      boolean model = false;
      for (String name : order) {
        ConfigNode c = n.section(name);
        boolean on = c.bool("enabled", true);
        CheckFactory factory = registry.factory(name).orElseThrow();
        Check check = factory.create(new Setup(name, c, this));
        if (!check.name().equals(name)) {
          throw new IllegalStateException(
              "factory for " + name + " made a check named " + check.name());
        }
        allChecks.add(check);
        nodes.add(c);
        enabled.add(on);
        spamAssassinRules |= on && name.equals("spamassassin") && !check.symbols().isEmpty();
        model |= on && name.equals("model") && modelFile();
      }
      ScoreSettings scoreSettings = (ScoreSettings) sections.get(ScoreSettings.SECTION.name());
      Map<String, Double> layer =
          scoreSettings == null ? Map.of() : scoreSettings.layer(model, spamAssassinRules);
      if (scoreSettings != null) {
        Set<String> declared = new HashSet<>();
        for (Check c : allChecks) {
          for (SymbolDef d : c.symbols()) {
            declared.add(d.name());
          }
        }
        for (ScoreFile f : scoreSettings.files()) {
          for (String sym : f.scores().keySet()) {
            if (!declared.contains(sym)) {
              scoreWarnings.add(f.source() + ": " + sym + ": no check declares this symbol");
            }
          }
        }
      }
      for (int i = 0; i < allChecks.size(); i++) {
        Check check = allChecks.get(i);
        String name = check.name();
        ConfigNode c = nodes.get(i);
        OptionalDouble score = c.optionalNumber("score");
        ConfigNode scoreNode = c.section("scores");
        Map<String, Double> overrides = new HashMap<>();
        for (String sym : scoreNode.keys()) {
          overrides.put(sym, scoreNode.number(sym, 0));
        }
        Optional<Duration> timeout =
            c.has("timeout") ? Optional.of(c.duration("timeout", Duration.ZERO)) : Optional.empty();
        // Precedence, lowest first: the check's own default, the score files (or the shipped
        // learned set), checks.<name>.score, checks.<name>.scores.<SYMBOL>.
        Map<String, Double> scores = new HashMap<>();
        for (SymbolDef d : check.symbols()) {
          scores.put(d.name(), layer.getOrDefault(d.name(), d.score()));
        }
        if (score.isPresent()) {
          if (scores.size() != 1) {
            throw c.error(
                "score",
                "check "
                    + name
                    + " has "
                    + scores.size()
                    + " symbols; set each under scores ("
                    + String.join(", ", new TreeSet<>(scores.keySet()))
                    + ")");
          }
          scores.replaceAll((k, v) -> score.getAsDouble());
        }
        for (Map.Entry<String, Double> e : overrides.entrySet()) {
          if (!scores.containsKey(e.getKey())) {
            throw scoreNode.error(
                e.getKey(),
                "check "
                    + name
                    + " has no such symbol"
                    + DidYouMean.suggest(e.getKey(), new TreeSet<>(scores.keySet())));
          }
          scores.put(e.getKey(), e.getValue());
        }
        if (enabled.get(i)) {
          checks.add(new CheckSettings(check, scores, timeout));
        }
      }
    }
  }

  private record Setup(String name, ConfigNode options, Parser parser) implements CheckSetup {
    @Override
    public <T> T section(ConfigSection<T> section) {
      Object v = parser.sections.get(section.name());
      if (v == null) {
        throw new IllegalArgumentException(
            "check " + name + " needs section " + section.name() + ", which is not registered");
      }
      @SuppressWarnings("unchecked")
      T t = (T) v;
      return t;
    }

    @Override
    public <C extends Check> Supplier<Optional<C>> peer(Class<C> type) {
      return com.google.common.base.Suppliers.memoize(
          () -> {
            if (!parser.built) {
              throw new IllegalStateException(
                  "check " + name + " asked for its peer " + type.getSimpleName() + " too early");
            }
            return parser.checks.stream()
                .map(CheckSettings::check)
                .filter(type::isInstance)
                .map(type::cast)
                .findFirst();
          });
    }
  }

  // ---- YAML ----

  private static Map<String, Object> loadDefaultTree() {
    try (InputStream in = FilterConfig.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + DEFAULTS_RESOURCE);
      }
      return YamlTree.read(
          new String(in.readAllBytes(), StandardCharsets.UTF_8), DEFAULTS_RESOURCE);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + DEFAULTS_RESOURCE, e);
    }
  }
}
