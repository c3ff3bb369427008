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
  void wrongValueExitsTwoWithPathAndReason() throws IOException {
    Path f = file("checks:\n  gtube:\n    score: high\n");
    CommandTestSupport.Result r = run("config", "check", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo(f + ": checks.gtube.score: expected a number, got \"high\"\n");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void unknownKeyExitsTwoWithSuggestion() throws IOException {
    Path f = file("lists:\n  alow:\n    ips: [192.0.2.1]\n");
    CommandTestSupport.Result r = run("config", "check", "--config", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("lists.alow: unknown key (did you mean allow?)");
  }

  /** One file serves every command: the servers' sections are known to all of them. */
  @Test
  void serverSectionsAreCheckedAndAcceptedByEveryCommand() throws IOException {
    Path f =
        file(
            "smtp:\n  listen: 0.0.0.0:25\n  host_name: mx1.filter.example\n"
                + "milter:\n  listen: inet:127.0.0.1:11332\n"
                + "domains:\n  example.com:\n"
                + "    route: {host: mail.example.com, port: 25, tls: verify}\n");
    CommandTestSupport.Result check = run("config", "check", f.toString());
    assertThat(check.err()).isEmpty();
    assertThat(check.code()).isEqualTo(0);
    assertThat(run("config", "show", "--config", f.toString()).code()).isEqualTo(0);
    Path mail = dir.resolve("m.eml");
    Files.writeString(mail, "From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n");
    CommandTestSupport.Result scan = run("scan", "--config", f.toString(), mail.toString());
    assertThat(scan.err()).isEmpty();
  }

  /** The cluster's shared-state checks are known to every command and off unless enabled. */
  @Test
  void sharedStateChecksAreKnownAndOffUnlessEnabled() throws IOException {
    Path f =
        file(
            "redis:\n  uri: redis://127.0.0.1:6379\n"
                + "checks:\n  greylist:\n    enabled: true\n    delay: 2m\n"
                + "  ratelimit:\n    ip: {rate: 10, per: 1m, burst: 20}\n");
    CommandTestSupport.Result r = run("config", "check", f.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isEqualTo(0);
    Path bad = file("checks:\n  greylist:\n    enabled: true\n    delay: later\n");
    CommandTestSupport.Result b = run("config", "check", bad.toString());
    assertThat(b.code()).isEqualTo(2);
    assertThat(b.err()).contains("checks.greylist.delay");
  }

  /** One Redis configuration: the old per-section addresses are errors naming the replacement. */
  @Test
  void theOldRedisAddressesAreErrorsThatNameTheRedisSection() throws IOException {
    CommandTestSupport.Result state =
        run("config", "check", file("shared_state:\n  redis: redis://127.0.0.1:6379\n").toString());
    assertThat(state.code()).isEqualTo(2);
    assertThat(state.err()).contains("shared_state.redis").contains("redis.uri");
    CommandTestSupport.Result store =
        run("config", "check", file("cluster:\n  store: redis://127.0.0.1:6379\n").toString());
    assertThat(store.code()).isEqualTo(2);
    assertThat(store.err()).contains("cluster.store").contains("store: redis").contains("redis:");
    CommandTestSupport.Result both =
        run(
            "config",
            "check",
            file("redis:\n  uri: redis://127.0.0.1:6379\ncluster:\n  store: redis\n").toString());
    assertThat(both.err()).isEmpty();
    assertThat(both.code()).isEqualTo(0);
  }

  @Test
  void theClusterNodeExampleIsValid() {
    CommandTestSupport.Result r = run("config", "check", "../examples/cluster-node.yaml");
    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isEqualTo(0);
  }

  @Test
  void badServerKeyExitsTwoWithItsPath() throws IOException {
    Path f = file("smtp:\n  max_conections: 5\n");
    CommandTestSupport.Result r = run("config", "check", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("smtp.max_conections: unknown key (did you mean max_connections?)");
  }

  @Test
  void missingFileExitsTwo() {
    CommandTestSupport.Result r = run("config", "check", dir.resolve("nope.yaml").toString());
    assertThat(r.code()).isEqualTo(2);
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

  @Test
  void checkBuildsTheFilterSoAMissingModelFileFails() throws IOException {
    Path model = dir.resolve("mailfilter.modle");
    Path f = file("model:\n  path: " + model + "\n");
    CommandTestSupport.Result r = run("config", "check", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .startsWith(f + ": model.path: no such file " + model)
        .doesNotContain("\tat ");
    assertThat(r.err().lines().count()).isEqualTo(1);
    Path optional = file("model:\n  path: " + model + "\n  required: false\n");
    assertThat(run("config", "check", optional.toString()).code()).isEqualTo(0);
  }

  @Test
  void checkRefusesInvertedThresholds() throws IOException {
    Path f = file("actions:\n  add_header: 20\n  reject: 15\n");
    CommandTestSupport.Result r = run("config", "check", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith(f + ": actions.add_header: add_header (20) is above");
  }

  @Test
  void showPrintsTheDefaultsWithTheFileLaidOver() throws IOException {
    CommandTestSupport.Result defaults = run("config", "show");
    assertThat(defaults.code()).isEqualTo(0);
    assertThat(defaults.out())
        .contains("actions:\n")
        .contains("  reject: 15\n")
        .contains("model:\n");

    Path f = file("actions:\n  reject: 20\nchecks:\n  helo:\n    enabled: false\n");
    CommandTestSupport.Result r = run("config", "show", "--config", f.toString());
    assertThat(r.code()).isEqualTo(0);
    assertThat(r.out()).contains("  reject: 20\n").contains("  add_header: 6\n");
    // What show prints is itself a configuration file that loads to the same settings.
    Path shown = dir.resolve("shown.yaml");
    Files.writeString(shown, r.out(), StandardCharsets.UTF_8);
    assertThat(run("config", "check", shown.toString()).out())
        .isEqualTo(
            run("config", "check", f.toString()).out().replace(f.toString(), shown.toString()));
    assertThat(run("config", "show", "--config", shown.toString()).out()).isEqualTo(r.out());
  }

  @Test
  void showOfABadFileExitsTwo() throws IOException {
    Path f = file("actions:\n  rejekt: 20\n");
    CommandTestSupport.Result r = run("config", "show", "--config", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("actions.rejekt: unknown key");
    assertThat(r.out()).isEmpty();
  }
}
