package dev.mailfilter.cli;

import static dev.mailfilter.cli.CommandTestSupport.TESTDATA;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One exit convention for every command: 0 done and nothing spam (nor listed), 1 some spam (or
 * listed), 2 a usage or input error; {@code --help} prints the command's usage on stdout and exits
 * 0; no run prints a stack trace.
 */
class ExitStatusTest {
  static final List<String> COMMANDS =
      List.of(
          "scan", "inspect", "config", "train", "eval", "lookup", "auth", "backup", "restore",
          "admin", "web");

  @TempDir static Path dir;

  private static Path model;
  private static Path zoneConfig;
  private static Path scores;
  private static Path badConfig;

  @BeforeAll
  static void files() throws IOException {
    model = dir.resolve("trained.model");
    CommandTestSupport.Result trained =
        CommandTestSupport.run(
            "train",
            "--spam",
            TESTDATA.resolve("sample-spam.txt").toString(),
            "--ham",
            TESTDATA.resolve("sample-nonspam.txt").toString(),
            "--model",
            model.toString());
    assertThat(trained.code()).as(trained.err()).isZero();
    Path zone = dir.resolve("bl.zone");
    Files.writeString(zone, ":127.0.0.2:Listed $\n192.0.2.0/24\n127.0.0.2\n");
    zoneConfig = dir.resolve("lookup.yaml");
    Files.writeString(
        zoneConfig,
        """
        dnsbl:
          lists:
            - {symbol: LOCAL_BL, zone: local.test}
        mirrors:
          files:
            - {zone: local.test, path: "%s", kind: ip4set}
        """
            .formatted(zone));
    scores = dir.resolve("scores.txt");
    Files.writeString(scores, "spam 0.9\nham 0.1\nspam 0.8\nham 0.2\n");
    badConfig = dir.resolve("bad.yaml");
    Files.writeString(badConfig, "actions:\n  rejekt: 3\n", StandardCharsets.UTF_8);
  }

  /** A case: what it shows, the arguments (given the fixture), the exit status expected. */
  record Case(String name, Supplier<List<String>> args, int status) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Case c(String name, int status, String... args) {
    return new Case(name, () -> List.of(args), status);
  }

  private static Case c(String name, int status, Supplier<List<String>> args) {
    return new Case(name, args, status);
  }

  static Stream<Arguments> cases() {
    String ham = TESTDATA.resolve("sample-nonspam.txt").toString();
    String spam = TESTDATA.resolve("sample-spam.txt").toString();
    String missing = "/nonexistent/message.eml";
    List<Case> all = new ArrayList<>();
    all.add(c("no command", 2));
    all.add(c("unknown command", 2, "scna", ham));
    all.add(c("--help", 0, "--help"));
    all.add(c("--version", 0, "--version"));
    for (String command : COMMANDS) {
      all.add(c(command + " --help", 0, command, "--help"));
      all.add(c(command + " unknown option", 2, command, "--frobnicate", "x"));
    }
    // scan
    all.add(c("scan ham", 0, "scan", ham));
    all.add(c("scan spam", 1, "scan", ham, spam));
    all.add(c("scan no path", 2, "scan"));
    all.add(c("scan missing path", 2, "scan", missing));
    all.add(c("scan bad config", 2, () -> List.of("scan", "--config", badConfig.toString(), ham)));
    all.add(c("scan --model", 0, () -> List.of("scan", "--model", model.toString(), ham)));
    all.add(c("scan missing --model", 2, "scan", "--model", "/nonexistent.model", ham));
    // inspect
    all.add(c("inspect", 0, "inspect", ham));
    all.add(c("inspect no file", 2, "inspect"));
    all.add(c("inspect missing file", 2, "inspect", missing));
    // config
    all.add(c("config no subcommand", 2, "config"));
    all.add(c("config check valid", 0, () -> List.of("config", "check", zoneConfig.toString())));
    all.add(c("config check invalid", 2, () -> List.of("config", "check", badConfig.toString())));
    all.add(c("config check missing", 2, "config", "check", "/nonexistent.yaml"));
    all.add(c("config show", 0, "config", "show"));
    all.add(
        c("config show bad", 2, () -> List.of("config", "show", "--config", badConfig.toString())));
    // train
    all.add(c("train no paths", 2, "train"));
    all.add(
        c(
            "train",
            0,
            () -> List.of("train", "--ham", ham, "--model", dir.resolve("t.model").toString())));
    all.add(
        c(
            "train missing path",
            2,
            () ->
                List.of("train", "--spam", missing, "--model", dir.resolve("u.model").toString())));
    all.add(
        c(
            "train bad config",
            2,
            () -> List.of("train", "--ham", ham, "--config", badConfig.toString())));
    // eval
    all.add(c("eval no corpus", 2, "eval"));
    all.add(c("eval scores", 0, () -> List.of("eval", "--scores", scores.toString())));
    all.add(c("eval missing scores", 2, "eval", "--scores", "/nonexistent.txt"));
    all.add(c("eval missing corpus", 2, "eval", "--spam", missing, "--ham", ham));
    // lookup
    all.add(c("lookup no subject", 2, "lookup"));
    all.add(c("lookup no lists", 2, "lookup", "192.0.2.7"));
    all.add(
        c(
            "lookup listed",
            1,
            () -> List.of("lookup", "192.0.2.7", "--config", zoneConfig.toString())));
    all.add(
        c(
            "lookup not listed",
            0,
            () -> List.of("lookup", "198.51.100.7", "--config", zoneConfig.toString())));
    all.add(
        c(
            "lookup bad config",
            2,
            () -> List.of("lookup", "192.0.2.7", "--config", badConfig.toString())));
    return all.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void exitStatusFollowsTheConvention(Case c) {
    List<String> args = c.args().get();
    CommandTestSupport.Result r = CommandTestSupport.run(args.toArray(String[]::new));
    assertThat(r.code())
        .as("%s: %s\nstdout: %s\nstderr: %s", c, args, r.out(), r.err())
        .isEqualTo(c.status());
    assertThat(r.err())
        .as("%s: no stack trace", c)
        .doesNotContain("\tat ")
        .doesNotContain("Exception");
    if (c.status() == 2) {
      assertThat(r.err()).as("%s: says why on stderr", c).isNotBlank();
    }
    if (args.contains("--help")) {
      assertThat(r.out()).as("%s: usage on stdout", c).startsWith("usage: mailfilter");
      assertThat(r.err()).isEmpty();
    }
    if (args.equals(List.of("--version"))) {
      assertThat(r.out()).matches("mailfilter \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n");
    }
  }
}
