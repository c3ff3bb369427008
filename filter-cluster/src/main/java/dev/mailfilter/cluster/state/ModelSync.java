package dev.mailfilter.cluster.state;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.FilterReloader;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.learn.Document;
import dev.mailfilter.learn.Label;
import dev.mailfilter.learn.ModelSettings;
import dev.mailfilter.learn.SpamModel;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the nodes of a cluster converge on one learning model. Runs on every node, in a background
 * thread:
 *
 * <ol>
 *   <li><b>One trainer.</b> The nodes compete for a lease key ({@code train:lease}, {@code SET NX}
 *       with a TTL, renewed by its holder at every round). The holder reads the {@linkplain
 *       TrainingEvents training events} after the last one applied, learns them into its working
 *       copy of the model, and publishes the result in one Lua script that checks it still holds
 *       the lease: the model file's bytes ({@code model:blob}), the id of the last event applied
 *       and the version number {@code model:version}, incremented. A trainer that lost its lease (a
 *       pause, a partition) publishes nothing; the next holder starts from the published model and
 *       the published position, so no event is applied twice or skipped.
 *   <li><b>Every node follows.</b> When {@code model:version} is higher than the version it
 *       installed, a node reads the blob and the version together ({@code MGET}, atomic), writes
 *       the blob next to its model file and renames it over the file (atomic on one file system).
 *       The model check sees the file change and the filter's reloader swaps in a filter with the
 *       new model, so a node switches from version N to N+1 between two messages, never
 *       mid-message.
 * </ol>
 *
 * <p>While Redis is unreachable, nodes keep filtering with the model they installed last, and
 * events published meanwhile wait in the stream; they catch up when it returns. Autolearn on the
 * nodes should stay off in a cluster: what a node learns alone is replaced at the next version.
 */
public final class ModelSync implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelSync.class);

  static final String LEASE = "train:lease";
  static final String VERSION = "model:version";
  static final String BLOB = "model:blob";
  static final String APPLIED = "train:applied";

  /** KEYS: lease. ARGV: node, TTL ms. Takes or renews the lease; 1 when this node holds it. */
  static final Script LEASE_SCRIPT =
      Script.of(
          """
          local holder = redis.call('GET', KEYS[1])
          if not holder then
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return 1
          end
          if holder == ARGV[1] then
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
          end
          return 0
          """);

  /**
   * KEYS: lease, blob, applied, version. ARGV: node, blob, last event id, the version the work
   * started from. Publishes when this node still holds the lease and nobody published since;
   * answers the new version, or 0.
   */
  static final Script PUBLISH_SCRIPT =
      Script.of(
          """
          if redis.call('GET', KEYS[1]) ~= ARGV[1] then
            return 0
          end
          if tonumber(redis.call('GET', KEYS[4]) or '0') ~= tonumber(ARGV[4]) then
            return 0
          end
          redis.call('SET', KEYS[2], ARGV[2])
          redis.call('SET', KEYS[3], ARGV[3])
          return redis.call('INCR', KEYS[4])
          """);

  private final SharedRedis redis;
  private final ModelSettings settings;
  private final Path modelFile;
  private final Path workFile;
  private final String node;
  private final Duration poll;
  private final Duration leaseTtl;
  private final Thread thread;
  private final LongConsumer onInstalled;
  private final AtomicLong installed = new AtomicLong();
  private volatile boolean closed;
  private long workVersion = -1;

  private ModelSync(
      SharedRedis redis,
      ModelSettings settings,
      String node,
      Duration poll,
      Duration leaseTtl,
      LongConsumer onInstalled) {
    this.onInstalled = Objects.requireNonNull(onInstalled, "onInstalled");
    this.redis = Objects.requireNonNull(redis, "redis");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.modelFile =
        settings
            .path()
            .orElseThrow(() -> new IllegalArgumentException("model sync needs a model.path"));
    this.workFile = modelFile.resolveSibling(modelFile.getFileName() + ".trainer");
    this.node = Objects.requireNonNull(node, "node");
    this.poll = Objects.requireNonNull(poll, "poll");
    if (leaseTtl.compareTo(poll.multipliedBy(3)) < 0) {
      throw new IllegalArgumentException(
          "the lease (" + leaseTtl + ") must outlast three polls (" + poll + ")");
    }
    this.leaseTtl = leaseTtl;
    this.thread = Thread.ofPlatform().daemon().name("model-sync-" + node).unstarted(this::loop);
  }

  /**
   * Starts following (and, when elected, training) the cluster's model for this node.
   *
   * @param settings the node's model settings; its {@code path} is the file the node's model check
   *     reads, which this replaces with each new version
   * @param node this node's name, unique in the cluster
   * @param poll how often to look for events and versions
   * @param leaseTtl how long a trainer that stopped keeps the lease (at least three polls)
   */
  // The learning package is exported to the cluster module and the command only; so is this
  // method's
  // use.
  @SuppressWarnings("exports")
  public static ModelSync start(
      SharedRedis redis, ModelSettings settings, String node, Duration poll, Duration leaseTtl) {
    return start(redis, settings, node, poll, leaseTtl, v -> {});
  }

  /**
   * As {@link #start(SharedRedis, ModelSettings, String, Duration, Duration)}, calling {@code
   * onInstalled} with each version once its file is in place (a node swaps in its filter there).
   */
  @SuppressWarnings("exports")
  public static ModelSync start(
      SharedRedis redis,
      ModelSettings settings,
      String node,
      Duration poll,
      Duration leaseTtl,
      LongConsumer onInstalled) {
    ModelSync s = new ModelSync(redis, settings, node, poll, leaseTtl, onInstalled);
    s.thread.start();
    return s;
  }

  /**
   * Model sync for a node whose configuration enables it ({@code model_sync.enabled} with a {@code
   * shared_state} Redis): every installed version is swapped in through {@code filters.reload()},
   * so the node's filter uses version N+1 from the message after the install on. Empty when the
   * configuration does not enable it.
   *
   * @throws dev.mailfilter.config.ConfigException when it is enabled without a Redis or without a
   *     {@code model.path}
   */
  public static Optional<ModelSync> forNode(FilterConfig config, FilterReloader filters) {
    ModelSyncSettings sync = config.section(ModelSyncSettings.SECTION);
    if (!sync.enabled()) {
      return Optional.empty();
    }
    StateSettings state = StateSettings.of(config);
    if (!state.shared()) {
      throw new ConfigException(
          "model_sync.enabled",
          "model sync needs the cluster's Redis (redis.uri or redis.sentinels)");
    }
    ModelSettings model = config.section(ModelSettings.SECTION);
    if (model.path().isEmpty()) {
      throw new ConfigException("model_sync.enabled", "model sync needs a model.path to install");
    }
    String node = sync.nodeName();
    return Optional.of(
        start(
            SharedRedis.shared(state),
            model,
            node,
            sync.poll(),
            sync.lease(),
            v -> {
              try {
                filters.reload();
              } catch (IOException | RuntimeException e) {
                // The file is in place: the next reload (or the watcher) reads it.
                LOG.warn(
                    "model version {} installed on {} but the filter was not rebuilt: {}",
                    v,
                    node,
                    e.toString());
              }
            }));
  }

  /**
   * The model version this node installed last (0: none yet); with a listener, set once the
   * listener returned (the filter swapped in).
   */
  public long installedVersion() {
    return installed.get();
  }

  private void loop() {
    while (!closed) {
      try {
        if (redis.awaitAvailable(poll)) {
          train();
          follow();
        }
        Thread.sleep(poll.toMillis());
      } catch (InterruptedException e) {
        return;
      } catch (IOException | RuntimeException e) {
        // One failed round (a damaged blob, a full disk) must not end the node's sync.
        LOG.warn("model sync on {}: {}", node, e.toString());
        try {
          Thread.sleep(poll.toMillis());
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private Duration budget() {
    return Duration.ofSeconds(5);
  }

  private void train() throws InterruptedException, IOException {
    Optional<Long> held =
        redis.eval(
            LEASE_SCRIPT,
            ScriptOutputType.INTEGER,
            List.of(redis.key(LEASE)),
            List.of(node, Long.toString(leaseTtl.toMillis())),
            budget());
    if (held.isEmpty() || held.get() != 1) {
      workVersion = -1;
      return;
    }
    Optional<List<KeyValue<String, byte[]>>> state =
        redis.callBytes(
            c -> c.mget(redis.key(VERSION), redis.key(APPLIED), redis.key(BLOB)), budget());
    if (state.isEmpty()) {
      return;
    }
    long version = number(state.get().get(0));
    String applied =
        state.get().get(1).hasValue()
            ? new String(state.get().get(1).getValue(), StandardCharsets.US_ASCII)
            : "0-0";
    Optional<List<StreamMessage<String, byte[]>>> events =
        redis.callBytes(
            c ->
                c.xrange(
                    redis.key(TrainingEvents.STREAM),
                    Range.from(Range.Boundary.excluding(applied), Range.Boundary.unbounded()),
                    Limit.from(100)),
            budget());
    if (events.isEmpty() || events.get().isEmpty()) {
      return;
    }
    if (workVersion != version) {
      // A new trainer, or another trainer published since: start from the published model.
      Files.deleteIfExists(workFile);
      if (state.get().get(2).hasValue()) {
        write(workFile, state.get().get(2).getValue());
      }
    }
    String last = applied;
    try (SpamModel model = SpamModel.open(settings.toBuilder().path(workFile).build())) {
      for (StreamMessage<String, byte[]> e : events.get()) {
        last = e.getId();
        byte[] label = e.getBody().get("label");
        byte[] msg = e.getBody().get("msg");
        if (label == null || msg == null) {
          LOG.warn("training event {} without label or message: skipped", e.getId());
          continue;
        }
        Label l;
        try {
          l = Label.valueOf(new String(label, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException ex) {
          LOG.warn("training event {} with unknown label: skipped", e.getId());
          continue;
        }
        model.learn(Document.fromMessage(msg), l);
      }
      model.commit();
    }
    byte[] blob = Files.readAllBytes(workFile);
    String lastId = last;
    Optional<Long> published =
        redis.callBytes(
            c ->
                c.eval(
                    PUBLISH_SCRIPT.text(),
                    ScriptOutputType.INTEGER,
                    new String[] {
                      redis.key(LEASE), redis.key(BLOB), redis.key(APPLIED), redis.key(VERSION)
                    },
                    node.getBytes(StandardCharsets.UTF_8),
                    blob,
                    lastId.getBytes(StandardCharsets.US_ASCII),
                    Long.toString(version).getBytes(StandardCharsets.US_ASCII)),
            budget());
    if (published.isEmpty() || published.get() == 0) {
      workVersion = -1;
      return;
    }
    workVersion = published.get();
    LOG.info(
        "model trainer {}: applied {} events, published version {}",
        node,
        events.get().size(),
        workVersion);
  }

  private void follow() throws InterruptedException, IOException {
    Optional<List<KeyValue<String, byte[]>>> v =
        redis.callBytes(c -> c.mget(redis.key(VERSION)), budget());
    if (v.isEmpty() || number(v.get().get(0)) <= installed.get()) {
      return;
    }
    Optional<List<KeyValue<String, byte[]>>> both =
        redis.callBytes(c -> c.mget(redis.key(VERSION), redis.key(BLOB)), budget());
    if (both.isEmpty() || !both.get().get(1).hasValue()) {
      return;
    }
    long version = number(both.get().get(0));
    write(modelFile, both.get().get(1).getValue());
    onInstalled.accept(version);
    installed.set(version);
    LOG.info("node {} installed model version {}", node, version);
  }

  private static long number(KeyValue<String, byte[]> kv) {
    return kv.hasValue() ? Long.parseLong(new String(kv.getValue(), StandardCharsets.US_ASCII)) : 0;
  }

  /** Writes a file whole, then renames it into place: readers see the old or the new file. */
  private static void write(Path file, byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
