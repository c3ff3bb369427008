package dev.mailfilter.sa;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Stage;
import dev.mailfilter.message.MessageBodies;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.FileBacked;
import dev.mailfilter.spi.Key;
import dev.mailfilter.spi.SymbolDef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code spamassassin} check: runs SpamAssassin rules read from the configured paths ({@link
 * SpamAssassinSettings}) on the message at end of data; each rule that hits is a symbol with
 * SpamAssassin's score (set 2, "local tests and Bayes"), which {@code checks.spamassassin.scores}
 * can override. Sub-rules ({@code __}) and metas run but only scored rules report.
 *
 * <p>Rules are read when a configuration is parsed (the check must declare its symbols), once per
 * set of paths and file versions: configurations parsed again over unchanged files share one {@link
 * RuleSet}. One INFO line per read says how many rules loaded and how many were unsupported or
 * skipped; {@code mailfilter rules check} lists them.
 */
public final class SpamAssassinCheck implements Check, FileBacked {
  private static final Logger LOG = LoggerFactory.getLogger(SpamAssassinCheck.class);
  private static final Key<SaMessage> MESSAGE = Key.of("spamassassin-message");
  private static final Map<List<Path>, Loaded> CACHE = new ConcurrentHashMap<>();

  /** A rule set and the version of the files it was read from. */
  private record Loaded(RuleSet rules, List<Object> stamp) {}

  private final SpamAssassinSettings settings;
  private final Loaded loaded;
  private final Map<String, Rule> scored;

  private SpamAssassinCheck(SpamAssassinSettings settings, Loaded loaded) {
    this.settings = settings;
    this.loaded = loaded;
    this.scored = loaded.rules().scored();
  }

  /**
   * Factory for {@code checks.spamassassin}; the paths come from the {@code spamassassin} section.
   */
  public static SpamAssassinCheck create(CheckSetup setup) {
    return of(setup.section(SpamAssassinSettings.SECTION));
  }

  /** A check over the rules of these settings, read now unless read before from the same files. */
  public static SpamAssassinCheck of(SpamAssassinSettings settings) {
    Objects.requireNonNull(settings, "settings");
    return new SpamAssassinCheck(settings, rulesFor(settings.paths()));
  }

  private static Loaded rulesFor(List<Path> paths) {
    if (paths.isEmpty()) {
      return new Loaded(RuleSet.empty(), List.of());
    }
    Loaded l = CACHE.get(paths);
    if (l != null && stamp(paths, l.rules()).equals(l.stamp())) {
      return l;
    }
    long start = System.nanoTime();
    RuleSet rules = RuleSet.load(paths);
    l = new Loaded(rules, stamp(paths, rules));
    CACHE.put(paths, l);
    int skipped = rules.skippedCounts().values().stream().mapToInt(Integer::intValue).sum();
    LOG.info(
        "SpamAssassin rules from {}: {} loaded from {} files in {} ms, {} unsupported, {} lines"
            + " skipped{} (`mailfilter rules check` lists them)",
        paths,
        rules.loaded(),
        rules.files().size(),
        (System.nanoTime() - start) / 1_000_000,
        rules.unsupported().size(),
        skipped,
        rules.errors().isEmpty() ? "" : ", " + rules.errors().size() + " unreadable paths");
    for (Problem p : rules.errors()) {
      LOG.warn("SpamAssassin rules: {}", p);
    }
    return l;
  }

  /**
   * What tells one version of the rule files from another: the configured directories' listings and
   * the modification time and size of each file read.
   */
  private static List<Object> stamp(List<Path> paths, RuleSet rules) {
    List<Object> out = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          s.map(Path::getFileName).map(Path::toString).sorted().forEach(out::add);
        } catch (IOException e) {
          out.add(e.toString());
        }
      } else {
        files.add(p);
      }
    }
    files.addAll(rules.files());
    for (Path f : files) {
      try {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        out.add(f + "@" + a.lastModifiedTime() + "/" + a.size());
      } catch (IOException e) {
        out.add(f + ":" + e.getClass().getSimpleName());
      }
    }
    return out;
  }

  /** The rules this check runs. */
  public RuleSet rules() {
    return loaded.rules();
  }

  @Override
  public String name() {
    return "spamassassin";
  }

  @Override
  public Stage stage() {
    return Stage.DATA;
  }

  @Override
  public List<SymbolDef> symbols() {
    return loaded.rules().symbols();
  }

  @Override
  public void run(CheckContext ctx) {
    RuleSet rules = loaded.rules();
    if (rules.loaded() == 0) {
      return;
    }
    SaMessage m = ctx.computeIfAbsent(MESSAGE, SpamAssassinCheck::message);
    Map<String, Integer> hits = rules.run(m, Guard.within(ctx.remaining().toNanos()));
    for (Map.Entry<String, Integer> e : hits.entrySet()) {
      Rule r = scored.get(e.getKey());
      if (r == null) {
        continue;
      }
      String symbol = r.symbol().orElseThrow();
      if (r.multiple() && e.getValue() > 1) {
        // SpamAssassin adds the score once per hit of a multiple rule.
        ctx.addWeighted(symbol, e.getValue(), "hits=" + e.getValue());
      } else {
        ctx.addSymbol(symbol);
      }
    }
  }

  /** The texts of the transaction's message, as the rules read them. */
  private static SaMessage message(CheckContext ctx) {
    SaMessage m = SaMessage.of(ctx.message(), ctx.envelope().sender(), MessageBodies.of(ctx));
    // Port 0: no live client (stored mail classified by an embedder or the CLI): the message's
    // own trace fields are the whole path.
    if (ctx.connection().clientPort() != 0) {
      m.currentHop(currentHop(ctx.connection(), ctx.envelope().helo(), ctx.transactionId()));
    }
    return m;
  }

  /**
   * The trace field an MTA would have written for this handover, in Postfix's form ({@code from
   * HELO (RDNS [IP]) by ...}), which SpamAssassin's parser reads as a looked-up reverse name
   * ({@code unknown} when there is none) and, with AUTH, as authenticated.
   */
  static String currentHop(Connection c, String helo, String id) {
    String h = helo.isBlank() ? "unknown" : helo.strip().replaceAll("[\\s()]+", "_");
    String ip =
        c.clientAddress() instanceof java.net.Inet6Address
            ? "IPv6:" + InetAddresses.toAddrString(c.clientAddress())
            : c.clientAddress().getHostAddress();
    String proto =
        "ESMTP"
            + (c.tlsInfo().isPresent() ? "S" : "")
            + (c.authenticatedUser().isPresent() ? "A" : "");
    return "from "
        + h
        + " ("
        + c.reverseName().orElse("unknown")
        + " ["
        + ip
        + "]) by mailfilter (mailfilter) with "
        + proto
        + " id "
        + id;
  }

  /** Computes only: every pattern runs under the check's deadline (see {@link Guard}). */
  @Override
  public boolean blocking() {
    return false;
  }

  /** The rules are read when the check is made; nothing is left to read. */
  @Override
  public void load() {}

  @Override
  public Optional<Object> changedOnDisk() {
    if (settings.paths().isEmpty()) {
      return Optional.empty();
    }
    List<Object> now = stamp(settings.paths(), loaded.rules());
    return now.equals(loaded.stamp()) ? Optional.empty() : Optional.of(now);
  }
}
