package dev.mailfilter.cli;

import static dev.mailfilter.cli.CommandTestSupport.TESTDATA;
import static dev.mailfilter.cli.CommandTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScanCommandTest {
  private static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  @TempDir Path dir;

  private static List<String> lines(String s) {
    return s.isEmpty() ? List.of() : List.of(s.split("\n"));
  }

  @Test
  void samplesGiveOneLinePerMessageAndExitOneForSpam() {
    Path spam = TESTDATA.resolve("sample-spam.txt");
    Path ham = TESTDATA.resolve("sample-nonspam.txt");
    CommandTestSupport.Result r = run("scan", ham.toString(), spam.toString());
    assertThat(r.code()).isEqualTo(1);
    List<String> lines = lines(r.out());
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).startsWith(ham + "\taccept\t");
    // GTUBE first; the local checks may add more (the sample's Date is from 2003)
    assertThat(lines.get(1)).startsWith(spam + "\treject\t").contains("\tGTUBE(1000.00)");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void hamOnlyExitsZero() {
    CommandTestSupport.Result r = run("scan", TESTDATA.resolve("sample-nonspam.txt").toString());
    assertThat(r.code()).isEqualTo(0);
  }

  @Test
  void jsonLinesCarryActionScoreAndSymbols() {
    CommandTestSupport.Result r =
        run("scan", "--json", TESTDATA.resolve("sample-spam.txt").toString());
    assertThat(r.out())
        .startsWith(
            "{\"path\":\"" + TESTDATA.resolve("sample-spam.txt") + "\",\"action\":\"reject\"")
        .contains("\"spam\":true,\"score\":100")
        .contains("\"required\":6.00")
        .contains("{\"name\":\"GTUBE\",\"score\":1000.00,\"options\":[]}");
  }

  @Test
  void mboxIsSplitAtFromLinesAndUnquoted() throws IOException {
    Path mbox = dir.resolve("inbox.mbox");
    Files.writeString(
        mbox,
        "From a@example.org Thu Jan  1 00:00:00 2026\n"
            + "Subject: one\n\nhello\n>From the start\n\n"
            + "From b@example.org Thu Jan  1 00:00:01 2026\n"
            + "Subject: two\n\n"
            + GTUBE
            + "\n\n"
            + "From c@example.org Thu Jan  1 00:00:02 2026\n"
            + "Subject: three\n\nbye\n",
        StandardCharsets.US_ASCII);
    CommandTestSupport.Result r = run("scan", mbox.toString());
    List<String> lines = lines(r.out());
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).startsWith(mbox + ":1\taccept");
    assertThat(lines.get(1)).startsWith(mbox + ":2\treject");
    assertThat(lines.get(2)).startsWith(mbox + ":3\taccept");
    assertThat(r.code()).isEqualTo(1);
    List<byte[]> messages = new java.util.ArrayList<>();
    MessageSource.read(mbox, item -> messages.add(((MessageSource.Message) item).bytes()));
    assertThat(new String(messages.get(0), StandardCharsets.US_ASCII))
        .isEqualTo("Subject: one\n\nhello\nFrom the start\n");
  }

  @Test
  void maildirReadsCurAndNewButNotTmp() throws IOException {
    Path md = dir.resolve("Maildir");
    for (String sub : List.of("cur", "new", "tmp")) {
      Files.createDirectories(md.resolve(sub));
    }
    Files.writeString(md.resolve("cur/1.host:2,S"), "Subject: a\n\nx\n", StandardCharsets.US_ASCII);
    Files.writeString(
        md.resolve("new/2.host"), "Subject: b\n\n" + GTUBE + "\n", StandardCharsets.US_ASCII);
    Files.writeString(md.resolve("tmp/3.host"), "Subject: partial\n", StandardCharsets.US_ASCII);
    CommandTestSupport.Result r = run("scan", md.toString());
    List<String> lines = lines(r.out());
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).startsWith(md.resolve("cur/1.host:2,S") + "\taccept");
    assertThat(lines.get(1)).startsWith(md.resolve("new/2.host") + "\treject");
  }

  @Test
  void unreadablePathIsReportedAndScanContinuesWithExitTwo() {
    Path missing = dir.resolve("missing.eml");
    CommandTestSupport.Result r =
        run("scan", missing.toString(), TESTDATA.resolve("sample-spam.txt").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(missing + ": no such file or directory");
    assertThat(lines(r.out())).hasSize(1);
  }

  @Test
  void configOptionChangesTheVerdict() throws IOException {
    Path cfg = dir.resolve("c.yaml");
    Files.writeString(cfg, "checks:\n  gtube:\n    enabled: false\n", StandardCharsets.UTF_8);
    CommandTestSupport.Result r =
        run("scan", "--config", cfg.toString(), TESTDATA.resolve("sample-spam.txt").toString());
    assertThat(r.code()).isEqualTo(0);
    assertThat(r.out()).contains("\taccept\t");
  }

  @Test
  void badConfigOrOptionsExitTwo() throws IOException {
    Path cfg = dir.resolve("bad.yaml");
    Files.writeString(cfg, "actions:\n  reject: lots\n", StandardCharsets.UTF_8);
    CommandTestSupport.Result r = run("scan", "--config", cfg.toString(), "x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("actions.reject: expected a number, got \"lots\"");
    assertThat(run("scan", "--threads", "0", "x").code()).isEqualTo(2);
    assertThat(run("scan", "--frobnicate", "x").code()).isEqualTo(2);
    assertThat(run("scan").code()).isEqualTo(2);
  }

  @Test
  void publicCorpusScansWithEveryMessageAccountedForInOrder() throws IOException {
    Path spamDir = CommandTestSupport.SHARED.resolve("corpora/spamassassin-public-corpus/spam");
    long files;
    try (var s = Files.list(spamDir)) {
      files = s.filter(p -> !p.getFileName().toString().startsWith(".")).count();
    }
    CommandTestSupport.Result r = run("scan", "--threads", "3", spamDir.toString());
    List<String> lines = lines(r.out());
    assertThat(lines).hasSize((int) files);
    List<String> paths = lines.stream().map(l -> l.substring(0, l.indexOf('\t'))).toList();
    assertThat(paths).isSorted();
    assertThat(r.code()).isIn(0, 1);
    assertThat(r.err()).isEmpty();
  }

  @Test
  void statsPrintsATableOfChecksAndVerdictsOnStderr() {
    Path spam = TESTDATA.resolve("sample-spam.txt");
    Path ham = TESTDATA.resolve("sample-nonspam.txt");
    CommandTestSupport.Result r =
        run("scan", "--stats", "--threads", "2", ham.toString(), spam.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(lines(r.out())).hasSize(2);
    List<String> table = lines(r.err().replace("\r", ""));
    assertThat(table.getFirst().split(" +"))
        .containsExactly(
            "check", "stage", "runs", "failed", "timeout", "p50", "p99", "max", "hits");
    String gtube = table.stream().filter(l -> l.startsWith("gtube ")).findFirst().orElseThrow();
    // gtube ran on both messages and hit the spam sample once.
    assertThat(gtube.split(" +")).startsWith("gtube", "data", "2", "0", "0").endsWith("1");
    assertThat(gtube).matches(".* [0-9.]+(ns|us|ms|s) .*");
    assertThat(table).anyMatch(l -> l.startsWith("(stage)") && l.contains(" data "));
    assertThat(table).contains("verdicts: accept 1, reject 1", "refused before data: none");
  }

  @Test
  void withoutStatsNothingGoesToStderr() {
    CommandTestSupport.Result r = run("scan", TESTDATA.resolve("sample-nonspam.txt").toString());
    assertThat(r.err()).isEmpty();
  }

  @Test
  void durationsUseThreeSignificantDigits() {
    assertThat(StatsTable.duration(java.time.Duration.ofNanos(950), 1)).isEqualTo("950ns");
    assertThat(StatsTable.duration(java.time.Duration.ofNanos(12_345), 1)).isEqualTo("12.3us");
    assertThat(StatsTable.duration(java.time.Duration.ofNanos(4_567_000), 1)).isEqualTo("4.57ms");
    assertThat(StatsTable.duration(java.time.Duration.ofMillis(1200), 1)).isEqualTo("1.20s");
    assertThat(StatsTable.duration(java.time.Duration.ZERO, 0)).isEqualTo("-");
  }

  @Test
  void dashReadsOneMessageFromStandardInput() {
    byte[] message =
        ("From: a@example.org\r\nTo: b@example.org\r\nSubject: test\r\n\r\n" + GTUBE + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    CommandTestSupport.Result r = CommandTestSupport.runWithInput(message, "scan", "-");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).startsWith("-\treject\t").contains("GTUBE(1000.00)");
    assertThat(CommandTestSupport.runWithInput(new byte[0], "scan", "-").err())
        .isEqualTo("mailfilter scan: -: empty file, not a message\n");
  }

  @Test
  void anEmptyDirectoryIsAnErrorNamingIt() throws IOException {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    CommandTestSupport.Result r = run("scan", empty.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("mailfilter scan: no messages in " + empty + "\n");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void anEmptyFileIsReportedNotScored() throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.eml"));
    CommandTestSupport.Result alone = run("scan", empty.toString());
    assertThat(alone.code()).isEqualTo(2);
    assertThat(alone.out()).isEmpty();
    assertThat(alone.err())
        .isEqualTo("mailfilter scan: " + empty + ": empty file, not a message\n");
    // Beside a message it is reported, and the exit status is the message's.
    CommandTestSupport.Result beside =
        run("scan", empty.toString(), TESTDATA.resolve("sample-nonspam.txt").toString());
    assertThat(beside.code()).isEqualTo(0);
    assertThat(lines(beside.out())).hasSize(1);
    assertThat(beside.err()).contains(empty + ": empty file");
  }

  @Test
  void modelOptionScoresWithThatModel() throws IOException {
    Path model = dir.resolve("m.model");
    Path spam = TESTDATA.resolve("sample-spam.txt");
    Path ham = TESTDATA.resolve("sample-nonspam.txt");
    assertThat(
            run(
                    "train",
                    "--spam",
                    spam.toString(),
                    "--ham",
                    ham.toString(),
                    "--model",
                    model.toString())
                .code())
        .isEqualTo(0);
    Path config = dir.resolve("votes.yaml");
    Files.writeString(config, "model:\n  min_ham: 1\n  min_spam: 1\n");
    CommandTestSupport.Result r =
        run(
            "scan",
            "--json",
            "--model",
            model.toString(),
            "--config",
            config.toString(),
            ham.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    assertThat(r.out()).contains("\"name\":\"BAYES_");
    assertThat(run("scan", "--json", "--config", config.toString(), ham.toString()).out())
        .doesNotContain("BAYES_");
  }

  @Test
  void aMissingOrDamagedModelIsOneLineAndStatusTwo() throws IOException {
    Path ham = TESTDATA.resolve("sample-nonspam.txt");
    Path missing = dir.resolve("nope.model");
    CommandTestSupport.Result r = run("scan", "--model", missing.toString(), ham.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "mailfilter scan: --model "
                + missing
                + ": no such file (mailfilter train --model FILE writes one)\n");

    Path damaged = dir.resolve("damaged.model");
    Files.writeString(damaged, "this is not a model file, it only has enough bytes\n");
    r = run("scan", "--model", damaged.toString(), ham.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("mailfilter scan: --model " + damaged + ": model.path: ");
    assertThat(r.err().lines().count()).isEqualTo(1);
    assertThat(r.out()).isEmpty();

    Path config = dir.resolve("typo.yaml");
    Files.writeString(config, "model:\n  path: " + missing + "\n");
    r = run("scan", "--config", config.toString(), ham.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "mailfilter scan: "
                + config
                + ": model.path: no such file "
                + missing
                + "; train one with `mailfilter train --config FILE --spam ... --ham ...`, or set"
                + " model.required: false to start with an empty model\n");
  }
}
