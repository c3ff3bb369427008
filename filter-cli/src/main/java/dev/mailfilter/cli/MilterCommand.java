package dev.mailfilter.cli;

import dev.mailfilter.FilterReloader;
import dev.mailfilter.MailFilter;
import dev.mailfilter.cluster.ClusterNode;
import dev.mailfilter.cluster.TenantStoreException;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.milter.ListenAddress;
import dev.mailfilter.milter.MilterServer;
import dev.mailfilter.milter.MilterSettings;
import dev.mailfilter.ops.OpsServer;
import dev.mailfilter.ops.OpsSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mailfilter milter [--listen ADDR] [--config FILE]}: the milter server for Postfix and
 * Sendmail, until SIGTERM or SIGINT, which let the messages in flight finish ({@code
 * milter.drain_timeout}) before it exits 0. With {@code --config} the file is reloaded on SIGHUP
 * and when it changes; without, the built-in configuration runs. Exit 2 on a usage or configuration
 * error or when the address cannot be bound, with one line saying why.
 */
final class MilterCommand {
  private static final Logger LOG = LoggerFactory.getLogger("dev.mailfilter.milter");

  static final String USAGE = "usage: mailfilter milter [--listen ADDR] [--config FILE]";

  private MilterCommand() {}

  static int run(List<String> argList, PrintStream out, PrintStream err) {
    List<String> args = new ArrayList<>(argList);
    Optional<Path> configFile;
    Options options;
    Optional<ListenAddress> listen = Optional.empty();
    try {
      configFile = ConfigOption.extract(args);
      if (args.contains("--help") || args.contains("-h")) {
        out.println(USAGE);
        out.println("  serves the milter protocol for Postfix (smtpd_milters) and Sendmail.");
        out.println("  --listen ADDR  inet:HOST:PORT, inet6:[ADDRESS]:PORT or unix:/PATH");
        out.println("                 (default: milter.listen, else inet:127.0.0.1:11332)");
        out.println("  --config FILE  the configuration, reloaded on SIGHUP and when it changes");
        out.println("SIGTERM or SIGINT: finish the messages in flight, then exit 0.");
        out.println("exit status: 2 a usage or configuration error, or the address is unusable");
        return 0;
      }
      options = Options.parse(args, Set.of("--listen"), Set.of());
      String text = options.single("--listen", null);
      if (text != null) {
        listen = Optional.of(ListenAddress.parse(text));
      }
    } catch (IllegalArgumentException e) {
      err.println("mailfilter milter: " + e.getMessage());
      return 2;
    }

    FilterReloader reloader = null;
    MailFilter filter = null;
    ClusterNode node = null;
    MilterSettings settings;
    try {
      if (configFile.isPresent() && ClusterNodes.configured(configFile.get())) {
        node = ClusterNode.start(configFile.get(), ServerSections.ALL);
        reloader = node.filters();
        settings = reloader.current().config().section(MilterSettings.SECTION);
      } else if (configFile.isPresent()) {
        reloader =
            FilterReloader.builder(configFile.get())
                .checks(ServerSections.SERVER_CHECKS)
                .sections(ServerSections.ALL)
                .start();
        settings = reloader.current().config().section(MilterSettings.SECTION);
      } else {
        filter = MailFilter.withDefaults();
        settings = MilterSettings.defaults();
      }
    } catch (ConfigException e) {
      err.println("mailfilter milter: " + configFile.get() + ": " + e.getMessage());
      return 2;
    } catch (NoSuchFileException e) {
      err.println("mailfilter milter: " + configFile.get() + ": no such file");
      return 2;
    } catch (IOException | TenantStoreException e) {
      err.println("mailfilter milter: " + configFile.get() + ": " + e.getMessage());
      return 2;
    }
    if (listen.isPresent()) {
      settings = settings.withListen(listen.get());
    }

    MilterServer.Builder builder = MilterServer.builder().settings(settings);
    if (reloader != null) {
      builder.filters(reloader);
    } else {
      builder.filter(filter);
    }
    MilterServer server = builder.build();
    OpsSettings opsSettings =
        reloader != null
            ? reloader.current().config().section(OpsSettings.SECTION)
            : OpsSettings.defaults();
    OpsEndpoint ops;
    try {
      ops =
          OpsEndpoint.start(
              "milter", LOG, OpsSettings.Node.MILTER, opsSettings, OpsServer.registryWithJvm());
    } catch (IOException e) {
      ClusterNodes.closeQuietly(node != null ? node : reloader != null ? reloader : filter);
      err.println("mailfilter milter: " + e.getMessage());
      return 2;
    }
    ops.filters(reloader, filter, node);
    ops.registry().register(NodeMetrics.milter(server));
    Optional<Runnable> reload = Optional.empty();
    if (reloader != null) {
      FilterReloader r = reloader;
      MilterSettings running = settings;
      // On every reload, SIGHUP's or the watcher's: the milter section needs a restart.
      Optional<ListenAddress> given = listen;
      r.onReload(fresh -> warnRestart(r, running, given, fresh));
      reload = Optional.of(() -> reload(r));
    }
    Daemon daemon =
        Daemon.install(
            "milter", LOG, reload, "no --config file, nothing to reload", Optional.empty());
    // The node, when there is one, owns the filters and the store: closing it closes both.
    AutoCloseable owner = node != null ? node : reloader != null ? reloader : filter;
    return daemon.run(server::start, () -> {}, server, owner, err, ops);
  }

  /** SIGHUP: a new filter from the file, or the running one stays and the log says why. */
  private static void reload(FilterReloader reloader) {
    try {
      reloader.reload();
      LOG.info("milter: reloaded {} on SIGHUP", reloader.configFile());
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "milter: reload of {} failed, the running filter stays: {}",
          reloader.configFile(),
          e.getMessage());
    }
  }

  /** One WARN line per {@code milter:} key that differs from the running server's. */
  private static void warnRestart(
      FilterReloader reloader,
      MilterSettings running,
      Optional<ListenAddress> listen,
      MailFilter fresh) {
    MilterSettings now = fresh.config().section(MilterSettings.SECTION);
    if (listen.isPresent()) {
      now = now.withListen(listen.get()); // --listen wins over the file, then as now
    }
    for (String key : Daemon.changedKeys(running, now)) {
      LOG.warn(
          "milter: milter.{} changed in {}; it takes effect at the next start",
          key,
          reloader.configFile());
    }
  }
}
