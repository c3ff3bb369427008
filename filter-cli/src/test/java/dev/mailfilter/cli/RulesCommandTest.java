package dev.mailfilter.cli;

import static dev.mailfilter.cli.CommandTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RulesCommandTest {
  @TempDir Path dir;

  private Path config(String paths) throws IOException {
    Path f = dir.resolve("mailfilter.yaml");
    Files.writeString(f, "spamassassin:\n  paths: " + paths + "\n", StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void listsLoadedCountAndEachUnsupportedRuleWithFileLineAndReason() throws IOException {
    Path rules = dir.resolve("rules");
    Files.createDirectories(rules);
    Files.writeString(
        rules.resolve("50_local.cf"),
        "body GOOD /good/\nbody KEEP /a\\Kb/\nmeta NEEDS KEEP && GOOD\nrequired_score 5\n");
    CommandTestSupport.Result r =
        run("rules", "check", "--config", config("[\"" + rules + "\"]").toString());
    assertThat(r.code()).isEqualTo(0);
    assertThat(r.out())
        .contains(": 1 loaded (1 scored) from 1 files, 2 unsupported")
        .contains(rules.resolve("50_local.cf") + ":2: KEEP: \\K")
        .contains(rules.resolve("50_local.cf") + ":3: NEEDS: reads KEEP, which is unsupported")
        .contains("directive not supported (required_score)");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void unreadablePathExitsTwo() throws IOException {
    CommandTestSupport.Result r =
        run("rules", "check", "--config", config("[\"" + dir.resolve("nope") + "\"]").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("nope").contains("no such file or directory");
  }

  @Test
  void emptyPathListSaysTheRulesAreOff() throws IOException {
    CommandTestSupport.Result r = run("rules", "check", "--config", config("[]").toString());
    assertThat(r.code()).isEqualTo(0);
    assertThat(r.out()).startsWith("SpamAssassin rules: off");
  }

  @Test
  void usageErrorExitsTwo() {
    assertThat(run("rules").code()).isEqualTo(2);
    assertThat(run("rules", "list").code()).isEqualTo(2);
    assertThat(run("rules", "--help").code()).isEqualTo(0);
  }
}
