package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailfilter.mime.MessageParser;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trust path against real SpamAssassin's (Debian's 4.0.1, its Perl API through {@code
 * sa-relays.pl}): for every message of the shared corpus, the four {@code X-Spam-Relays-*}
 * pseudo-headers are the same strings, byte for byte.
 */
class TrustPathDifferentialTest {
  private static final Path PERL = Path.of("/usr/bin/perl");

  @Test
  void everyCorpusMessageHasSpamAssassinsRelays(@TempDir Path tmp) throws Exception {
    Path shipped = SpamAssassinSettings.SHIPPED_RULES;
    assumeTrue(
        Files.isRegularFile(shipped.resolve("72_active.cf")),
        "Debian's spamassassin package is not installed");
    assumeTrue(Files.isExecutable(PERL), "no /usr/bin/perl");
    Path corpus =
        Path.of(System.getProperty("mailfilter.shared", "../shared"), "corpora")
            .resolve("spamassassin-public-corpus");
    assumeTrue(Files.isDirectory(corpus), "no shared corpus");

    Path site = Files.createDirectories(tmp.resolve("site"));
    try (Stream<Path> s = Files.list(SpamAssassinSettings.SITE_RULES)) {
      for (Path f : s.toList()) {
        String n = f.getFileName().toString();
        if (Files.isRegularFile(f) && (n.endsWith(".pre") || n.endsWith(".cf"))) {
          Files.copy(f, site.resolve(n));
        }
      }
    }
    Path home = Files.createDirectories(tmp.resolve("home"));
    Files.writeString(home.resolve("user_prefs"), "");
    Path script = tmp.resolve("sa-relays.pl");
    try (InputStream in = getClass().getResourceAsStream("sa-relays.pl")) {
      Files.copy(in, script);
    }
    List<Path> files = new ArrayList<>();
    for (String d : List.of("easy_ham", "hard_ham", "spam")) {
      try (Stream<Path> s = Files.list(corpus.resolve(d))) {
        s.filter(Files::isRegularFile).sorted().forEach(files::add);
      }
    }
    Map<String, String> theirs = runSpamAssassin(script, shipped, site, home, files, tmp);
    RuleSet rules = RuleSet.load(List.of(shipped, site));
    assertThat(rules.errors()).isEmpty();

    int same = 0;
    Map<String, String> differ = new LinkedHashMap<>();
    for (Path f : files) {
      SaMessage m = SaMessage.of(MessageParser.create().parse(Files.readAllBytes(f)), "");
      m.networks(rules.networks());
      TrustPath path = m.trustPath();
      String mine =
          String.join(
              "\t",
              Stream.of("Trusted", "Untrusted", "Internal", "External")
                  .map(w -> path.pseudoHeader("X-Spam-Relays-" + w).orElseThrow())
                  .toList());
      String sa = theirs.get(f.toString());
      assertThat(sa).as("SpamAssassin's relays of " + f).isNotNull();
      if (sa.equals(mine)) {
        same++;
      } else {
        differ.put(corpus.relativize(f).toString(), "\n   sa: " + sa + "\n  ours: " + mine);
      }
    }
    System.out.printf("trust path: %d of %d messages the same%n", same, files.size());
    differ.entrySet().stream()
        .limit(20)
        .forEach(e -> System.out.println(e.getKey() + e.getValue()));
    assertThat(differ).as("messages whose relays differ from SpamAssassin's").isEmpty();
  }

  private static Map<String, String> runSpamAssassin(
      Path script, Path rules, Path site, Path home, List<Path> files, Path tmp) throws Exception {
    Path list = tmp.resolve("files");
    List<String> cmd =
        new ArrayList<>(
            List.of(PERL.toString(), script.toString(), "" + rules, "" + site, "" + home));
    files.forEach(f -> cmd.add(f.toString()));
    Path out = tmp.resolve("relays.tsv");
    Path err = tmp.resolve("relays.err");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("sa-relays.pl did not finish in 10 minutes");
    }
    assertThat(p.exitValue())
        .as("sa-relays.pl exit; stderr: " + Files.readString(err, StandardCharsets.UTF_8))
        .isZero();
    Map<String, String> byFile = new LinkedHashMap<>();
    for (String line : Files.readAllLines(out, StandardCharsets.ISO_8859_1)) {
      int tab = line.indexOf('\t');
      byFile.put(line.substring(0, tab), line.substring(tab + 1));
    }
    Files.deleteIfExists(list);
    return byFile;
  }
}
