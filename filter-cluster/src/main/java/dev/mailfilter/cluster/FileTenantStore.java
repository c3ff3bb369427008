package dev.mailfilter.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store of a single node: a directory with a journal and a snapshot, no server.
 *
 * <ul>
 *   <li>{@code journal.jsonl}: one JSON line per change, appended and forced to disk before the
 *       write answers; it is the audit log and is never truncated.
 *   <li>{@code snapshot.json}: the whole tree at a version, rewritten every {@value #COMPACT_EVERY}
 *       changes (written to a temporary file, forced, and renamed over the old one), so a start
 *       replays at most that many journal lines after reading it.
 *   <li>{@code lock}: held while the store is open, so that two processes cannot write the same
 *       directory.
 * </ul>
 *
 * <p>A crash during an append leaves a partial last line: it is cut off at the next start (that
 * write never answered). A bad line before the last is corruption and refuses the start with the
 * file and line. The tree is kept in memory (the node filters from it anyway); the change log for
 * {@link #changesSince} keeps the last {@value #KEEP_CHANGES} changes in memory, older callers get
 * {@link ChangesSince.Trimmed}.
 */
public final class FileTenantStore implements TenantStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileTenantStore.class);
  static final int COMPACT_EVERY = 1000;
  static final int KEEP_CHANGES = 10_000;

  private final Path dir;
  private final Path journal;
  private final Path snapshotFile;
  private final Clock clock;
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  private final FileChannel journalChannel;
  private final TreeModel model = new TreeModel(KEEP_CHANGES);
  private long snapshotVersion;
  private final String id;
  private boolean closed;
  // A lock, not a monitor: the writes do file I/O (docs/reload.md, virtual threads).
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  private FileTenantStore(Path dir, Clock clock) throws IOException {
    this.dir = dir;
    this.clock = clock;
    this.journal = dir.resolve("journal.jsonl");
    this.snapshotFile = dir.resolve("snapshot.json");
    Files.createDirectories(dir);
    lockChannel =
        FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      lockChannel.close();
      throw new TenantStoreException("tenant store " + dir + " is open in another process");
    }
    fileLock = l;
    try {
      id = readOrCreateId();
      load();
      journalChannel =
          FileChannel.open(
              journal,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.APPEND);
    } catch (IOException | RuntimeException e) {
      fileLock.release();
      lockChannel.close();
      throw e;
    }
  }

  /**
   * Opens (or creates) the store in a directory.
   *
   * @throws TenantStoreException when the directory cannot be used, is open in another process, or
   *     holds corrupt data
   */
  public static FileTenantStore open(Path dir) {
    return open(dir, Clock.systemUTC());
  }

  /** {@link #open(Path)} with the clock of the change times (for tests). */
  public static FileTenantStore open(Path dir, Clock clock) {
    Objects.requireNonNull(dir, "dir");
    try {
      return new FileTenantStore(dir, clock);
    } catch (IOException e) {
      throw new TenantStoreException("cannot open tenant store " + dir + ": " + e.getMessage(), e);
    }
  }

  private String readOrCreateId() throws IOException {
    Path f = dir.resolve("id");
    if (!Files.exists(f)) {
      Path tmp = dir.resolve("id.tmp");
      Files.writeString(tmp, java.util.UUID.randomUUID().toString(), StandardCharsets.UTF_8);
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
    }
    String v = Files.readString(f, StandardCharsets.UTF_8).strip();
    if (v.isEmpty()) {
      throw new TenantStoreException("corrupt " + f + ": empty");
    }
    return v;
  }

  @Override
  public String id() {
    return id;
  }

  private void load() throws IOException {
    if (Files.exists(snapshotFile)) {
      String text = Files.readString(snapshotFile, StandardCharsets.UTF_8);
      try {
        model.reset(Json.snapshot(Json.read(text)));
      } catch (IllegalArgumentException e) {
        throw new TenantStoreException("corrupt " + snapshotFile + ": " + e.getMessage(), e);
      }
      snapshotVersion = model.version();
    }
    if (!Files.exists(journal)) {
      return;
    }
    long goodBytes = 0;
    long lineNo = 0;
    String pending = null;
    long pendingLine = 0;
    try (BufferedReader r = Files.newBufferedReader(journal, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (pending != null) {
          throw new TenantStoreException(
              "corrupt " + journal + " line " + pendingLine + ": " + pending);
        }
        Change c;
        try {
          c = Json.change(Json.read(line));
        } catch (IllegalArgumentException e) {
          pending = e.getMessage();
          pendingLine = lineNo;
          continue;
        }
        if (c.version() > model.version()) {
          try {
            model.apply(c);
          } catch (IllegalStateException e) {
            throw new TenantStoreException(
                "corrupt " + journal + " line " + lineNo + ": " + e.getMessage(), e);
          }
        }
        goodBytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
      }
    }
    long size = Files.size(journal);
    if (goodBytes < size) {
      // The last append did not finish (a crash): that write never answered, so it is dropped.
      try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE)) {
        ch.truncate(goodBytes);
        ch.force(true);
      }
    }
  }

  @Override
  public Optional<Tenant> get(TenantPath path) {
    return locked(
        () -> {
          open();
          return model.get(path);
        });
  }

  @Override
  public TenantPage children(TenantPath parent, Optional<String> cursor, int limit) {
    return locked(
        () -> {
          open();
          return model.children(parent, cursor, limit);
        });
  }

  @Override
  public WriteResult create(
      TenantPath path, Settings settings, Optional<Brand> brand, String principal) {
    return locked(
        () -> {
          open();
          return commit(
              model.prepareCreate(path, settings, brand, principal(principal), clock.instant()));
        });
  }

  @Override
  public WriteResult update(
      TenantPath path,
      long expectedVersion,
      Settings settings,
      Optional<Brand> brand,
      String principal) {
    return locked(
        () -> {
          open();
          return commit(
              model.prepareUpdate(
                  path, expectedVersion, settings, brand, principal(principal), clock.instant()));
        });
  }

  @Override
  public WriteResult delete(
      TenantPath path, long expectedVersion, boolean withSubtree, String principal) {
    return locked(
        () -> {
          open();
          return commit(
              model.prepareDelete(
                  path, expectedVersion, withSubtree, principal(principal), clock.instant()));
        });
  }

  private WriteResult commit(Object prepared) {
    if (prepared instanceof WriteResult r) {
      return r;
    }
    Change c = (Change) prepared;
    Tenant before = model.get(c.path()).orElse(null);
    byte[] line = (Json.write(Json.change(c)) + "\n").getBytes(StandardCharsets.UTF_8);
    long end = -1;
    try {
      end = journalChannel.size();
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        journalChannel.write(buf);
      }
      journalChannel.force(false);
    } catch (IOException e) {
      // Cut a partial line off, so that the next append does not follow it (it would read as
      // corruption in the middle of the journal).
      if (end >= 0) {
        try {
          journalChannel.truncate(end);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new TenantStoreException("cannot append to " + journal + ": " + e.getMessage(), e);
    }
    model.apply(c);
    changed.signalAll();
    if (model.version() - snapshotVersion >= COMPACT_EVERY) {
      writeSnapshot();
    }
    return model.written(c, before);
  }

  private void writeSnapshot() {
    Snapshot s = model.snapshot();
    Path tmp = dir.resolve("snapshot.json.tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf =
            ByteBuffer.wrap(Json.write(Json.snapshot(s)).getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, snapshotFile, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, snapshotFile, StandardCopyOption.REPLACE_EXISTING);
      }
      snapshotVersion = s.version();
    } catch (IOException e) {
      // The journal still holds every change: a failed snapshot only makes the next start slower,
      // and the write it follows is committed, so it is not failed for it.
      snapshotVersion = s.version();
      LOG.warn(
          "cannot write {}, the journal still holds every change: {}", snapshotFile, e.toString());
    }
  }

  @Override
  public ChangesSince changesSince(long version) {
    return locked(
        () -> {
          open();
          return model.changesSince(version);
        });
  }

  @Override
  public Snapshot snapshot() {
    return locked(
        () -> {
          open();
          return model.snapshot();
        });
  }

  @Override
  public long version() {
    return locked(
        () -> {
          open();
          return model.version();
        });
  }

  @Override
  public List<Change> audit(TenantPath under, long afterVersion, int limit) {
    if (limit < 1 || limit > 10_000) {
      throw new IllegalArgumentException("limit must be 1 to 10000, got " + limit);
    }
    // Under the lock, so that no append is read half-written.
    return locked(() -> readAudit(under, afterVersion, limit));
  }

  private List<Change> readAudit(TenantPath under, long afterVersion, int limit) {
    open();
    List<Change> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(journal, StandardCharsets.UTF_8)) {
      String line;
      while (out.size() < limit && (line = r.readLine()) != null) {
        Change c = Json.change(Json.read(line));
        if (c.version() > afterVersion && under.contains(c.path())) {
          out.add(c);
        }
      }
    } catch (IOException e) {
      throw new TenantStoreException("cannot read " + journal + ": " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      changed.signalAll();
      journalChannel.close();
      fileLock.release();
      lockChannel.close();
    } catch (IOException e) {
      throw new TenantStoreException("cannot close tenant store " + dir, e);
    } finally {
      lock.unlock();
    }
  }

  private <T> T locked(Supplier<T> action) {
    lock.lock();
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ChangesSince changesSince(long version, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    lock.lock();
    try {
      while (true) {
        open();
        ChangesSince c = model.changesSince(version);
        long left = deadline - System.nanoTime();
        if (!(c instanceof ChangesSince.Changes ch) || !ch.changes().isEmpty() || left <= 0) {
          return c;
        }
        changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private void open() {
    if (closed) {
      throw new IllegalStateException("tenant store " + dir + " is closed");
    }
  }

  private static String principal(String principal) {
    if (principal == null || principal.isBlank()) {
      throw new IllegalArgumentException("a change needs a principal");
    }
    return principal;
  }
}
