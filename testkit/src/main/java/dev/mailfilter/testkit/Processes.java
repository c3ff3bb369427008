package dev.mailfilter.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Process plumbing the fixtures share: running a command to completion, stopping by PID, polling.
 */
public final class Processes {
  private Processes() {}

  /** What a finished command gave: its exit status and its output (stdout and stderr merged). */
  public record Result(int exit, String output) {}

  /**
   * Runs {@code command} with stdin from /dev/null and waits up to {@code timeout}; a command that
   * overruns is killed and reported as an {@link AssertionError} with what it printed so far.
   */
  public static Result run(List<String> command, Duration timeout) throws IOException {
    Path out = Files.createTempFile("testkit", ".out");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      boolean done;
      try {
        done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        done = false;
      }
      if (!done) {
        stop(p.toHandle(), Duration.ZERO);
        throw new AssertionError(
            String.join(" ", command)
                + " did not finish within "
                + timeout
                + ": "
                + Files.readString(out, StandardCharsets.UTF_8));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /**
   * Stops a process and its descendants by PID: SIGTERM, then SIGKILL for whatever is still alive
   * after {@code grace}. Waits until they are gone, so that a port or file is free afterwards.
   */
  public static void stop(ProcessHandle process, Duration grace) {
    List<ProcessHandle> all = Stream.concat(process.descendants(), Stream.of(process)).toList();
    all.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    while (System.nanoTime() < deadline && all.stream().anyMatch(ProcessHandle::isAlive)) {
      pause();
    }
    all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    long hard = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < hard && all.stream().anyMatch(ProcessHandle::isAlive)) {
      pause();
    }
  }

  /**
   * Polls {@code condition} every 10 ms until it holds or {@code timeout} passes; returns whether
   * it held. Servers in tests are awaited this way, never with a fixed sleep.
   */
  public static boolean await(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }
}
