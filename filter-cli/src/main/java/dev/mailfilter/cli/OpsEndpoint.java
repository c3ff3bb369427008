package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailfilter.FilterReloader;
import dev.mailfilter.MailFilter;
import dev.mailfilter.cluster.ClusterNode;
import dev.mailfilter.ops.FilterMetrics;
import dev.mailfilter.ops.Health;
import dev.mailfilter.ops.OpsServer;
import dev.mailfilter.ops.OpsSettings;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * A long-running command's operations endpoint ({@code ops:}): its metrics registry, its health,
 * and the HTTP server that serves both when one is configured. A default address that is taken (a
 * second node on the host) only warns, since mail matters more than its figures; an address the
 * file gave that cannot be bound stops the command, as its mail listener would.
 */
final class OpsEndpoint implements AutoCloseable {
  private final String name;
  private final Logger log;
  private final Health health;
  private final Duration shutdownDelay;
  private final PrometheusRegistry registry;
  private final OpsServer server; // null: off, or the default address was taken

  private OpsEndpoint(
      String name,
      Logger log,
      Health health,
      Duration shutdownDelay,
      PrometheusRegistry registry,
      OpsServer server) {
    this.name = name;
    this.log = log;
    this.health = health;
    this.shutdownDelay = shutdownDelay;
    this.registry = registry;
    this.server = server;
  }

  /**
   * Starts {@code node}'s endpoint as {@code settings} say, not ready yet.
   *
   * @param registry the node's metrics (with the JVM's: {@link OpsServer#registryWithJvm()})
   * @throws IOException when the token file cannot be read, or an address the file gave cannot be
   *     bound; the message names the key
   */
  static OpsEndpoint start(
      String name,
      Logger log,
      OpsSettings.Node node,
      OpsSettings settings,
      PrometheusRegistry registry)
      throws IOException {
    Health health = Health.starting("starting the " + name + " listener");
    Optional<InetSocketAddress> listen = settings.listen(node);
    String key = "ops.listen." + node.configName();
    if (listen.isEmpty()) {
      log.info("{}: no operations endpoint ({} is off)", name, key);
      return new OpsEndpoint(name, log, health, settings.shutdownDelay(), registry, null);
    }
    Optional<String> token = Optional.empty();
    if (settings.tokenFile().isPresent()) {
      Path file = settings.tokenFile().get();
      try {
        token = Optional.of(Files.readString(file, UTF_8).strip());
      } catch (IOException e) {
        throw new IOException("ops.token_file " + file + ": cannot read it: " + e, e);
      }
    }
    // The JDK's server waits forever for a slow request unless told: read once, in seconds, when
    // its class loads; an operator's own -D wins (as for the admin API).
    setIfAbsent("sun.net.httpserver.maxReqTime", "30");
    setIfAbsent("sun.net.httpserver.maxRspTime", "60");
    OpsServer server;
    try {
      server = OpsServer.start(listen.get(), registry, health, token);
    } catch (IllegalArgumentException e) {
      throw new IOException(
          "ops.token_file " + settings.tokenFile().get() + ": " + e.getMessage(), e);
    } catch (IOException e) {
      String why = key + " " + hostPort(listen.get()) + ": cannot listen: " + e.getMessage();
      if (settings.explicit(node)) {
        throw new IOException(why, e);
      }
      log.warn("{}: {}; running without metrics and health endpoint (set {})", name, why, key);
      return new OpsEndpoint(name, log, health, settings.shutdownDelay(), registry, null);
    }
    log.info(
        "{}: metrics and health on http://{}/metrics, /health/ready",
        name,
        hostPort(server.address()));
    return new OpsEndpoint(name, log, health, settings.shutdownDelay(), registry, server);
  }

  /** A command without an endpoint (a test's): health and registry only. */
  static OpsEndpoint none(String name, Logger log) {
    return new OpsEndpoint(
        name, log, Health.starting("starting"), Duration.ZERO, new PrometheusRegistry(), null);
  }

  private static String hostPort(InetSocketAddress a) {
    String host = a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  Health health() {
    return health;
  }

  PrometheusRegistry registry() {
    return registry;
  }

  /**
   * Registers the filter's figures ({@code reloader}'s, else {@code fixed}'s) and the cluster
   * node's, and names the running configuration in the health answers: its SHA-256, and for a
   * cluster node the store version and whether the store answers (which do not change readiness: a
   * node with its store down filters on its last good tree).
   */
  void filters(FilterReloader reloader, MailFilter fixed, ClusterNode node) {
    registry.register(
        reloader != null ? FilterMetrics.of(reloader) : FilterMetrics.of(() -> fixed));
    if (node != null) {
      registry.register(NodeMetrics.cluster(node));
    }
    health.details(
        () -> {
          Map<String, Object> d = new LinkedHashMap<>();
          if (reloader != null) {
            d.put("config_sha256", reloader.status().configSha256());
          }
          if (node != null) {
            d.put("config_version", node.version());
            d.put("store", node.storeDown() ? "down" : "up");
          }
          return d;
        });
  }

  /** Where the endpoint listens; empty when it does not. */
  Optional<InetSocketAddress> address() {
    return server == null ? Optional.empty() : Optional.of(server.address());
  }

  /** The node serves: the configuration is loaded and the listener up. */
  void ready(String reason) {
    health.ready(reason);
  }

  /**
   * The node stops: not ready from now on, then {@code ops.shutdown_delay} for a balancer's next
   * probe before the caller closes the listener and drains.
   */
  void draining(String reason) {
    health.draining(reason);
    if (server != null && shutdownDelay.isPositive()) {
      log.info("{}: not ready; closing the listener in {}", name, shutdownDelay);
      try {
        Thread.sleep(shutdownDelay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
}
