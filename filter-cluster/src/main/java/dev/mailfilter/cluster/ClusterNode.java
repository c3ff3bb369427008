package dev.mailfilter.cluster;

import dev.mailfilter.BuiltIns;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.FilterReloader;
import dev.mailfilter.MailFilter;
import dev.mailfilter.cluster.events.EventsCheck;
import dev.mailfilter.cluster.state.ModelSync;
import dev.mailfilter.cluster.state.SharedStateChecks;
import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.spi.CheckRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scanning node of the cluster: runs the filter of its configuration file with the tenant tree of
 * a {@link TenantStore}, and follows the store's changes.
 *
 * <ul>
 *   <li>The tree is mirrored in memory at a version; each batch of changes (or a full snapshot when
 *       the node is too far behind, or the store went back) becomes a new {@code tenants} section
 *       laid over the configuration file, and the core's {@link FilterReloader} swaps the new
 *       filter in atomically (sessions in flight finish on the old one, docs/reload.md).
 *   <li>The tree of the running filter is kept in {@code <stateDir>/snapshot.json} (written to a
 *       temporary file, forced, renamed), the <em>last good</em> tree: a node starts from it at
 *       once and filters with it while the store is down, then catches up from its version.
 *   <li>A tree the core refuses as a whole is logged and not applied; the running filter stays and
 *       the next change is tried.
 * </ul>
 */
public final class ClusterNode implements AutoCloseable {
  // A node's file may enable the shared-state checks (checks.greylist...), as every command's may.
  // With the verdict events: a node records every verdict for the map and message tracking.
  private static final CheckRegistry CHECKS =
      EventsCheck.registry(SharedStateChecks.registry(BuiltIns.checks()));

  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

  private final TenantStore store;
  private final Path stateDir;
  private final Duration wait;
  private final TreeModel model = new TreeModel(1);
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition applied = lock.newCondition();
  private volatile Snapshot target; // what the next build uses
  private volatile BrandedReplies brands; // of the running tree
  private Snapshot running; // guarded by lock: the tree of the running filter
  private final FilterReloader filters;
  private final Thread follower;
  // The tree to keep on disk next, written by the keeper thread after the swap: writing a large
  // tree (tens of MB of JSON, forced) is not on the path from a change to the running filter.
  private final AtomicReference<Kept> toKeep = new AtomicReference<>();
  private final Thread keeper;
  private final Optional<ModelSync> modelSync;
  private final boolean ownsStore;
  private final List<ConfigSection<?>> sections;
  private volatile boolean closed;
  private volatile boolean storeDown;
  private String storeId; // of the tree the node keeps; empty before the first sync
  private boolean storeChecked; // since the last failure to reach the store

  private ClusterNode(
      Path configFile,
      Path stateDir,
      TenantStore store,
      Duration wait,
      boolean ownsStore,
      List<ConfigSection<?>> sections)
      throws IOException {
    this.store = store;
    this.sections = withStateSections(sections);
    this.ownsStore = ownsStore;
    this.stateDir = stateDir;
    this.wait = wait;
    Files.createDirectories(stateDir);
    storeId = "";
    Snapshot local = readLocal().orElse(new Snapshot(0, List.of()));
    // A node restarted while its Redis is back empty keeps its tree instead of beginning a store.
    store.expectIdentity(storeId);
    model.reset(local);
    target = local;
    running = local;
    brands = BrandedReplies.of(local);
    // The shared-state checks (checks.greylist...) are known to a node's file, as to every command.
    filters =
        FilterReloader.builder(configFile)
            .checks(CHECKS)
            .sections(this.sections)
            .filter(this::build)
            .start();
    try {
      // With model_sync enabled the node follows the cluster's model too: each published version
      // is swapped in through the same reloader as the tree.
      modelSync = ModelSync.forNode(filters.current().config(), filters);
    } catch (RuntimeException e) {
      filters.close();
      throw e;
    }
    keeper = Thread.ofVirtual().name("mailfilter-cluster-keep").start(this::keep);
    follower = Thread.ofVirtual().name("mailfilter-cluster-follow").start(this::follow);
  }

  /** A tree to keep, with the id of the store it came from. */
  private record Kept(Snapshot snapshot, String storeId) {}

  private void keep() {
    while (!closed) {
      Kept k = toKeep.getAndSet(null);
      if (k == null) {
        LockSupport.park(this);
      } else {
        keepOnDisk(k);
      }
    }
  }

  private void keepOnDisk(Kept k) {
    try {
      writeLocal(k.snapshot(), k.storeId());
    } catch (IOException e) {
      LOG.warn(
          "cannot keep the tenant tree at version {} on disk: {}",
          k.snapshot().version(),
          e.getMessage());
    }
  }

  /** The sections with the shared-state ones ({@code shared_state}, {@code model_sync}) added. */
  private static List<ConfigSection<?>> withStateSections(List<ConfigSection<?>> sections) {
    List<ConfigSection<?>> all = new ArrayList<>(sections);
    for (ConfigSection<?> s : SharedStateChecks.SECTIONS) {
      if (!all.contains(s)) {
        all.add(s);
      }
    }
    return List.copyOf(all);
  }

  /** The model version this node's filter uses, when it runs model sync ({@code model_sync}). */
  public Optional<Long> modelVersion() {
    return modelSync.map(ModelSync::installedVersion);
  }

  /**
   * Starts a node: the filter of {@code configFile} with the last good tree from {@code stateDir}
   * (none on a first start), then follows {@code store} in the background. Does not wait for the
   * store: a node whose store is down starts and filters with what it has.
   *
   * @param configFile the node's own configuration (core keys; its {@code tenants} section, if any,
   *     is replaced by the store's tree once the tree has a domain)
   * @param stateDir where the last good tree is kept
   * @throws IOException when the configuration file or a file it names cannot be read
   * @throws dev.mailfilter.config.ConfigException when the configuration is not valid
   */
  public static ClusterNode start(Path configFile, Path stateDir, TenantStore store)
      throws IOException {
    return start(configFile, stateDir, store, Duration.ofSeconds(5));
  }

  /** {@link #start(Path, Path, TenantStore)} with the longest wait on the store per poll. */
  public static ClusterNode start(Path configFile, Path stateDir, TenantStore store, Duration wait)
      throws IOException {
    Objects.requireNonNull(configFile, "configFile");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(store, "store");
    return new ClusterNode(
        configFile,
        stateDir,
        store,
        wait,
        false,
        List.of(ClusterSettings.SECTION, RedisSettings.SECTION));
  }

  /**
   * Starts a node from its configuration file alone: the store and the state directory come from
   * its {@code cluster} section ({@link ClusterSettings}); the node closes the store when it
   * closes.
   *
   * @throws dev.mailfilter.config.ConfigException when the file is not valid or has no {@code
   *     cluster.store}
   */
  public static ClusterNode start(Path configFile) throws IOException {
    return start(configFile, List.of(ClusterSettings.SECTION, RedisSettings.SECTION));
  }

  /**
   * {@link #start(Path)} for a file that also holds a server's own sections ({@code smtp:}, {@code
   * milter:}): they are loaded with the file at every reload and read back from {@code
   * filters().current().config()}, as with {@link FilterReloader.Builder#sections}.
   *
   * @param extraSections the sections besides the core's; {@code cluster} and {@code redis} are
   *     added when missing
   * @throws dev.mailfilter.config.ConfigException when the file is not valid or has no {@code
   *     cluster.store}
   */
  public static ClusterNode start(Path configFile, List<ConfigSection<?>> extraSections)
      throws IOException {
    Objects.requireNonNull(configFile, "configFile");
    List<ConfigSection<?>> sections = new ArrayList<>(extraSections);
    if (!sections.contains(ClusterSettings.SECTION)) {
      sections.add(ClusterSettings.SECTION);
    }
    FilterConfig loaded = FilterConfig.load(configFile, CHECKS, withStateSections(sections));
    ClusterSettings settings = loaded.section(ClusterSettings.SECTION);
    if (settings.store().isEmpty()) {
      throw new dev.mailfilter.config.ConfigException(
          "cluster.store", "a cluster node needs its tenant store");
    }
    TenantStore store = settings.openStore(loaded.section(RedisSettings.SECTION));
    try {
      return new ClusterNode(
          configFile,
          settings.stateDir(),
          store,
          Duration.ofSeconds(5),
          true,
          List.copyOf(sections));
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private MailFilter build(FilterConfig fileConfig) {
    Snapshot s = target;
    FilterConfig.Builder b = FilterConfig.builder();
    sections.forEach(b::section);
    b.registry(CHECKS);
    FilterConfig config = s.applyTo(b.yaml(fileConfig.toYaml())).build();
    return MailFilter.builder().config(config).build();
  }

  /** The filters: open sessions and classify through it. */
  public FilterReloader filters() {
    return filters;
  }

  /**
   * The gateway's refusals in the brand of the recipient's reseller, following the running tree:
   * give it to {@code SmtpServer.Builder.replyBranding}.
   */
  public dev.mailfilter.smtp.ReplyBranding replyBranding() {
    return (domain, refusal) -> brands.brand(domain, refusal);
  }

  /** The store version of the tree the running filter uses. */
  public long version() {
    lock.lock();
    try {
      return running.version();
    } finally {
      lock.unlock();
    }
  }

  /** Whether the last attempt to reach the store failed. */
  public boolean storeDown() {
    return storeDown;
  }

  /**
   * Waits until the running filter uses a tree at {@code version} or later.
   *
   * @return whether it does within the timeout
   */
  public boolean awaitVersion(long version, Duration timeout) throws InterruptedException {
    long left = timeout.toNanos();
    lock.lock();
    try {
      while (running.version() < version) {
        if (left <= 0) {
          return false;
        }
        left = applied.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void follow() {
    long backoff = 50;
    while (!closed) {
      try {
        if (!storeChecked) {
          String id = store.id();
          if (!id.equals(storeId)) {
            // Another store, or the same one after it lost its data: its tree, not ours.
            if (!storeId.isEmpty()) {
              LOG.warn("the tenant store is not the one of the kept tree: loading its snapshot");
            }
            model.reset(store.snapshot());
            storeId = id;
            storeChecked = true;
            storeUp();
            swapIn(model.snapshot());
            continue;
          }
          storeChecked = true;
        }
        ChangesSince cs = store.changesSince(model.version(), wait);
        if (cs instanceof ChangesSince.Trimmed t) {
          LOG.info(
              "tenant changes after {} are no longer in the store (oldest {}): loading a snapshot",
              model.version(),
              t.oldest());
          model.reset(store.snapshot());
        } else {
          ChangesSince.Changes c = (ChangesSince.Changes) cs;
          if (c.changes().isEmpty()) {
            storeUp();
            continue;
          }
          if (c.changes().getFirst().version() != model.version() + 1) {
            model.reset(store.snapshot()); // a gap: never apply changes out of order
          } else {
            c.changes().forEach(model::apply);
          }
        }
        storeUp();
        backoff = 50;
        swapIn(model.snapshot());
      } catch (InterruptedException e) {
        return;
      } catch (TenantStoreException e) {
        if (closed) {
          return;
        }
        if (!storeDown) {
          LOG.warn(
              "tenant store unreachable, filtering with the tree at version {}: {}",
              version(),
              e.getMessage());
        }
        storeDown = true;
        storeChecked = false;
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          return;
        }
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }

  private void storeUp() {
    if (storeDown) {
      LOG.info("tenant store reachable again");
    }
    storeDown = false;
  }

  private void swapIn(Snapshot next) {
    target = next;
    try {
      filters.reload();
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "tenant tree at version {} not applied, the running filter stays at {}: {}",
          next.version(),
          version(),
          e.getMessage());
      return;
    }
    brands = BrandedReplies.of(next);
    lock.lock();
    try {
      running = next;
      applied.signalAll();
    } finally {
      lock.unlock();
    }
    // Only a tree that is running is kept: it is the last good one. The keeper writes the latest
    // of those it was given; close() writes what is left.
    toKeep.set(new Kept(next, storeId));
    LockSupport.unpark(keeper);
  }

  private Optional<Snapshot> readLocal() {
    Path f = stateDir.resolve("snapshot.json");
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    try {
      Map<String, Object> m = Json.read(Files.readString(f, StandardCharsets.UTF_8));
      storeId = m.get("store_id") instanceof String id ? id : "";
      return Optional.of(Json.snapshot(m));
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("ignoring the local tenant tree {}, will load the store's: {}", f, e.getMessage());
      return Optional.empty();
    }
  }

  private void writeLocal(Snapshot s, String storeId) throws IOException {
    Path tmp = stateDir.resolve("snapshot.json.tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      Map<String, Object> m = new LinkedHashMap<>(Json.snapshot(s));
      m.put("store_id", storeId);
      ByteBuffer buf = ByteBuffer.wrap(Json.write(m).getBytes(StandardCharsets.UTF_8));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, stateDir.resolve("snapshot.json"), StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, stateDir.resolve("snapshot.json"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Stops following and closes the filters (not the store, which the caller owns). */
  @Override
  public void close() {
    closed = true;
    follower.interrupt();
    try {
      follower.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // The keeper is not interrupted (an interrupt closes the file channel mid-write): woken, it
    // ends after the write in hand, and the tree it had not got to is written here.
    LockSupport.unpark(keeper);
    try {
      keeper.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Kept last = toKeep.getAndSet(null);
    if (last != null) {
      keepOnDisk(last);
    }
    modelSync.ifPresent(ModelSync::close);
    filters.close();
    if (ownsStore) {
      store.close();
    }
  }
}
