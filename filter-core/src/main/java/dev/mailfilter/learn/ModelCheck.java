package dev.mailfilter.learn;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Scores;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.Key;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.spi.VerdictListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learning model as a check ({@code checks.model}, settings in the {@code model:} section): at
 * end of data it scores the message and, once the model has learned enough of both classes, adds
 * one graded symbol {@code BAYES_00} .. {@code BAYES_999} with the probability as its option.
 *
 * <p>Without {@code model.path} the check does nothing. Parsing a configuration does not touch the
 * file; building a filter does: with {@code model.required} (the default) a missing, unreadable or
 * damaged file fails the build with a {@code ConfigException} naming {@code model.path}, and the
 * model is then read in the background (see {@link #prepare()}). With {@code model.required: false}
 * a missing file starts an empty model, and a file that cannot be read fails each run (the engine
 * reports {@code CHECK_FAILED_MODEL}).
 *
 * <p>Reload: before each message the check compares the file's modification and status-change
 * times, size and file key (inode) and the checksum in its last four bytes with those of the model
 * it holds (once the file's times lie a clock tick in the past and it was seen unchanged since, a
 * {@code stat} alone: see {@code Stamp.settledAt}); when they differ, as after {@code mailfilter
 * train} replaced the file, it loads the new file and swaps it in atomically, so messages in flight
 * finish on the old model. A new file that cannot be loaded is logged once with the reason and the
 * old model stays; a removed file keeps the old model too.
 *
 * <p>Autolearn ({@code model.autolearn}): as a {@link VerdictListener} the check sees each DATA
 * verdict; when enabled it learns the message as spam if the verdict's score without the model's
 * own {@code BAYES_*} symbol is at least {@code spam_score}, as ham if at most {@code ham_score}
 * (SpamAssassin's rule, so that the model does not reinforce its own opinion). Verdicts with a
 * failed or timed-out check, or a tempfail, are incomplete and not learned. Learning is idempotent.
 * The file is committed after every {@code commit_every} newly learned messages and when the filter
 * closes; when the file was replaced by someone else since the model was loaded, the replacement
 * wins: the pending autolearned messages are dropped (logged) and the new file is loaded.
 */
public final class ModelCheck implements Check, VerdictListener, AutoCloseable {
  /** The message's text, decoded once per transaction for every check that wants it. */
  public static final Key<Document> DOCUMENT = Key.of("learn.document");

  private static final Logger LOG = LoggerFactory.getLogger(ModelCheck.class);

  private static final List<SymbolDef> SYMBOLS =
      Arrays.stream(BayesBand.values())
          .map(
              b ->
                  SymbolDef.of(
                      b.name(),
                      b.defaultScore(),
                      "the learning model puts the spam probability at "
                          + Scores.format(100 * b.lowerBound(), 1)
                          + "% or more"))
          .toList();

  private static final Set<String> OWN_SYMBOLS =
      Arrays.stream(BayesBand.values()).map(Enum::name).collect(Collectors.toUnmodifiableSet());

  /** A model with the state of the file it was read from (empty: there was no file). */
  private record Loaded(SpamModel model, Optional<Stamp> stamp) {}

  /**
   * What tells one version of the model file from another: its modification and (where the file
   * system has them) status-change times, size and file key (inode), and the checksum the file ends
   * with. The checksum is part of it because a file replaced within one tick of the file system's
   * clock may reuse the inode and have the same size and times.
   */
  record Stamp(FileTime modified, FileTime changed, long size, Object fileKey, int checksum) {
    static Optional<Stamp> of(Path path) throws IOException {
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        Attributes a = Attributes.of(path);
        ByteBuffer tail = ByteBuffer.allocate(4);
        long size = ch.size();
        int checksum = -1;
        if (size >= 4 && ch.read(tail, size - 4) == 4) {
          checksum = tail.getInt(0);
        }
        return Optional.of(new Stamp(a.modified(), a.changed(), size, a.fileKey(), checksum));
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
    }

    /** Same times, size and file key: the same file unless replaced within one clock tick. */
    boolean sameAttributes(Attributes a) {
      return sameFile(a.modified(), a.changed(), a.size(), a.fileKey());
    }

    /** Same attributes and checksum (written out: a record's equals is slow before C2). */
    boolean sameAs(Stamp o) {
      return o.checksum == checksum && sameFile(o.modified, o.changed, o.size, o.fileKey);
    }

    private boolean sameFile(FileTime m, FileTime c, long s, Object key) {
      return size == s
          && modified.equals(m)
          && Objects.equals(changed, c)
          && Objects.equals(fileKey, key);
    }

    /**
     * Whether checking the attributes alone is enough from {@code now} on: once the file's times
     * lie more than a tick of its file system's clock in the past, a replacement would carry a
     * later status-change time (which, unlike the modification time, no tool can set back). Only
     * with that time: without it (file systems outside the "unix" view) every check reads the
     * checksum too.
     */
    boolean settledAt(Instant now) {
      if (changed == null) {
        return false;
      }
      Instant latest = modified.toInstant();
      if (changed.toInstant().isAfter(latest)) {
        latest = changed.toInstant();
      }
      return latest.plus(tick(modified, changed)).isBefore(now);
    }

    /**
     * The file system's clock tick, bounded above: times with a fraction of a second come from a
     * clock that ticks every few milliseconds (Linux: a jiffy, at most 10 ms); whole seconds from
     * one that ticks every second or two (FAT, HFS+, ext3).
     */
    static Duration tick(FileTime modified, FileTime changed) {
      boolean fine =
          modified.toInstant().getNano() != 0
              || (changed != null && changed.toInstant().getNano() != 0);
      return fine ? FINE_TICK : COARSE_TICK;
    }
  }

  static final Duration FINE_TICK = Duration.ofMillis(100);
  static final Duration COARSE_TICK = Duration.ofSeconds(3);

  /** The attributes one {@code stat} gives: what {@link Stamp} holds besides the checksum. */
  record Attributes(FileTime modified, FileTime changed, long size, Object fileKey) {
    private static final boolean UNIX =
        FileSystems.getDefault().supportedFileAttributeViews().contains("unix");

    /**
     * The file's attributes; {@code changed} only where the "unix" view gives a status-change time.
     *
     * @throws NoSuchFileException if there is no file
     */
    static Attributes of(Path path) throws IOException {
      if (UNIX && path.getFileSystem() == FileSystems.getDefault()) {
        Map<String, Object> a =
            Files.readAttributes(path, "unix:lastModifiedTime,ctime,size,fileKey");
        return new Attributes(
            (FileTime) a.get("lastModifiedTime"),
            (FileTime) a.get("ctime"),
            (Long) a.get("size"),
            a.get("fileKey"));
      }
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      return new Attributes(a.lastModifiedTime(), null, a.size(), a.fileKey());
    }
  }

  private final ModelSettings settings;
  private final boolean fixed; // over(model): no file to watch
  private final Object lock = new Object();
  private volatile Loaded current;
  // The loaded model whose file was last seen unchanged, checksum and all, after its times had
  // settled (Stamp.settledAt): from then on one stat per message tells whether it changed, instead
  // of an open, a stat and a read.
  private volatile Loaded settled;
  private Optional<Stamp> rejected = Optional.empty(); // guarded by lock
  private int pending; // autolearned since the last commit; guarded by lock

  // The first load, started when a filter with this check is built (prepare()): reading a model
  // file (11 MB for the SpamAssassin corpus) then overlaps the rest of start-up and the other
  // checks of the first messages instead of holding up the first message. Null until prepared,
  // once taken, or when there is nothing to read. Guarded by lock when set.
  private volatile CompletableFuture<Loaded> preload;

  private ModelCheck(ModelSettings settings, SpamModel model) {
    this.settings = settings;
    this.fixed = model != null;
    this.current = model == null ? null : new Loaded(model, Optional.empty());
  }

  /** Factory for {@code checks.model}: it has no options of its own beyond the section. */
  public static ModelCheck create(CheckSetup setup) {
    return new ModelCheck(setup.section(ModelSettings.SECTION), null);
  }

  /**
   * A check over an already open model (for embedders and tests); it does not watch the model's
   * file, and autolearn follows the model's settings.
   */
  public static ModelCheck over(SpamModel model) {
    return new ModelCheck(model.settings(), Objects.requireNonNull(model, "model"));
  }

  @Override
  public String name() {
    return "model";
  }

  @Override
  public Stage stage() {
    return Stage.DATA;
  }

  @Override
  public List<SymbolDef> symbols() {
    return SYMBOLS;
  }

  @Override
  public void run(CheckContext ctx) throws IOException {
    if (!active()) {
      return; // no model file configured: an empty in-memory model could never vote
    }
    Document doc = ctx.computeIfAbsent(DOCUMENT, c -> Document.of(c));
    Prediction p = model().classify(doc);
    Optional<BayesBand> band = p.band();
    if (band.isPresent()) {
      // Not String.format: a Formatter per message, and its locale data at start-up.
      ctx.addSymbol(band.get().name(), "p=" + Scores.format(p.probability(), 4));
    }
  }

  @Override
  public void verdictReached(String transactionId, byte[] raw, Verdict verdict) {
    ModelSettings.Autolearn autolearn = settings.autolearn();
    if (!autolearn.enabled() || !active() || incomplete(verdict)) {
      return;
    }
    double score = 0;
    for (Symbol s : verdict.symbols()) {
      if (!OWN_SYMBOLS.contains(s.name())) {
        score += s.score();
      }
    }
    Optional<Label> label = autolearn.decide(score);
    if (label.isEmpty()) {
      return;
    }
    SpamModel m;
    try {
      m = model();
    } catch (IOException e) {
      LOG.warn("[{}] autolearn skipped: {}", transactionId, e.getMessage());
      return;
    }
    LearnOutcome outcome = m.learn(Document.fromMessage(raw), label.get());
    LOG.debug(
        "[{}] autolearn {} at score {}: {}",
        transactionId,
        label.get(),
        String.format(Locale.ROOT, "%.2f", score),
        outcome);
    if (outcome == LearnOutcome.ALREADY_LEARNED) {
      return;
    }
    synchronized (lock) {
      if (current == null || current.model() != m) {
        return; // the model was swapped meanwhile: this learn went to the discarded one
      }
      if (++pending >= autolearn.commitEvery()) {
        commitPending();
      }
    }
  }

  private static boolean incomplete(Verdict v) {
    if (v.action() == Action.TEMPFAIL) {
      return true;
    }
    for (Symbol s : v.symbols()) {
      if (s.name().startsWith("CHECK_FAILED_") || s.name().startsWith("CHECK_TIMEOUT_")) {
        return true;
      }
    }
    return false;
  }

  private boolean active() {
    return fixed || settings.path().isPresent();
  }

  /** The model, reloaded first if its file changed. */
  private SpamModel model() throws IOException {
    Loaded l = current;
    if (fixed) {
      return l.model();
    }
    if (l == null && preload != null) {
      l = adoptPreload();
    }
    Path path = settings.path().orElseThrow();
    if (l != null && l == settled) {
      try {
        if (l.stamp().orElseThrow().sameAttributes(Attributes.of(path))) {
          return l.model();
        }
      } catch (NoSuchFileException e) {
        return l.model(); // a removed file keeps the model
      }
    }
    Optional<Stamp> now = Stamp.of(path);
    if (l != null && now.isEmpty()) {
      return l.model();
    }
    if (l != null && same(now, l.stamp())) {
      if (now.get().settledAt(Instant.now())) {
        settled = l;
      }
      return l.model();
    }
    synchronized (lock) {
      l = current;
      if (l != null && (same(now, l.stamp()) || same(now, rejected))) {
        return l.model();
      }
      SpamModel fresh;
      try {
        fresh = SpamModel.open(settings);
      } catch (IOException e) {
        if (l == null) {
          throw e;
        }
        rejected = now;
        LOG.warn(
            "model file {} changed but cannot be loaded; keeping the previous model: {}",
            path,
            e.getMessage());
        return l.model();
      }
      if (l != null) {
        TrainingCounts c = fresh.counts();
        LOG.info(
            "model file {} changed: reloaded ({} ham, {} spam learned){}",
            path,
            c.ham(),
            c.spam(),
            pending > 0 ? "; " + pending + " autolearned messages not yet committed dropped" : "");
      }
      // The old model is dropped, not closed: closing would commit it over the new file.
      current = new Loaded(fresh, now);
      rejected = Optional.empty();
      pending = 0;
      return fresh;
    }
  }

  private static boolean same(Optional<Stamp> a, Optional<Stamp> b) {
    return a.isPresent() ? b.isPresent() && a.get().sameAs(b.get()) : b.isEmpty();
  }

  /**
   * Starts reading the model file in the background, once: a configuration parsed but never built
   * into a filter (`config check`, a disabled check) reads nothing.
   */
  @Override
  public void prepare() {
    if (fixed || settings.path().isEmpty()) {
      return;
    }
    Path path = settings.path().get();
    if (settings.required()) {
      verify(path);
    }
    CompletableFuture<Loaded> f;
    synchronized (lock) {
      if (current != null || preload != null) {
        return;
      }
      f = new CompletableFuture<>();
      preload = f;
    }
    Thread.ofVirtual()
        .name("mailfilter-model-load")
        .start(
            () -> {
              try {
                // The stamp first: a file replaced during the load is then seen as changed.
                Optional<Stamp> stamp = Stamp.of(path);
                f.complete(stamp.isEmpty() ? null : new Loaded(SpamModel.open(settings), stamp));
              } catch (IOException | RuntimeException e) {
                f.complete(null); // the first message loads it again and reports what fails
              }
            });
  }

  /**
   * Fails the build of a filter whose required model file is missing or damaged: a typo in {@code
   * model.path} would otherwise leave an empty model that never votes, and a damaged file a failed
   * check on every message.
   *
   * @throws ConfigException naming {@code model.path}, the file and what is wrong with it
   */
  private static void verify(Path path) {
    String reason;
    try {
      FileModelStore.verify(path);
      return;
    } catch (NoSuchFileException e) {
      Path dir = path.toAbsolutePath().getParent();
      reason =
          dir != null && !Files.isDirectory(dir)
              ? "no such directory " + dir + " (for the model file " + path + ")"
              : "no such file " + path;
      reason +=
          "; train one with `mailfilter train --config FILE --spam ... --ham ...`, or set"
              + " model.required: false to start with an empty model";
    } catch (AccessDeniedException e) {
      reason = "permission denied: " + path;
    } catch (IOException e) {
      String message = String.valueOf(e.getMessage());
      reason =
          Files.isDirectory(path)
              ? path + " is a directory, not a model file"
              : (message.contains(path.toString()) ? message : path + ": " + message)
                  + " (retrain it, or restore the file)";
    }
    throw new ConfigException("model.path", reason);
  }

  /** The preloaded model once it is read, made current unless a load beat it; may be null. */
  private Loaded adoptPreload() {
    CompletableFuture<Loaded> f = preload;
    if (f == null) {
      return current;
    }
    Loaded loaded = f.join(); // never fails: a failed load completes with null
    synchronized (lock) {
      if (current == null && loaded != null) {
        current = loaded;
      }
      preload = null;
      return current;
    }
  }

  /** Commits autolearned messages unless the file was replaced meanwhile; holds {@link #lock}. */
  private void commitPending() {
    Loaded l = current;
    pending = 0;
    try {
      if (fixed) {
        l.model().commit();
        return;
      }
      Path path = settings.path().orElseThrow();
      Optional<Stamp> now = Stamp.of(path);
      if (!same(now, l.stamp())) {
        LOG.warn(
            "model file {} was replaced since it was loaded; autolearned messages not committed,"
                + " the new file is loaded on the next message",
            path);
        return;
      }
      l.model().commit();
      current = new Loaded(l.model(), Stamp.of(path));
    } catch (IOException e) {
      LOG.warn("committing autolearned messages to {} failed: {}", settings.path(), e.toString());
    }
  }

  /** Commits autolearned messages (unless the file was replaced meanwhile). */
  @Override
  public void close() {
    synchronized (lock) {
      if (current != null && pending > 0) {
        commitPending();
      }
      if (fixed) {
        try {
          current.model().close();
        } catch (IOException e) {
          throw new UncheckedIOException("closing the model " + settings.path(), e);
        }
      }
    }
  }

  /**
   * Computes only: the model is in memory. Reloading a replaced file and committing autolearned
   * messages read and write a local file, bounded work like the rest; only while one thread reloads
   * do the others wait for it, and one that waits past its deadline is reported as timed out as any
   * check would be.
   */
  @Override
  public boolean blocking() {
    return false;
  }
}
