package dev.mailfilter;

import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.spi.CheckRegistry;
import dev.mailfilter.spi.CheckSettings;
import dev.mailfilter.spi.FileBacked;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one reload mechanism: holds the running {@link MailFilter} built from a configuration file,
 * and replaces it with a new one built from the file when the file or a file it names (the model)
 * changes, or when asked ({@link #reload()}, e.g. on SIGHUP).
 *
 * <p>A reload builds the whole new filter and reads its files before it swaps the reference; a
 * configuration that does not load, or a model file that cannot be read, keeps the running filter
 * and reports why (thrown by {@link #reload()}, logged once per bad version by the watcher). New
 * sessions go to the new filter; sessions in flight finish on the old one, which is closed in the
 * background once they are done (at most {@code reload.drain_timeout} later, see {@link
 * MailFilter#close()}).
 *
 * <p>The watcher is a virtual thread that polls every {@code reload.watch_interval} (2 s by
 * default; 0 turns it off): it compares the configuration file's content with the running one's,
 * and asks each {@link FileBacked} check whether its files changed (the model compares times, size,
 * inode and checksum; its own autolearn commits do not count). DNSBL mirror files are not part of
 * it: a mirror swaps in a changed zone file by itself, without rebuilding the filter.
 *
 * <pre>{@code
 * try (FilterReloader filters = FilterReloader.start(Path.of("/etc/mailfilter.yaml"))) {
 *   try (FilterSession s = filters.open(connection)) { ... }
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class FilterReloader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FilterReloader.class);

  private final Path configFile;
  private final CheckRegistry registry;
  private final List<ConfigSection<?>> extraSections;
  private final Function<FilterConfig, MailFilter> build;
  private final String overlay; // YAML laid over the file at every load; "" for none
  private final List<Consumer<? super MailFilter>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicReference<MailFilter> current = new AtomicReference<>();
  private final ReentrantLock reloadLock = new ReentrantLock(); // one reload at a time
  private final CountDownLatch stop = new CountDownLatch(1);
  private final List<Thread> retiring = new ArrayList<>(); // guarded by reloadLock
  private ByteBuffer configText; // of the running filter; guarded by reloadLock
  private Fingerprint rejected; // the last version that failed to load; guarded by reloadLock
  private boolean closed; // guarded by reloadLock
  private final Thread watcher;
  private final AtomicLong reloads = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile Instant loadedAt;
  private volatile String configSha256;

  /**
   * What the reloader has done since it started, for an operator's figures (a Prometheus endpoint).
   *
   * @param reloads new filters swapped in after the first one, by {@link #reload()} or the watcher
   * @param failures reloads that kept the running filter because the new files did not load (a bad
   *     version that the watcher saw once counts once)
   * @param loadedAt when the running filter was swapped in
   * @param configSha256 the SHA-256 of the running filter's configuration file, in hex: equal on
   *     nodes that run the same file
   */
  public record Status(long reloads, long failures, Instant loadedAt, String configSha256) {
    public Status {
      Objects.requireNonNull(loadedAt, "loadedAt");
      Objects.requireNonNull(configSha256, "configSha256");
    }
  }

  /** What the files were when a reload looked at them: the configuration and the changes seen. */
  private record Fingerprint(ByteBuffer configText, List<Object> changedFiles) {}

  private FilterReloader(
      Path configFile,
      CheckRegistry registry,
      List<ConfigSection<?>> extraSections,
      Function<FilterConfig, MailFilter> build,
      String overlay)
      throws IOException {
    this.configFile = configFile;
    this.registry = registry;
    this.extraSections = extraSections;
    this.build = build;
    this.overlay = overlay;
    ByteBuffer text = read();
    current.set(buildAndLoad());
    configText = text;
    loaded(text);
    watcher = Thread.ofVirtual().name("mailfilter-reload-watch").start(this::watch);
  }

  /**
   * Loads the configuration file, builds a filter with the standard checks, reads the files it
   * names (the model) and starts watching them. {@link #builder(Path)} for anything more.
   *
   * @throws IOException when the file or a file it names cannot be read
   * @throws ConfigException when the configuration is not valid
   */
  public static FilterReloader start(Path configFile) throws IOException {
    return builder(configFile).start();
  }

  /**
   * A reloader of {@code configFile} to configure before it starts: an adapter's own sections, an
   * overlay, other checks, or a filter built its own way.
   *
   * <pre>{@code
   * FilterReloader filters = FilterReloader.builder(file)
   *     .sections(List.of(SmtpSettings.SECTION))
   *     .overlay(commandLineYaml)
   *     .start();
   * }</pre>
   */
  public static Builder builder(Path configFile) {
    return new Builder(Objects.requireNonNull(configFile, "configFile"));
  }

  /** Configures a {@link FilterReloader}; {@link #start()} loads the file and starts watching. */
  public static final class Builder {
    private final Path configFile;
    private CheckRegistry registry = BuiltIns.checks();
    private List<ConfigSection<?>> sections = List.of();
    private String overlay = "";
    private Function<FilterConfig, MailFilter> build =
        config -> MailFilter.builder().config(config).build();

    private Builder(Path configFile) {
      this.configFile = configFile;
    }

    /**
     * The checks the configuration can name, instead of the standard ones: a node with checks of
     * another module ({@code checks.greylist} of the cluster's shared state).
     */
    public Builder checks(CheckRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * An adapter's own top-level sections ({@code milter:}, {@code smtp:}) in the same file, loaded
     * with {@link FilterConfig#load(Path, List)} on every reload and read back from {@code
     * current().config()}.
     */
    public Builder sections(List<ConfigSection<?>> sections) {
      this.sections = List.copyOf(sections);
      return this;
    }

    /**
     * YAML text laid over the file at every load, so that entries given on a command line ({@code
     * mailfilter smtp --domain}) survive a reload. Not valid YAML, or not valid together with the
     * file, is a {@link ConfigException} at {@link #start()}.
     */
    public Builder overlay(String overlay) {
      this.overlay = Objects.requireNonNull(overlay, "overlay");
      return this;
    }

    /**
     * How each loaded configuration becomes a filter, for filters with checks or a policy resolver
     * of their own, or that add to the configuration (the cluster node lays its store's tenant tree
     * over the file).
     */
    public Builder filter(Function<FilterConfig, MailFilter> build) {
      this.build = Objects.requireNonNull(build, "build");
      return this;
    }

    /**
     * Loads the configuration, builds the filter, reads the files it names and starts watching.
     *
     * @throws IOException when the file or a file it names cannot be read
     * @throws ConfigException when the configuration is not valid
     */
    public FilterReloader start() throws IOException {
      return new FilterReloader(configFile, registry, sections, build, overlay);
    }
  }

  /**
   * Runs {@code listener} with each new running filter, right after a reload swapped it in, on the
   * reloading thread (the watcher's, or the caller's of {@link #reload()}): for an adapter to apply
   * its own section of the new configuration whichever way the reload came. A listener that throws
   * is logged and does not undo the reload.
   */
  public void onReload(Consumer<? super MailFilter> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** The running filter: the one new sessions open on. */
  public MailFilter current() {
    return current.get();
  }

  /**
   * Opens a session on the running filter.
   *
   * @throws IllegalStateException once this reloader is closed
   */
  public FilterSession open(Connection connection) {
    while (true) {
      MailFilter f = current.get();
      try {
        return f.open(connection);
      } catch (IllegalStateException e) {
        if (current.get() == f) {
          throw e;
        } // swapped and closed between the read and the open: open on the new one
      }
    }
  }

  /** Classifies one message on the running filter: {@link MailFilter#classify}. */
  public Verdict classify(byte[] raw, Envelope envelope) {
    while (true) {
      MailFilter f = current.get();
      try {
        return f.classify(raw, envelope);
      } catch (IllegalStateException e) {
        if (current.get() == f) {
          throw e;
        }
      }
    }
  }

  /**
   * Reloads now: loads the configuration file again, builds a new filter, reads its files and swaps
   * it in; the old filter closes once its sessions are done.
   *
   * @return the new running filter
   * @throws IOException when the file or a file it names cannot be read; the old filter keeps
   *     running
   * @throws ConfigException when the configuration is not valid; the old filter keeps running
   * @throws IllegalStateException once this reloader is closed
   */
  public MailFilter reload() throws IOException {
    reloadLock.lock();
    try {
      ensureOpen();
      ByteBuffer text;
      MailFilter fresh;
      try {
        text = read();
        fresh = buildAndLoad();
      } catch (IOException | RuntimeException e) {
        failures.incrementAndGet();
        throw e;
      }
      swap(fresh, text);
      return fresh;
    } finally {
      reloadLock.unlock();
    }
  }

  /**
   * Reloads if the configuration file's content or a file it names changed since the running filter
   * was built, what the watcher does every {@code reload.watch_interval}. A version of the files
   * that failed to load is tried once: until one of them changes again it is not retried.
   *
   * @return whether a new filter was swapped in
   * @throws IOException when the new files cannot be read; the old filter keeps running
   * @throws ConfigException when the new configuration is not valid; the old filter keeps running
   */
  public boolean reloadIfChanged() throws IOException {
    reloadLock.lock();
    try {
      ensureOpen();
      ByteBuffer text;
      try {
        text = read();
      } catch (IOException e) {
        // A file removed or unreadable: reported once, as a bad version is.
        Fingerprint unreadable = new Fingerprint(null, List.of(e.getClass().getName()));
        if (unreadable.equals(rejected)) {
          return false;
        }
        rejected = unreadable;
        failures.incrementAndGet();
        throw e;
      }
      List<Object> changed = new ArrayList<>();
      for (CheckSettings c : current.get().checks()) {
        if (c.check() instanceof FileBacked fb) {
          fb.changedOnDisk().ifPresent(changed::add);
        }
      }
      if (changed.isEmpty() && text.equals(configText)) {
        return false;
      }
      Fingerprint seen = new Fingerprint(text, changed);
      if (seen.equals(rejected)) {
        return false;
      }
      MailFilter fresh;
      try {
        fresh = buildAndLoad();
      } catch (IOException | RuntimeException e) {
        rejected = seen;
        failures.incrementAndGet();
        throw e;
      }
      swap(fresh, text);
      LOG.info(
          "reloaded {}: {}",
          configFile,
          changed.isEmpty() ? "the configuration changed" : "a file it names changed");
      return true;
    } finally {
      reloadLock.unlock();
    }
  }

  /**
   * Stops watching and closes the running filter, waiting for its sessions ({@link
   * MailFilter#close()}) and for filters replaced earlier that are still finishing theirs.
   */
  @Override
  public void close() {
    List<Thread> waitFor;
    reloadLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      waitFor = new ArrayList<>(retiring);
    } finally {
      reloadLock.unlock();
    }
    stop.countDown();
    current.get().close();
    try {
      watcher.join();
      for (Thread t : waitFor) {
        t.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the reloader of " + configFile + " is closed");
    }
  }

  private ByteBuffer read() throws IOException {
    return ByteBuffer.wrap(Files.readAllBytes(configFile));
  }

  /** A new filter from the file, its files read; closed again if they cannot be. */
  private MailFilter buildAndLoad() throws IOException {
    MailFilter fresh =
        build.apply(
            overlay.isEmpty()
                ? FilterConfig.load(configFile, registry, extraSections)
                : FilterConfig.load(configFile, registry, extraSections, overlay));
    try {
      for (CheckSettings c : fresh.checks()) {
        if (c.check() instanceof FileBacked fb) {
          try {
            fb.load();
          } catch (IOException e) {
            throw new IOException(
                "check " + c.check().name() + " cannot read its file: " + e.getMessage(), e);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      fresh.close(Duration.ZERO); // never opened: nothing to wait for
      throw e;
    }
    return fresh;
  }

  /** Makes {@code fresh} the running filter and closes the old one once its sessions end. */
  private void swap(MailFilter fresh, ByteBuffer text) {
    MailFilter old = current.getAndSet(fresh);
    configText = text;
    loaded(text);
    reloads.incrementAndGet();
    rejected = null;
    retiring.removeIf(t -> !t.isAlive());
    retiring.add(Thread.ofVirtual().name("mailfilter-retire").start(old::close));
    for (Consumer<? super MailFilter> l : listeners) {
      try {
        l.accept(fresh);
      } catch (RuntimeException e) {
        LOG.warn("after the reload of {}: {}", configFile, e.toString());
      }
    }
  }

  /** The reloads so far and the running configuration's digest. */
  public Status status() {
    return new Status(reloads.get(), failures.get(), loadedAt, configSha256);
  }

  private void loaded(ByteBuffer text) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(text.duplicate());
      configSha256 = HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    loadedAt = Instant.now();
  }

  private void watch() {
    try {
      while (true) {
        Duration every = current.get().config().section(ReloadSettings.SECTION).watchInterval();
        // Off (0): look again in a second whether a reload turned it on.
        long millis = every.isZero() ? 1000 : every.toMillis();
        if (stop.await(millis, TimeUnit.MILLISECONDS)) {
          return;
        }
        if (every.isZero()) {
          continue;
        }
        try {
          reloadIfChanged();
        } catch (IOException | RuntimeException e) {
          if (stop.getCount() == 0) {
            return;
          }
          LOG.warn("reload of {} failed, the running filter stays: {}", configFile, e.toString());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The configuration file this reloader loads. */
  public Path configFile() {
    return configFile;
  }

  @Override
  public String toString() {
    return "FilterReloader[" + configFile + "]";
  }
}
