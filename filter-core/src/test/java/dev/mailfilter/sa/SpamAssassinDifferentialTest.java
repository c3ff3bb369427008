package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailfilter.mime.MessageParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential test against real SpamAssassin (Debian's 4.0.1, the CI installs it): over a
 * sample of the shared corpus spread over easy_ham, hard_ham and spam, every rule mailfilter loads
 * hits the same messages as in SpamAssassin, run with the same rule files (a private copy of {@code
 * /etc/spamassassin} as its site configuration), local tests only, Bayes and auto-welcomelist off,
 * score set 2 as mailfilter reads the scores ({@code sa-hits.pl}, through the Perl API in one
 * process, as mass-check does).
 *
 * <p>A rule that differs fails the test unless {@code sa-differences.txt} lists it with the reason;
 * an entry there that no longer differs fails it too. The rules SpamAssassin runs and mailfilter
 * cannot load are not compared (never counted as agreeing): the test prints their hits.
 */
class SpamAssassinDifferentialTest {
  private static final Path SHIPPED = SpamAssassinSettings.SHIPPED_RULES;
  private static final Path PERL = Path.of("/usr/bin/perl");

  @Test
  void loadedRulesHitTheSameMessagesAsSpamAssassin(@TempDir Path tmp) throws Exception {
    assumeTrue(
        Files.isRegularFile(SHIPPED.resolve("72_active.cf")),
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
    Path script = tmp.resolve("sa-hits.pl");
    try (InputStream in = getClass().getResourceAsStream("sa-hits.pl")) {
      Files.copy(in, script);
    }

    List<Path> sample = new ArrayList<>();
    sample.addAll(everyNth(corpus.resolve("easy_ham"), 17));
    sample.addAll(everyNth(corpus.resolve("hard_ham"), 3));
    sample.addAll(everyNth(corpus.resolve("spam"), 4));

    // -Dmailfilter.sa.hits=FILE reads a saved run of sa-hits.pl instead (while fixing a
    // difference).
    String saved = System.getProperty("mailfilter.sa.hits", "");
    SaRun sa =
        saved.isEmpty() ? runSpamAssassin(script, site, home, sample, tmp) : parse(Path.of(saved));
    RuleSet rules = RuleSet.load(List.of(SHIPPED, site));
    assertThat(rules.errors()).isEmpty();

    Map<String, String> allowed = allowList();
    Map<String, Diff> diffs = new TreeMap<>();
    Map<String, Integer> notCompared = new TreeMap<>();
    Set<String> ours = new HashSet<>();
    for (Rule r : rules.rules()) {
      ours.add(r.name());
    }
    Set<String> unknownToSa = new TreeSet<>(ours);
    unknownToSa.removeAll(sa.ruleNames());
    int agreeingHits = 0;
    long nanos = 0;
    TreeMap<Long, String> slowest = new TreeMap<>();
    for (Path f : sample) {
      Set<String> theirs = sa.hits().get(key(f));
      assertThat(theirs).as("SpamAssassin's result for " + f).isNotNull();
      byte[] raw = Files.readAllBytes(f);
      long t0 = System.nanoTime();
      SaMessage m = SaMessage.of(MessageParser.create().parse(raw), "");
      Set<String> mine = rules.run(m, Guard.none()).keySet();
      long took = System.nanoTime() - t0;
      nanos += took;
      slowest.put(took, corpus.relativize(f).toString());
      if (slowest.size() > 3) {
        slowest.pollFirstEntry();
      }
      for (String name : ours) {
        boolean a = mine.contains(name);
        boolean b = theirs.contains(name);
        if (a && b) {
          agreeingHits++;
        } else if (a != b) {
          Diff d = diffs.computeIfAbsent(name, k -> new Diff());
          (a ? d.onlyOurs : d.onlySa).add(corpus.relativize(f).toString());
        }
      }
      for (String name : theirs) {
        if (!ours.contains(name)) {
          notCompared.merge(name, 1, Integer::sum);
        }
      }
    }

    System.out.printf(
        "differential over %d messages: %d rules compared, %d hits agree, %d rules differ%n",
        sample.size(), ours.size(), agreeingHits, diffs.size());
    System.out.printf(
        "mailfilter's rules: %.1f ms per message; slowest (ns): %s%n",
        nanos / 1e6 / sample.size(), slowest.descendingMap());
    diffs.forEach(
        (name, d) ->
            System.out.printf(
                "  %s%s: only mailfilter %d %s, only SpamAssassin %d %s%n",
                name,
                allowed.containsKey(name) ? " (allowed)" : "",
                d.onlyOurs.size(),
                d.onlyOurs.stream().limit(3).toList(),
                d.onlySa.size(),
                d.onlySa.stream().limit(3).toList()));
    System.out.println(
        "SpamAssassin hits of rules mailfilter does not load (not compared): " + notCompared);

    assertThat(unknownToSa).as("rules mailfilter runs that SpamAssassin does not know").isEmpty();
    assertThat(diffs.keySet())
        .as("rules that differ from SpamAssassin and are not in sa-differences.txt")
        .isSubsetOf(allowed.keySet());
    assertThat(allowed.keySet())
        .as("sa-differences.txt entries that no longer differ")
        .isSubsetOf(diffs.keySet());
    // The comparison means something: most of what SpamAssassin hits is compared.
    assertThat(agreeingHits).isGreaterThan(10 * sample.size());
  }

  private static final class Diff {
    final List<String> onlyOurs = new ArrayList<>();
    final List<String> onlySa = new ArrayList<>();
  }

  private record SaRun(Set<String> ruleNames, Map<String, Set<String>> hits) {}

  private static List<Path> everyNth(Path dir, int n) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> all = s.filter(Files::isRegularFile).sorted().toList();
      List<Path> out = new ArrayList<>();
      for (int i = 0; i < all.size(); i += n) {
        out.add(all.get(i));
      }
      return out;
    }
  }

  private static SaRun runSpamAssassin(
      Path script, Path site, Path home, List<Path> files, Path tmp) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            PERL.toString(), script.toString(), SHIPPED.toString(), site.toString(), "" + home));
    for (Path f : files) {
      cmd.add(f.toString());
    }
    Path out = tmp.resolve("sa.out");
    Path err = tmp.resolve("sa.err");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("sa-hits.pl did not finish in 15 minutes");
    }
    String errors = Files.readString(err, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("sa-hits.pl exit; stderr: " + errors).isZero();
    return parse(out);
  }

  /** A message's key in sa-hits.pl's output: its directory and name. */
  private static String key(Path f) {
    return f.getParent().getFileName() + "/" + f.getFileName();
  }

  private static SaRun parse(Path out) throws IOException {
    Set<String> names = Set.of();
    Map<String, Set<String>> hits = new LinkedHashMap<>();
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      String[] cols = line.split("\t", -1);
      if (cols[0].equals("#ruleset")) {
        names = Set.of(cols[1].split(" "));
        continue;
      }
      Set<String> hit = new HashSet<>();
      for (String h : cols[1].split(" ")) {
        if (!h.isEmpty()) {
          hit.add(h.substring(0, h.indexOf('=')));
        }
      }
      hits.put(key(Path.of(cols[0])), hit);
    }
    return new SaRun(names, hits);
  }

  private static Map<String, String> allowList() throws IOException {
    Map<String, String> out = new HashMap<>();
    try (InputStream in =
        SpamAssassinDifferentialTest.class.getResourceAsStream("sa-differences.txt")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (String line : text.split("\n")) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        String[] parts = l.split("\\s+", 2);
        if (parts.length < 2 || parts[1].isBlank()) {
          throw new AssertionError("sa-differences.txt: no reason for " + parts[0]);
        }
        out.put(parts[0], parts[1]);
      }
    }
    return out;
  }
}
