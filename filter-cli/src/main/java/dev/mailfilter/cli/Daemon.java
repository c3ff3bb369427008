package dev.mailfilter.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;

/**
 * The run-until-signalled part shared by the long-running commands ({@code milter}, {@code smtp}),
 * so that they stop, drain, reload and log the same way: SIGTERM or SIGINT stop the server
 * gracefully (its own drain timeout) and the command returns 0; SIGHUP runs the reload, one at a
 * time, off the signal thread; the server is closed before the filters it uses.
 *
 * <p>Signals go through {@link Signals} rather than a shutdown hook: a hook cannot choose the exit
 * status and races {@code System.exit} of the main thread, while a handler only counts down a latch
 * and the main thread does the rest.
 */
final class Daemon {
  /** Binds the server and starts accepting; its failure is exit status 2. */
  @FunctionalInterface
  interface Start {
    void start() throws IOException;
  }

  private final String name;
  private final Logger log;
  private final CountDownLatch stop;
  private final ReentrantLock reloading = new ReentrantLock();
  private volatile String stoppedBy = "stop";

  private Daemon(String name, Logger log, CountDownLatch stop) {
    this.name = name;
    this.log = log;
    this.stop = stop;
  }

  /**
   * Installs the signal handlers; call it before the server listens, since a SIGHUP that finds no
   * handler ends the JVM.
   *
   * @param name the command, the prefix of its log lines ({@code smtp})
   * @param reload what SIGHUP does; empty: SIGHUP only logs {@code noReload}
   * @param noReload why there is nothing to reload, logged on SIGHUP when {@code reload} is empty
   * @param stop counted down by SIGTERM and SIGINT; when a test passes its own latch, those two
   *     signals keep their default action, so that the test JVM still ends on them
   */
  static Daemon install(
      String name,
      Logger log,
      Optional<Runnable> reload,
      String noReload,
      Optional<CountDownLatch> stop) {
    Daemon d = new Daemon(name, log, stop.orElseGet(() -> new CountDownLatch(1)));
    if (stop.isEmpty()) {
      d.handle("TERM", () -> d.stop("SIGTERM"));
      d.handle("INT", () -> d.stop("SIGINT"));
    }
    Runnable hup =
        reload.isPresent()
            ? () -> Thread.ofVirtual().name(name + "-sighup").start(() -> d.reload(reload.get()))
            : () -> log.info("{}: SIGHUP: {}", name, noReload);
    d.handle("HUP", hup);
    return d;
  }

  private void handle(String signal, Runnable action) {
    if (!Signals.handle(signal, action)) {
      // A platform without this signal (or the JVM keeps it): the server runs without.
      log.warn("{}: cannot handle SIG{} here", name, signal);
    }
  }

  private void stop(String signal) {
    stoppedBy = signal;
    stop.countDown();
  }

  /** One reload at a time: a second SIGHUP during a slow reload waits, then reloads again. */
  private void reload(Runnable reload) {
    reloading.lock();
    try {
      reload.run();
    } catch (RuntimeException e) {
      log.warn("{}: reload failed, the running configuration stays: {}", name, e.toString());
    } finally {
      reloading.unlock();
    }
  }

  /**
   * Starts the server, waits until stopped, then closes the server (which drains) and after it
   * {@code filters}.
   *
   * @param afterStart run once the server listens, e.g. a warning about the configuration
   * @return 0 after a stop; 2 when the server could not start, with one line on {@code err}
   */
  int run(
      Start start,
      Runnable afterStart,
      AutoCloseable server,
      AutoCloseable filters,
      PrintStream err) {
    return run(start, afterStart, server, filters, err, OpsEndpoint.none(name, log));
  }

  /**
   * As {@link #run(Start, Runnable, AutoCloseable, AutoCloseable, PrintStream)}, telling {@code
   * ops} (the health a load balancer probes) when the server is ready, and that it drains before
   * the server closes its listener; {@code ops} closes last, so that the drain is seen to the end.
   */
  int run(
      Start start,
      Runnable afterStart,
      AutoCloseable server,
      AutoCloseable filters,
      PrintStream err,
      OpsEndpoint ops) {
    Objects.requireNonNull(server, "server");
    try {
      start.start();
      ops.ready(name + " is serving");
      afterStart.run();
      stop.await();
      log.info("{}: {}: shutting down, letting work in flight finish", name, stoppedBy);
      ops.draining(stoppedBy + ": draining, letting work in flight finish");
      return 0;
    } catch (IOException e) {
      err.println("mailfilter " + name + ": " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } finally {
      close(server);
      close(filters);
      ops.close();
    }
  }

  /**
   * The configuration keys, in the file's spelling ({@code read_timeout}), of the components of two
   * settings records of one type that differ.
   */
  static <R extends Record> List<String> changedKeys(R running, R loaded) {
    List<String> keys = new ArrayList<>();
    for (RecordComponent c : running.getClass().getRecordComponents()) {
      try {
        Method get = c.getAccessor();
        if (!Objects.equals(get.invoke(running), get.invoke(loaded))) {
          keys.add(c.getName().replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT));
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + c, e);
      }
    }
    return keys;
  }

  private void close(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // Closing the server and the filters throws nothing checked; anything else is logged, so
      // that the filters are still closed after a failed server close.
      log.warn("{}: closing {} failed: {}", name, c, e.toString());
    }
  }
}
