package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.FilterReloader;
import dev.mailfilter.MailFilter;
import dev.mailfilter.cluster.ClusterNode;
import dev.mailfilter.cluster.TenantStoreException;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.ops.OpsServer;
import dev.mailfilter.ops.OpsSettings;
import dev.mailfilter.smtp.SmtpServer;
import dev.mailfilter.smtp.SmtpSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mailfilter smtp [--listen HOST:PORT] [--config FILE] [--domain NAME=HOST:PORT ...]}: the
 * filtering SMTP gateway, until SIGTERM or SIGINT, which let transactions in flight finish ({@code
 * smtp.drain_timeout}) before it exits 0. With {@code --config}, the file (with the {@code
 * --domain} entries laid over it) is reloaded on SIGHUP and when it changes: new connections get
 * the new filter, and the {@code smtp:} keys that can change live ({@link SmtpServer#update}); each
 * other changed key is logged. Exit 2 on a usage or configuration error or when the address cannot
 * be bound, with one line saying why.
 */
final class SmtpCommand {
  private static final Logger LOG = LoggerFactory.getLogger("dev.mailfilter.smtp");
  private static final Pattern DOMAIN =
      Pattern.compile(
          "[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?(?:\\.[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?)*");

  static final String USAGE =
      "usage: mailfilter smtp [--listen HOST:PORT] [--config FILE] [--domain NAME=HOST:PORT ...]";

  private SmtpCommand() {}

  static int run(List<String> argList, PrintStream out, PrintStream err) {
    return run(argList, out, err, null);
  }

  /**
   * As {@link #run(List, PrintStream, PrintStream)}; with {@code stop} given (tests), the server
   * runs until it counts down, instead of until SIGTERM or SIGINT.
   */
  static int run(List<String> argList, PrintStream out, PrintStream err, CountDownLatch stop) {
    List<String> args = new ArrayList<>(argList);
    Optional<Path> configFile;
    Optional<InetSocketAddress> listen = Optional.empty();
    StringBuilder domains = new StringBuilder();
    try {
      configFile = ConfigOption.extract(args);
      if (args.contains("--help") || args.contains("-h")) {
        out.println(USAGE);
        out.println(
            "  the filtering SMTP gateway: filters during the SMTP conversation and relays");
        out.println("  accepted mail to each domain's route before it answers the client.");
        out.println("  --listen HOST:PORT        default: smtp.listen, else 127.0.0.1:2525");
        out.println("  --config FILE             the configuration, with its smtp: section;");
        out.println("                            reloaded on SIGHUP and when it changes");
        out.println("  --domain NAME=HOST:PORT   accept mail for NAME, relay it to HOST:PORT");
        out.println("                            (repeatable; laid over the file's domains at");
        out.println("                            every reload)");
        out.println("without any domain every recipient is refused (550 5.7.1).");
        out.println("SIGTERM or SIGINT: finish the transactions in flight, then exit 0.");
        out.println("exit status: 2 a usage or configuration error, or the address is unusable");
        return 0;
      }
      Options options = Options.parse(args, Set.of("--listen", "--domain"), Set.of());
      String text = options.single("--listen", null);
      if (text != null) {
        listen = Optional.of(SmtpSettings.parseListen(text));
      }
      for (String d : options.values("--domain")) {
        domains.append(domainYaml(d));
      }
    } catch (IllegalArgumentException e) {
      err.println("mailfilter smtp: " + e.getMessage());
      return 2;
    }

    // With --config the file is reloaded (SIGHUP, or a change on disk), the --domain entries laid
    // over it at every load.
    FilterReloader reloader = null;
    MailFilter fixed = null;
    ClusterNode node = null;
    SmtpSettings settings;
    try {
      if (configFile.isPresent() && ClusterNodes.configured(configFile.get())) {
        if (!domains.isEmpty()) {
          err.println(
              "mailfilter smtp: --domain cannot be combined with cluster.store in "
                  + configFile.get()
                  + ": the domains come from the tenant store");
          return 2;
        }
        node = ClusterNode.start(configFile.get(), ServerSections.ALL);
        reloader = node.filters();
        settings = reloader.current().config().section(SmtpSettings.SECTION);
      } else if (configFile.isPresent()) {
        String overlay = domains.isEmpty() ? "" : "domains:\n" + domains;
        reloader =
            FilterReloader.builder(configFile.get())
                .checks(ServerSections.SERVER_CHECKS)
                .sections(ServerSections.ALL)
                .overlay(overlay)
                .start();
        settings = reloader.current().config().section(SmtpSettings.SECTION);
      } else {
        FilterConfig.Builder b = FilterConfig.builder();
        ServerSections.ALL.forEach(b::section);
        b.registry(ServerSections.SERVER_CHECKS);
        if (!domains.isEmpty()) {
          b.yaml("domains:\n" + domains);
        }
        FilterConfig config = b.build();
        settings = config.section(SmtpSettings.SECTION);
        fixed = MailFilter.builder().config(config).build();
      }
    } catch (ConfigException e) {
      err.println("mailfilter smtp: " + configFile.map(p -> p + ": ").orElse("") + e.getMessage());
      return 2;
    } catch (NoSuchFileException e) {
      err.println("mailfilter smtp: " + configFile.get() + ": no such file");
      return 2;
    } catch (IOException | TenantStoreException e) {
      err.println("mailfilter smtp: " + configFile.get() + ": " + e.getMessage());
      return 2;
    }
    FilterReloader filters = reloader;
    // The node, when there is one, owns the filters and the store: closing it closes both.
    AutoCloseable owner = node != null ? node : filters != null ? filters : fixed;
    MailFilter filter = fixed;
    Supplier<MailFilter> current = filters != null ? filters::current : () -> filter;
    if (listen.isPresent()) {
      settings = settings.withListen(listen.get());
    }
    OpsSettings opsSettings = current.get().config().section(OpsSettings.SECTION);
    SmtpServer server;
    try {
      SmtpServer.Builder b =
          SmtpServer.builder()
              .filters(current)
              .settings(settings)
              .maxTenants(opsSettings.maxTenants());
      if (node != null) {
        b.replyBranding(node.replyBranding());
      }
      server = b.build();
    } catch (IllegalArgumentException e) {
      ClusterNodes.closeQuietly(owner);
      err.println("mailfilter smtp: " + e.getMessage());
      return 2;
    }
    OpsEndpoint ops;
    try {
      ops =
          OpsEndpoint.start(
              "smtp", LOG, OpsSettings.Node.SMTP, opsSettings, OpsServer.registryWithJvm());
    } catch (IOException e) {
      ClusterNodes.closeQuietly(owner);
      err.println("mailfilter smtp: " + e.getMessage());
      return 2;
    }
    ops.filters(filters, fixed, node);
    ops.registry().register(NodeMetrics.smtp(server));
    Optional<Runnable> reload = Optional.empty();
    if (filters != null) {
      // On every reload, SIGHUP's or the watcher's: the smtp section's keys that can change live
      // are applied for new connections (the certificate among them); the others are named.
      Optional<InetSocketAddress> given = listen;
      filters.onReload(fresh -> apply(server, filters, given, fresh));
      reload = Optional.of(() -> reload(filters));
    }
    Daemon daemon =
        Daemon.install(
            "smtp", LOG, reload, "no --config file, nothing to reload", Optional.ofNullable(stop));
    Runnable warnNoDomains =
        () -> {
          if (!current.get().config().tenants().relayControl()) {
            LOG.warn(
                "smtp: no domains are configured: every recipient is refused (550 5.7.1);"
                    + " give --domain NAME=HOST:PORT or domains: in --config");
          }
        };
    return daemon.run(server::start, warnNoDomains, server, owner, err, ops);
  }

  /** SIGHUP: a new filter from the file, or the running one stays and the log says why. */
  private static void reload(FilterReloader reloader) {
    try {
      reloader.reload();
      LOG.info("smtp: reloaded {} on SIGHUP", reloader.configFile());
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "smtp: reload of {} failed, the running filter stays: {}",
          reloader.configFile(),
          e.getMessage());
    }
  }

  /** The reloaded {@code smtp:} section to the server; one WARN line per key it cannot apply. */
  private static void apply(
      SmtpServer server,
      FilterReloader reloader,
      Optional<InetSocketAddress> listen,
      MailFilter fresh) {
    SmtpSettings next = fresh.config().section(SmtpSettings.SECTION);
    if (listen.isPresent()) {
      next = next.withListen(listen.get()); // --listen wins over the file, then as now
    }
    for (String key : server.update(next)) {
      LOG.warn(
          "smtp: smtp.{} changed in {}; it takes effect at the next start",
          key,
          reloader.configFile());
    }
  }

  /** One {@code --domain NAME=HOST:PORT} as a YAML entry under {@code domains:}. */
  static String domainYaml(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("--domain expects NAME=HOST:PORT, got \"" + spec + "\"");
    }
    String name = spec.substring(0, eq);
    if (!DOMAIN.matcher(name).matches()) {
      throw new IllegalArgumentException("--domain: not a domain name: \"" + name + "\"");
    }
    String target = spec.substring(eq + 1);
    int colon = target.lastIndexOf(':');
    String host = colon > 0 ? target.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(target.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    // Checked here, not looked up: the route's host is resolved when mail is relayed.
    if (host.isEmpty() || !host.matches("[A-Za-z0-9.:-]+") || port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "--domain expects NAME=HOST:PORT with a port 1..65535, got \"" + spec + "\"");
    }
    return "  \"" + name + "\": {route: {host: \"" + host + "\", port: " + port + ", tls: may}}\n";
  }
}
