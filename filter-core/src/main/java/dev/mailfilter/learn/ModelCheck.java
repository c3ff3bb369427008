package dev.mailfilter.learn;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Scores;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.FileBacked;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
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
 * model is then read in the background (see {@link #prepare()}; {@link #load()} waits for it). With
 * {@code model.required: false} a missing file starts an empty model, and a file that cannot be
 * read fails each run (the engine reports {@code CHECK_FAILED_MODEL}).
 *
 * <p>Reload: the check reads its file once. It does not watch it; as a {@link FileBacked} check it
 * tells the filter's one reload mechanism ({@code FilterReloader}) when the file on disk is no
 * longer the one it read (times, size, inode and the checksum in its last four bytes), as after
 * {@code mailfilter train} replaced it, and that builds a new filter and swaps it in, so messages
 * in flight finish on the old model. A removed file is not a change: the model in memory stays.
 *
 * <p>Autolearn ({@code model.autolearn}): as a {@link VerdictListener} the check sees each DATA
 * verdict; when enabled it learns the message as spam if the verdict's score without the model's
 * own {@code BAYES_*} symbol is at least {@code spam_score}, as ham if at most {@code ham_score}
 * (SpamAssassin's rule, so that the model does not reinforce its own opinion). Verdicts with a
 * failed or timed-out check, or a tempfail, are incomplete and not learned. Learning is idempotent.
 * Learning and committing are never on the path of a reply: the verdict's message is queued to one
 * background writer (a virtual thread); when {@value #AUTOLEARN_QUEUE} messages are already waiting
 * the message is dropped and counted ({@link #autolearnDropped()}, logged). The writer commits the
 * file after every {@code commit_every} newly learned messages and when the filter closes (after it
 * has learned what was queued); when the file was replaced by someone else since the model was
 * loaded, the replacement wins: the autolearned messages not yet committed are dropped (logged),
 * and the reload mechanism loads the new file.
 *
 * <p>No monitor is held across file I/O: the load and the commits take a {@link ReentrantLock},
 * which a waiting virtual thread releases its carrier for (a monitor pins it on Java 21).
 */
public final class ModelCheck implements Check, VerdictListener, FileBacked, AutoCloseable {
  /** The message's text, decoded once per transaction for every check that wants it. */
  public static final Key<Document> DOCUMENT = Key.of("learn.document");

  /**
   * Autolearned messages that may wait for the background writer; more are dropped and counted. A
   * thousand messages is seconds of a busy node's mail, and bounds the memory they hold.
   */
  public static final int AUTOLEARN_QUEUE = 1000;

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
   * clock may reuse the inode and have the same size and times. Equal stamps: the same file.
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
  }

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

  /** A message for the autolearn writer. */
  private record Learn(String transactionId, byte[] raw, Label label) {}

  private static final Learn STOP = new Learn("", new byte[0], Label.HAM);

  private final ModelSettings settings;
  private final boolean fixed; // over(model): no file
  // Taken to load the model and to commit it (both file I/O), and to compare the file with the
  // model: a commit then never looks like someone else's change.
  private final ReentrantLock fileLock = new ReentrantLock();
  private volatile Loaded current;

  // The first load, started when a filter with this check is built (prepare()): reading a model
  // file (11 MB for the SpamAssassin corpus) then overlaps the rest of start-up and the other
  // checks of the first messages instead of holding up the first message. Null until prepared,
  // once taken, or when there is nothing to read. Set under fileLock.
  private volatile CompletableFuture<Loaded> preload;

  private final BlockingQueue<Learn> queue;
  private final LongAdder dropped = new LongAdder();
  private final ReentrantLock writerLock = new ReentrantLock(); // starts and stops the writer
  private Thread writer; // guarded by writerLock
  private boolean closed; // guarded by writerLock
  private int pending; // learned since the last commit; the writer's own

  private ModelCheck(ModelSettings settings, SpamModel model, int queueCapacity) {
    this.settings = settings;
    this.fixed = model != null;
    this.current = model == null ? null : new Loaded(model, Optional.empty());
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
  }

  /** Factory for {@code checks.model}: it has no options of its own beyond the section. */
  public static ModelCheck create(CheckSetup setup) {
    return new ModelCheck(setup.section(ModelSettings.SECTION), null, AUTOLEARN_QUEUE);
  }

  /**
   * A check over an already open model (for embedders and tests); it has no file to watch, and
   * autolearn follows the model's settings.
   */
  public static ModelCheck over(SpamModel model) {
    return over(model, AUTOLEARN_QUEUE);
  }

  /** {@link #over(SpamModel)} with another autolearn queue capacity (for tests). */
  static ModelCheck over(SpamModel model, int queueCapacity) {
    Objects.requireNonNull(model, "model");
    return new ModelCheck(model.settings(), model, queueCapacity);
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
  public void verdictReached(String transactionId, ParsedMessage message, Verdict verdict) {
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
    if (label.isPresent()) {
      // A copy: the caller may reuse its buffer once the verdict is returned.
      enqueue(new Learn(transactionId, message.bytes().toByteArray(), label.get()));
    }
  }

  private void enqueue(Learn job) {
    boolean queued;
    writerLock.lock();
    try {
      if (closed) {
        return; // a session cut by the filter's close: its verdict came too late to learn
      }
      if (writer == null) {
        writer = Thread.ofVirtual().name("mailfilter-autolearn").start(this::writeLoop);
      }
      queued = queue.offer(job);
    } finally {
      writerLock.unlock();
    }
    if (!queued) {
      dropped.increment();
      long n = dropped.sum();
      if (n == 1 || n % 1000 == 0) {
        LOG.warn(
            "[{}] autolearn queue full ({} messages waiting for the model file's writer): message"
                + " not learned; {} dropped so far",
            job.transactionId(),
            AUTOLEARN_QUEUE,
            n);
      }
    }
  }

  /** The autolearn writer: learns queued messages and commits, until {@link #close()}. */
  private void writeLoop() {
    int commitEvery = settings.autolearn().commitEvery();
    try {
      for (Learn job = queue.take(); job != STOP; job = queue.take()) {
        learn(job);
        if (pending >= commitEvery) {
          commitPending();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // nobody but the JVM's end interrupts it: commit, end
    }
    commitPending();
  }

  private void learn(Learn job) {
    try {
      LearnOutcome outcome = model().learn(Document.fromMessage(job.raw()), job.label());
      LOG.debug("[{}] autolearn {}: {}", job.transactionId(), job.label(), outcome);
      if (outcome != LearnOutcome.ALREADY_LEARNED) {
        pending++;
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("[{}] autolearn skipped: {}", job.transactionId(), e.toString());
    }
  }

  /** Messages autolearn dropped because its queue was full. */
  public long autolearnDropped() {
    return dropped.sum();
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

  /** The model, read first (or taken from the preload) on the first call. */
  private SpamModel model() throws IOException {
    Loaded l = current;
    if (l != null) {
      return l.model();
    }
    fileLock.lock();
    try {
      l = current;
      if (l == null) {
        CompletableFuture<Loaded> f = preload;
        preload = null;
        if (f != null) {
          l = f.join(); // never fails: a failed preload completes with null
        }
        if (l == null) {
          Path path = settings.path().orElseThrow();
          // The stamp first: a file replaced during the load is then seen as changed.
          Optional<Stamp> stamp = Stamp.of(path);
          l = new Loaded(SpamModel.open(settings), stamp);
        }
        current = l;
      }
      return l.model();
    } finally {
      fileLock.unlock();
    }
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
    fileLock.lock();
    try {
      if (current != null || preload != null) {
        return;
      }
      f = new CompletableFuture<>();
      preload = f;
    } finally {
      fileLock.unlock();
    }
    Thread.ofVirtual()
        .name("mailfilter-model-load")
        .start(
            () -> {
              try {
                Optional<Stamp> stamp = Stamp.of(path);
                f.complete(new Loaded(SpamModel.open(settings), stamp));
              } catch (IOException | RuntimeException e) {
                f.complete(null); // load() or the first message reads it again and reports why
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

  /** Reads the model now unless it is read already; a check without a file has nothing to read. */
  @Override
  public void load() throws IOException {
    if (active()) {
      model();
    }
  }

  /**
   * The stamp of the model file when it is not the one the model was read from (or last committed
   * to); empty when it is, when there is no file (a removed file keeps the model) or nothing is
   * loaded yet.
   */
  @Override
  public Optional<Object> changedOnDisk() throws IOException {
    if (fixed || settings.path().isEmpty()) {
      return Optional.empty();
    }
    fileLock.lock();
    try {
      Loaded l = current;
      if (l == null) {
        return Optional.empty();
      }
      Optional<Stamp> now = Stamp.of(settings.path().get());
      return now.isEmpty() || now.equals(l.stamp()) ? Optional.empty() : Optional.of(now.get());
    } finally {
      fileLock.unlock();
    }
  }

  /** Commits autolearned messages unless the file was replaced meanwhile; the writer's. */
  private void commitPending() {
    if (pending == 0) {
      return;
    }
    int n = pending;
    pending = 0;
    fileLock.lock();
    try {
      Loaded l = current;
      if (fixed) {
        l.model().commit();
        return;
      }
      Path path = settings.path().orElseThrow();
      if (!Stamp.of(path).equals(l.stamp())) {
        LOG.warn(
            "model file {} was replaced since it was loaded; {} autolearned messages not"
                + " committed, the reload loads the new file",
            path,
            n);
        return;
      }
      l.model().commit();
      current = new Loaded(l.model(), Stamp.of(path));
    } catch (IOException e) {
      LOG.warn("committing autolearned messages to {} failed: {}", settings.path(), e.toString());
    } finally {
      fileLock.unlock();
    }
  }

  /**
   * Stops autolearn: the writer learns what is queued, commits (unless the file was replaced
   * meanwhile) and ends; then a model given to {@link #over} is closed. An interrupt ends the wait
   * for the writer early, which then finishes in the background.
   */
  @Override
  public void close() {
    Thread w;
    writerLock.lock();
    try {
      closed = true;
      w = writer;
    } finally {
      writerLock.unlock();
    }
    try {
      if (w != null) {
        queue.put(STOP);
        w.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } finally {
      long n = dropped.sum();
      if (n > 0) {
        LOG.warn("autolearn dropped {} messages while its queue was full", n);
      }
    }
    if (fixed) {
      try {
        current.model().close();
      } catch (IOException e) {
        throw new UncheckedIOException("closing the model", e);
      }
    }
  }

  /**
   * Computes only: the model is in memory. The first message may wait for the model file's read,
   * bounded local work; one that waits past its deadline is reported as timed out as any check
   * would be.
   */
  @Override
  public boolean blocking() {
    return false;
  }
}
