package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.cluster.state.ModelSync;
import dev.mailfilter.cluster.state.ModelSyncSettings;
import dev.mailfilter.cluster.state.SharedRedis;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.learn.ModelSettings;
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
 * {@code mailfilter model-sync --config FILE}: this host's part in the cluster's model without a
 * filter of its own (an admin host, a dedicated trainer): it competes for the trainer's lease,
 * learns the users' reports ({@code POST /v1/feedback}, {@code train --publish}) into the next
 * model version when it holds it, and installs every published version into {@code model.path}.
 * Scanning nodes run the same from {@code model_sync.enabled} and swap each version in. Until
 * SIGTERM or SIGINT; exit 2 on a configuration error.
 */
final class ModelSyncCommand {
  private static final Logger LOG = LoggerFactory.getLogger("dev.mailfilter.model-sync");

  static final String USAGE = "usage: mailfilter model-sync --config FILE";

  private ModelSyncCommand() {}

  static int run(List<String> argList, PrintStream out, PrintStream err) {
    return run(argList, out, err, null);
  }

  /** As above; with {@code stop} (tests) until it counts down. */
  static int run(List<String> argList, PrintStream out, PrintStream err, CountDownLatch stop) {
    List<String> args = new ArrayList<>(argList);
    Path configFile;
    try {
      Optional<Path> file = ConfigOption.extract(args);
      if (args.contains("--help") || args.contains("-h")) {
        out.println(USAGE);
        out.println("  this host's part in the cluster's model: trains when elected (a lease in");
        out.println("  Redis), installs every published model version into model.path.");
        out.println("  needs shared_state (the cluster's Redis) and model.path in the file;");
        out.println("  model_sync.node, .poll and .lease apply.");
        out.println("exit status: 2 a usage or configuration error");
        return 0;
      }
      Options.parse(args, Set.of(), Set.of());
      if (file.isEmpty()) {
        throw new IllegalArgumentException("--config FILE is required");
      }
      configFile = file.get();
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("mailfilter model-sync: " + e.getMessage());
      return 2;
    }
    StateSettings state;
    ModelSettings model;
    ModelSyncSettings sync;
    try {
      FilterConfig c = FilterConfig.load(configFile, ServerSections.CHECKS, ServerSections.ALL);
      state = StateSettings.of(c);
      model = c.section(ModelSettings.SECTION);
      sync = c.section(ModelSyncSettings.SECTION);
      if (!state.shared()) {
        throw new ConfigException("redis.uri", "model sync needs the cluster's Redis");
      }
      if (model.path().isEmpty()) {
        throw new ConfigException("model.path", "model sync needs the file to install into");
      }
    } catch (ConfigException e) {
      err.println("mailfilter model-sync: " + configFile + ": " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("mailfilter model-sync: " + configFile + ": " + e.getMessage());
      return 2;
    }
    SharedRedis redis = SharedRedis.connect(state);
    ModelSync[] running = {null};
    Daemon daemon =
        Daemon.install(
            "model-sync", LOG, Optional.empty(), "nothing to reload", Optional.ofNullable(stop));
    return daemon.run(
        () ->
            running[0] = ModelSync.start(redis, model, sync.nodeName(), sync.poll(), sync.lease()),
        () -> LOG.info("model-sync: node {} following the cluster's model", sync.nodeName()),
        () -> {
          if (running[0] != null) {
            running[0].close();
          }
        },
        redis,
        err);
  }
}
