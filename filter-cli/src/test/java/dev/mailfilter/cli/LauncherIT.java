package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code bin/mailfilter} launcher, run for real on the packaged jar (failsafe runs this after
 * {@code package}) with the JDK that runs the build.
 */
class LauncherIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path LAUNCHER = ROOT.resolve("bin/mailfilter");
  private static final Path JAR = ROOT.resolve("filter-cli/target/mailfilter.jar");
  private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));

  record Run(int code, String out, String err) {}

  private static Run run(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
    // Verdicts must not depend on whether the host has SpamAssassin's rules installed.
    pb.environment().put("MAILFILTER_JAVA_OPTS", "-Dmailfilter.spamassassin.default_paths=none");
    pb.environment().remove("MAILFILTER_JAR");
    pb.environment().put("JAVA_HOME", JAVA_HOME.toString());
    pb.environment().putAll(env);
    Path out = Files.createTempFile("launcher", ".out");
    Path err = Files.createTempFile("launcher", ".err");
    pb.redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("launcher did not finish in 120 s");
    }
    try {
      return new Run(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.delete(out);
      Files.delete(err);
    }
  }

  @Test
  void onJdk25ScansWithTheAotCacheTheBuildTrained(@TempDir Path cache)
      throws IOException, InterruptedException {
    Assumptions.assumeTrue(Runtime.version().feature() >= 25, "AOT caches need JDK 25");
    Path aot = JAR.resolveSibling("mailfilter-" + System.getProperty("java.version") + ".aot");
    assertThat(aot).exists();
    Path log = cache.resolve("aot.log");
    Run r =
        run(
            Map.of(
                "MAILFILTER_CLASS_CACHE",
                cache.toString(),
                "MAILFILTER_JAVA_OPTS",
                "-Xlog:aot:file=" + log),
            "scan",
            "examples/mail");
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).contains("examples/mail/gtube.eml\treject\t").contains("\tGTUBE(1000.00)");
    assertThat(r.code()).isEqualTo(1);
    assertThat(Files.readString(log))
        .contains("Opened AOT cache " + aot)
        .contains("Using AOT-linked classes: true");
    try (Stream<Path> files = Files.list(cache)) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactly("aot.log");
    }
  }

  @Test
  void withoutAnAotCacheKeepsAClassArchiveForTheNextStart(@TempDir Path cache, @TempDir Path bin)
      throws IOException, InterruptedException {
    // A copy of the jar with no AOT cache beside it, as on JDK 21-24 or after moving the jar.
    Path jar = Files.copy(JAR, bin.resolve("mailfilter.jar"));
    Map<String, String> env =
        Map.of("MAILFILTER_CLASS_CACHE", cache.toString(), "MAILFILTER_JAR", jar.toString());
    Run first = run(env, "scan", "examples/mail");
    assertThat(first.err()).isEmpty();
    assertThat(first.out())
        .contains("examples/mail/gtube.eml\treject\t")
        .contains("\tGTUBE(1000.00)")
        .containsPattern("examples/mail/malformed.eml\t(add_header|reject)\t");
    assertThat(first.code()).isEqualTo(1);
    try (Stream<Path> files = Files.list(cache)) {
      assertThat(files.map(f -> f.getFileName().toString()).toList())
          .singleElement()
          .satisfies(n -> assertThat(n).startsWith("classes-").endsWith("-scan.jsa"));
    }
    // The second start maps the archive; its output and exit status are the same.
    Run second = run(env, "scan", "examples/mail");
    assertThat(second).isEqualTo(first);
    // --json output stays clean JSON lines: no JVM log line may reach stdout.
    Run json = run(env, "scan", "--json", "examples/mail");
    assertThat(json.out().lines()).allSatisfy(l -> assertThat(l).startsWith("{\"path\":"));
  }

  @Test
  void runsWithoutACacheWhenToldAndPassesJavaOptionsThrough()
      throws IOException, InterruptedException {
    Run r =
        run(
            Map.of("MAILFILTER_CLASS_CACHE", "off", "MAILFILTER_JAVA_OPTS", "-Dx.y=z -Xmx256m"),
            "scan",
            "examples/mail/alternative.eml");
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).startsWith("examples/mail/alternative.eml\taccept\t");
    assertThat(r.code()).isZero();
    Run bad = run(Map.of("MAILFILTER_JAVA_OPTS", "-Xmx1k"), "scan", "examples/mail");
    assertThat(bad.code()).isNotZero();
  }

  @Test
  void refusesAJavaOlderThan21WithAClearMessage(@TempDir Path jdk)
      throws IOException, InterruptedException {
    Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"17.0.15\"\n");
    Path bin = Files.createDirectories(jdk.resolve("bin"));
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/bin/sh\necho should not run >&2\nexit 99\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Run r = run(Map.of("JAVA_HOME", jdk.toString()), "scan", "examples/mail");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("needs Java 21 or newer").contains("Java 17");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void namesTheMissingJarAndHowToBuildIt(@TempDir Path empty)
      throws IOException, InterruptedException {
    Run r = run(Map.of("MAILFILTER_JAR", empty.resolve("nope.jar").toString()), "scan", "x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("no mailfilter.jar").contains("./mvnw -q -B -DskipTests package");
  }
}
