package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.cluster.ClusterSettings;
import dev.mailfilter.cluster.RedisSettings;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.admin.AdminApi;
import dev.mailfilter.cluster.admin.AdminServer;
import dev.mailfilter.cluster.admin.AdminSettings;
import dev.mailfilter.cluster.admin.ApiKeys;
import dev.mailfilter.cluster.state.ModelSyncSettings;
import dev.mailfilter.cluster.state.SharedRedis;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.cluster.state.TrainingEvents;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.ops.OpsServer;
import dev.mailfilter.ops.OpsSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mailfilter admin [--listen HOST:PORT] (--store DIR | --redis URI) [--keys FILE] [--config
 * FILE] [--new-operator-key]}: the admin API (docs/cluster.md, "Admin API") over the file store or
 * Redis, until SIGTERM or SIGINT. When the key file holds no operator key yet (the first start), or
 * with {@code --new-operator-key}, an operator key is made and printed once on stdout; only its
 * SHA-256 is kept. Exit 2 on a usage or configuration error or when the address cannot be bound.
 */
final class AdminCommand {
  private static final Logger LOG = LoggerFactory.getLogger("dev.mailfilter.admin");

  static final String USAGE =
      "usage: mailfilter admin [--listen HOST:PORT] (--store DIR | --redis URI) [--keys FILE]"
          + " [--config FILE] [--new-operator-key]";

  private AdminCommand() {}

  static int run(List<String> argList, PrintStream out, PrintStream err) {
    return run(argList, out, err, null);
  }

  /**
   * As {@link #run(List, PrintStream, PrintStream)}; with {@code stop} (tests) until it counts
   * down.
   */
  static int run(List<String> argList, PrintStream out, PrintStream err, CountDownLatch stop) {
    List<String> args = new ArrayList<>(argList);
    AdminSettings settings;
    ClusterSettings cluster;
    OpsSettings opsSettings;
    RedisSettings redisSettings;
    StateSettings state;
    String nodeName;
    boolean newOperatorKey;
    try {
      Optional<Path> configFile = ConfigOption.extract(args);
      if (args.contains("--help") || args.contains("-h")) {
        out.println(USAGE);
        out.println(
            "  the admin API: the tenant tree as HTTP JSON resources, API keys per principal");
        out.println("  --listen HOST:PORT     default: admin.listen, else 127.0.0.1:8025");
        out.println("  --store DIR            the embedded file store in DIR");
        out.println("  --redis URI            or the Redis store: redis://HOST:PORT,");
        out.println("                         redis-sentinel://HOST:PORT#NAME");
        out.println("                         (default for both: cluster.store)");
        out.println("  --keys FILE            the API key file of a file store (admin.keys;");
        out.println("                         default DIR/admin-keys.json); with Redis the");
        out.println("                         keys are in the store, shared by every node");
        out.println("  --config FILE          the configuration: admin: and cluster: sections");
        out.println("  --new-operator-key     make another operator key and print it once");
        out.println("the first start makes an operator key and prints it once; keep it.");
        out.println("the API's description: GET /openapi.json");
        out.println("exit status: 2 a usage or configuration error, or the address is unusable");
        return 0;
      }
      Options options =
          Options.parse(
              args,
              Set.of("--listen", "--store", "--redis", "--keys"),
              Set.of("--new-operator-key"));
      FilterConfig config =
          configFile.isPresent()
              ? FilterConfig.load(configFile.get(), ServerSections.ALL)
              : withSections(FilterConfig.builder()).build();
      settings = config.section(AdminSettings.SECTION);
      opsSettings = config.section(OpsSettings.SECTION);
      cluster = config.section(ClusterSettings.SECTION);
      redisSettings = config.section(RedisSettings.SECTION);
      // With the cluster's shared state, users' feedback (POST /v1/feedback) reaches the trainer.
      state = StateSettings.of(config);
      nodeName = config.section(ModelSyncSettings.SECTION).nodeName();
      String listen = options.single("--listen", null);
      if (listen != null) {
        settings = settings.withListen(AdminSettings.parseListen(listen));
      }
      String dir = options.single("--store", null);
      String redis = options.single("--redis", null);
      if (dir != null && redis != null) {
        throw new IllegalArgumentException("give --store DIR or --redis URI, not both");
      }
      if (dir != null) {
        cluster = withStore(cluster, "file:" + dir);
      } else if (redis != null) {
        redisSettings = RedisSettings.of(redis);
        cluster = withStore(cluster, "redis");
      }
      String keys = options.single("--keys", null);
      if (keys != null) {
        settings = settings.withKeys(Path.of(keys));
      }
      newOperatorKey = options.has("--new-operator-key");
      settings.requireSafeTransport();
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("mailfilter admin: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("mailfilter admin: " + e.getMessage());
      return 2;
    }
    Optional<StoreAndKeys> opened =
        StoreAndKeys.open(
            "mailfilter admin", cluster, redisSettings, settings, newOperatorKey, out, err);
    if (opened.isEmpty()) {
      return 2;
    }
    TenantStore store = opened.get().store();
    ApiKeys keys = opened.get().keys();
    // The JDK's server waits forever for a request's headers and body unless told: a client
    // trickling bytes would hold a connection forever. Read once, when the server's class loads,
    // and in seconds; an operator's own -D wins.
    setIfAbsent("sun.net.httpserver.maxReqTime", "30");
    setIfAbsent("sun.net.httpserver.maxRspTime", "60");
    OpsEndpoint ops;
    try {
      ops =
          OpsEndpoint.start(
              "admin", LOG, OpsSettings.Node.ADMIN, opsSettings, OpsServer.registryWithJvm());
    } catch (IOException e) {
      store.close();
      err.println("mailfilter admin: " + e.getMessage());
      return 2;
    }
    ops.registry().register(NodeMetrics.store(store));
    AdminSettings running = settings;
    AdminApi api =
        state.shared()
            ? AdminApi.over(store)
                .withFeedback(
                    TrainingEvents.on(
                        SharedRedis.shared(state), nodeName, AdminApi.MAX_FEEDBACK_BYTES))
            : AdminApi.over(store);
    AdminServer[] server = {null};
    Daemon daemon =
        Daemon.install(
            "admin", LOG, Optional.empty(), "nothing to reload", Optional.ofNullable(stop));
    return daemon.run(
        () -> {
          AdminServer.Builder b =
              AdminServer.builder()
                  .listen(running.listen())
                  .allowPlainHttp(running.allowPlainHttp())
                  .keys(keys)
                  .api(api)
                  .maxBody(running.maxBody());
          running.tls().ifPresent(b::tls);
          server[0] = b.start();
        },
        () ->
            LOG.info(
                "admin listening on {} ({})",
                server[0].address(),
                running.tls().isPresent() ? "https" : "http"),
        () -> {
          if (server[0] != null) {
            server[0].close();
          }
        },
        store,
        err,
        ops);
  }

  private static FilterConfig.Builder withSections(FilterConfig.Builder b) {
    ServerSections.ALL.forEach(b::section);
    return b;
  }

  /** The cluster settings with the store a flag names; a bad Redis address is a usage error. */
  private static ClusterSettings withStore(ClusterSettings c, String store) {
    return new ClusterSettings(
        Optional.of(store),
        c.stateDir(),
        c.keyPrefix(),
        c.replicasToAck(),
        c.ackTimeout(),
        c.commandTimeout(),
        c.streamMaxLength());
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
}
