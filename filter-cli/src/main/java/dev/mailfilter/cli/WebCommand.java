package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.cluster.ClusterSettings;
import dev.mailfilter.cluster.RedisSettings;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.admin.AdminSettings;
import dev.mailfilter.cluster.admin.ApiKeys;
import dev.mailfilter.cluster.events.EventSettings;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.web.EventPages;
import dev.mailfilter.web.TenantsPage;
import dev.mailfilter.web.WebPage;
import dev.mailfilter.web.WebServer;
import dev.mailfilter.web.WebSettings;
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
 * {@code mailfilter web [--listen HOST:PORT] (--store DIR | --redis URI) [--keys FILE] [--config
 * FILE] [--new-operator-key]}: the web pages (docs/web.md) over the same tenant store and API keys
 * as {@code mailfilter admin}, until SIGTERM or SIGINT. One logs in with one's API key. When the
 * key file holds no operator key yet (the first start), or with {@code --new-operator-key}, an
 * operator key is made and printed once on stdout; only its SHA-256 is kept. Exit 2 on a usage or
 * configuration error or when the address cannot be bound.
 */
final class WebCommand {
  private static final Logger LOG = LoggerFactory.getLogger("dev.mailfilter.web");

  static final String USAGE =
      "usage: mailfilter web [--listen HOST:PORT] (--store DIR | --redis URI) [--keys FILE]"
          + " [--config FILE] [--new-operator-key]";

  private WebCommand() {}

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
    WebSettings web;
    ClusterSettings cluster;
    RedisSettings redisSettings;
    Optional<Path> embedKeyDir;
    boolean newOperatorKey;
    EventSettings events;
    StateSettings state;
    FilterConfig config;
    try {
      Optional<Path> configFile = ConfigOption.extract(args);
      embedKeyDir = configFile.map(f -> f.toAbsolutePath().getParent());
      if (args.contains("--help") || args.contains("-h")) {
        out.println(USAGE);
        out.println(
            "  the web pages: reseller panel and more; log in with an API key of mailfilter admin");
        out.println("  --listen HOST:PORT     default: web.listen, else 127.0.0.1:8026");
        out.println("  --store DIR            the embedded file store in DIR");
        out.println("  --redis URI            or the Redis store: redis://HOST:PORT,");
        out.println("                         redis-sentinel://HOST:PORT#NAME");
        out.println("                         (default for both: cluster.store)");
        out.println("  --keys FILE            the API key file (admin.keys; default");
        out.println("                         DIR/admin-keys.json with a file store)");
        out.println(
            "  --config FILE          the configuration: web:, admin: and cluster: sections");
        out.println("  --new-operator-key     make another operator key and print it once");
        out.println("the first start makes an operator key and prints it once; keep it.");
        out.println("exit status: 2 a usage or configuration error, or the address is unusable");
        return 0;
      }
      Options options =
          Options.parse(
              args,
              Set.of("--listen", "--store", "--redis", "--keys"),
              Set.of("--new-operator-key"));
      config =
          configFile.isPresent()
              ? FilterConfig.load(configFile.get(), ServerSections.ALL)
              : withSections(FilterConfig.builder()).build();
      settings = config.section(AdminSettings.SECTION);
      web = config.section(WebSettings.SECTION);
      cluster = config.section(ClusterSettings.SECTION);
      redisSettings = config.section(RedisSettings.SECTION);
      events = config.section(EventSettings.SECTION);
      state = StateSettings.of(config);
      String listen = options.single("--listen", null);
      if (listen != null) {
        web = web.withListen(AdminSettings.parseListen(listen));
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
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("mailfilter web: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("mailfilter web: " + e.getMessage());
      return 2;
    }
    Optional<StoreAndKeys> opened =
        StoreAndKeys.open(
            "mailfilter web", cluster, redisSettings, settings, newOperatorKey, out, err);
    if (opened.isEmpty()) {
      return 2;
    }
    TenantStore store = opened.get().store();
    ApiKeys keys = opened.get().keys();
    // The key that signs the map's embed links: beside the key file, or beside the configuration.
    Optional<Path> embedKey =
        opened
            .get()
            .keysFile()
            .map(f -> f.resolveSibling("embed-key"))
            .or(() -> embedKeyDir.map(d -> d.resolve("embed-key")));
    if (embedKey.isEmpty()) {
      store.close();
      err.println(
          "mailfilter web: with a Redis store give --config FILE: the key that signs embed links"
              + " is kept beside it (copy it to every web node)");
      return 2;
    }
    // The JDK's server waits forever for a request's headers and body unless told: a client
    // trickling bytes would hold a connection forever. Read once, when the server's class loads,
    // and in seconds; an operator's own -D wins.
    setIfAbsent("sun.net.httpserver.maxReqTime", "30");
    setIfAbsent("sun.net.httpserver.maxRspTime", "60");
    WebSettings running = web;
    List<WebPage> pages;
    try {
      pages = pages(config, events, state, store, embedKey.get(), web);
    } catch (IOException | RuntimeException e) {
      store.close();
      err.println("mailfilter web: " + e.getMessage());
      return 2;
    }
    WebServer[] server = {null};
    Daemon daemon =
        Daemon.install(
            "web", LOG, Optional.empty(), "nothing to reload", Optional.ofNullable(stop));
    return daemon.run(
        () ->
            server[0] =
                WebServer.builder().settings(running).store(store).keys(keys).pages(pages).start(),
        () -> LOG.info("web listening on {}", server[0].address()),
        () -> {
          if (server[0] != null) {
            server[0].close();
          }
        },
        store,
        err);
  }

  /**
   * The pages served, in the navigation bar's order: each feature adds its own line (its pages and
   * what they need from the configuration).
   */
  private static List<WebPage> pages(
      FilterConfig config,
      EventSettings events,
      StateSettings state,
      TenantStore store,
      Path embedKey,
      WebSettings web)
      throws IOException {
    List<WebPage> pages = new ArrayList<>();
    pages.addAll(TenantsPage.panel()); // the reseller panel: tree, settings, brand
    try {
      pages.addAll(QuarantineWeb.pages(config, store)); // the quarantine, when there is one
    } catch (IllegalArgumentException e) {
      throw new IOException("the quarantine pages: " + e.getMessage(), e);
    }
    // The spam-source map, statistics and message tracking over the verdict events.
    pages.addAll(
        EventPages.forServer(
                events,
                state,
                store,
                embedKey,
                "http://" + web.listen().getHostString() + ":" + web.listen().getPort())
            .pages());
    return pages;
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
