package dev.mailfilter.cli;

import static dev.mailfilter.cli.CommandTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCommandTest {
  @TempDir Path dir;

  private Path file(String yaml) throws IOException {
    Path f = dir.resolve("mailfilter.yaml");
    Files.writeString(f, yaml, StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void validFileExitsZeroAndListsTheChecks() throws IOException {
    Path f = file("actions:\n  reject: 20\nchecks:\n  helo:\n    enabled: false\n");
    CommandTestSupport.Result r = run("config", "check", f.toString());
    assertThat(r.code()).isEqualTo(0);
    assertThat(r.out()).startsWith(f + ": ok (checks: ").contains("gtube").contains("mime_defects");
    String list = r.out().substring(r.out().indexOf("checks: ") + 8, r.out().lastIndexOf(')'));
    assertThat(List.of(list.split(", "))).contains("gtube", "mime_defects").doesNotContain("helo");
  }

  @Test
  void wrongValueExitsOneWithPathAndReason() throws IOException {
    Path f = file("checks:\n  gtube:\n    score: high\n");
    CommandTestSupport.Result r = run("config", "check", f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo(f + ": checks.gtube.score: expected a number, got \"high\"\n");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void unknownKeyExitsOneWithSuggestion() throws IOException {
    Path f = file("lists:\n  alow:\n    ips: [192.0.2.1]\n");
    CommandTestSupport.Result r = run("config", "check", "--config", f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("lists.alow: unknown key (did you mean allow?)");
  }

  @Test
  void missingFileExitsOne() {
    CommandTestSupport.Result r = run("config", "check", dir.resolve("nope.yaml").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("no such file");
  }

  @Test
  void shippedDefaultFileIsValid() {
    Path shipped = Path.of("../filter-core/src/main/resources/dev/mailfilter/default-config.yaml");
    CommandTestSupport.Result r = run("config", "check", shipped.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
  }

  @Test
  void usageErrorExitsTwo() {
    assertThat(run("config").code()).isEqualTo(2);
    assertThat(run("config", "lint", "x").code()).isEqualTo(2);
  }
}
