package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code mailfilter} command in README's shell blocks runs, as written, on the packaged jar
 * (failsafe runs this after {@code package}), and exits with the status README states for it.
 *
 * <p>The rules README follows: a command is a line (or the part after {@code &&} of a line) of a
 * {@code sh}, {@code shell} or {@code bash} block that starts with {@code bin/mailfilter} or {@code
 * mailfilter}; a trailing comment or the comment lines right above it may say {@code exit N} or
 * {@code exit status N}, else it must exit 0; a trailing {@code # needs: SERVICE} marks a command
 * that needs an outside service, which is not run. Each command runs under {@code bash} in a
 * scratch directory that links to the checkout's files, so that what a command writes stays out of
 * the checkout.
 */
class ReadmeCommandsIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern BLOCK_START = Pattern.compile("^```(sh|shell|bash)\\s*$");
  private static final Pattern EXIT = Pattern.compile("\\bexit (?:status )?(\\d)\\b");
  private static final Pattern STACK_FRAME = Pattern.compile("(?m)^\\s+at [\\w.$/]+\\(");

  /** A README command, its expected exit status, and the line it is on. */
  record Command(String line, int expectedExit, int lineNumber, boolean needsService) {}

  static List<Command> readmeCommands() throws IOException {
    List<String> lines = Files.readAllLines(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    List<Command> out = new ArrayList<>();
    boolean inShell = false;
    boolean inFence = false;
    List<String> comments = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith("```")) {
        inShell = !inFence && BLOCK_START.matcher(line).matches();
        inFence = !inFence;
        comments.clear();
        continue;
      }
      if (!inShell) {
        continue;
      }
      String text = line.strip();
      if (text.startsWith("#")) {
        comments.add(text);
        continue;
      }
      int lineNumber = i + 1;
      while (text.endsWith("\\") && i + 1 < lines.size()) {
        text = text.substring(0, text.length() - 1) + " " + lines.get(++i).strip();
      }
      String command = text;
      int and = command.lastIndexOf("&& ");
      if (and >= 0) {
        command = command.substring(and + 3);
      }
      String trailing = "";
      int hash = command.indexOf(" #");
      if (hash >= 0) {
        trailing = command.substring(hash + 2);
        command = command.substring(0, hash).strip();
      }
      if (command.startsWith("bin/mailfilter ") || command.startsWith("mailfilter ")) {
        Matcher own = EXIT.matcher(trailing);
        Matcher above = EXIT.matcher(String.join(" ", comments));
        int expected =
            own.find()
                ? Integer.parseInt(own.group(1))
                : above.find() ? Integer.parseInt(above.group(1)) : 0;
        out.add(new Command(command, expected, lineNumber, trailing.strip().startsWith("needs:")));
      }
      comments.clear();
    }
    return out;
  }

  @Test
  void readmeShowsTheMainCommandsAndTheirStatus() throws IOException {
    List<Command> commands = readmeCommands();
    assertThat(commands).extracting(Command::line).contains("bin/mailfilter scan examples/mail");
    assertThat(commands)
        .filteredOn(c -> c.line().equals("bin/mailfilter scan examples/mail"))
        .extracting(Command::expectedExit)
        .containsOnly(1);
    assertThat(commands).filteredOn(Command::needsService).hasSizeLessThanOrEqualTo(2);
  }

  /** The links to the checkout, removed before the scratch directory is (which warns of each). */
  private final List<Path> links = new ArrayList<>();

  @AfterEach
  void removeLinks() throws IOException {
    for (Path link : links) {
      Files.deleteIfExists(link);
    }
  }

  @TestFactory
  Stream<DynamicTest> everyReadmeCommandRunsWithItsStatedExitStatus(@TempDir Path scratch)
      throws IOException {
    Path work = Files.createDirectories(scratch.resolve("checkout"));
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(ROOT)) {
      for (Path p : entries) {
        if (!p.getFileName().toString().equals(".git")) {
          links.add(Files.createSymbolicLink(work.resolve(p.getFileName()), p));
        }
      }
    }
    Path cache = Files.createDirectories(scratch.resolve("cache"));
    return readmeCommands().stream()
        .filter(c -> !c.needsService())
        .map(
            c ->
                DynamicTest.dynamicTest(
                    "README:" + c.lineNumber() + ": " + c.line(),
                    () -> runAndCheck(c, work, cache, scratch)));
  }

  private static void runAndCheck(Command c, Path work, Path cache, Path scratch)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", c.line()).directory(work.toFile());
    pb.environment().remove("MAILFILTER_JAVA_OPTS");
    pb.environment().remove("MAILFILTER_JAR");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("MAILFILTER_CLASS_CACHE", cache.toString());
    pb.environment()
        .put("PATH", ROOT.resolve("bin") + ":" + pb.environment().getOrDefault("PATH", ""));
    Path out = Files.createTempFile(scratch, "out", ".txt");
    Path err = Files.createTempFile(scratch, "err", ".txt");
    pb.redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("README:" + c.lineNumber() + " did not finish in 120 s");
    }
    String stdout = Files.readString(out, StandardCharsets.UTF_8);
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    String where = "README:" + c.lineNumber() + ": " + c.line() + "\nstderr:\n" + stderr;
    assertThat(p.exitValue()).as(where).isEqualTo(c.expectedExit());
    assertThat(stdout + stderr).as(where).doesNotContain("Exception in thread");
    assertThat(STACK_FRAME.matcher(stdout + stderr).find())
        .as(where + " (a stack trace)")
        .isFalse();
    assertThat(stdout).as(where).isNotBlank();
  }
}
