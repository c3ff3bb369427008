package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The rule set of Debian's {@code spamassassin} package (4.0.1), where it is installed (the CI
 * installs it: .ci/packages): it loads without an exception, most of its rules load, and every rule
 * that does not is listed with a reason.
 */
class DebianRulesTest {
  private static final Path SHIPPED = SpamAssassinSettings.SHIPPED_RULES;

  @Test
  void loadsTheInstalledRuleSetAndListsWhatItCannot() {
    assumeTrue(
        Files.isRegularFile(SHIPPED.resolve("72_active.cf")),
        "Debian's spamassassin package is not installed");
    RuleSet rules = RuleSet.load(List.of(SHIPPED, SpamAssassinSettings.SITE_RULES));
    System.out.println(summary(rules));
    assertThat(rules.errors()).isEmpty();
    assertThat(rules.files()).hasSizeGreaterThan(50);
    assertThat(rules.loaded()).isGreaterThan(500);
    assertThat(rules.symbols()).hasSizeGreaterThan(300);
    assertThat(rules.unsupported()).allSatisfy(p -> assertThat(p.reason()).isNotBlank());
    // A meta over an unsupported rule is itself unsupported, never silently false.
    for (Rule r : rules.rules()) {
      if (r.test() instanceof Rule.Meta m) {
        for (String dep : m.expression().names()) {
          assertThat(rules.rules())
              .as(r.name() + " reads " + dep)
              .anyMatch(x -> x.name().equals(dep));
        }
      }
    }
  }

  @Test
  void runsOnTheSharedCorpusWithoutFailing() throws Exception {
    assumeTrue(
        Files.isRegularFile(SHIPPED.resolve("72_active.cf")),
        "Debian's spamassassin package is not installed");
    Path corpus =
        Path.of(System.getProperty("mailfilter.shared", "../shared"), "corpora")
            .resolve("spamassassin-public-corpus");
    assumeTrue(Files.isDirectory(corpus), "no shared corpus");
    RuleSet rules = RuleSet.load(List.of(SHIPPED, SpamAssassinSettings.SITE_RULES));
    Map<String, Integer> spamHits = new TreeMap<>();
    Map<String, int[]> evalHits = new TreeMap<>(); // native eval rule: spam hits, ham hits
    int[] counts = new int[2];
    long nanos = 0;
    for (String kind : List.of("spam", "easy_ham")) {
      List<Path> files;
      try (var s = Files.list(corpus.resolve(kind))) {
        files = s.sorted().limit(200).toList();
      }
      for (Path f : files) {
        byte[] raw = Files.readAllBytes(f);
        long t = System.nanoTime();
        SaMessage m = SaMessage.of(dev.mailfilter.mime.MessageParser.create().parse(raw), "");
        Map<String, Integer> hits = rules.run(m, Guard.none());
        nanos += System.nanoTime() - t;
        for (Rule r : rules.rules()) {
          if (r.test() instanceof Rule.Eval) {
            int[] c = evalHits.computeIfAbsent(r.name(), k -> new int[2]);
            if (hits.containsKey(r.name())) {
              c[kind.equals("spam") ? 0 : 1]++;
            }
          }
        }
        double score = 0;
        for (Rule r : rules.rules()) {
          if (r.symbol().isPresent() && hits.containsKey(r.name())) {
            score += r.score() * (r.multiple() ? hits.get(r.name()) : 1);
            if (kind.equals("spam")) {
              spamHits.merge(r.name(), 1, Integer::sum);
            }
          }
        }
        if (score >= 5) {
          counts[kind.equals("spam") ? 0 : 1]++;
        }
      }
    }
    System.out.printf(
        "400 messages: %.2f ms per message; score >= 5: %d of 200 spam, %d of 200 ham%n",
        nanos / 400 / 1e6, counts[0], counts[1]);
    System.out.println(
        "most hit on spam: "
            + spamHits.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(25)
                .toList());
    System.out.println(
        "native eval rules, hits on 200 spam / 200 ham: "
            + evalHits.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()[0] + "/" + e.getValue()[1])
                .toList());
    // Rules alone are no classifier here (no network tests, no Bayes), but they must tell spam.
    assertThat(counts[0]).isGreaterThan(counts[1]);
  }

  /**
   * The literal prefilter and the first-character search are only shortcuts: on 400 corpus messages
   * (spam, easy and hard ham, spread over each folder) every rule hits the same messages the same
   * number of times as with plain {@code find()} over every text.
   */
  @Test
  void prefilterAndFirstCharsChangeNoHitOnTheCorpus() throws Exception {
    assumeTrue(
        Files.isRegularFile(SHIPPED.resolve("72_active.cf")),
        "Debian's spamassassin package is not installed");
    Path corpus =
        Path.of(System.getProperty("mailfilter.shared", "../shared"), "corpora")
            .resolve("spamassassin-public-corpus");
    assumeTrue(Files.isDirectory(corpus), "no shared corpus");
    RuleSet rules = RuleSet.load(List.of(SHIPPED, SpamAssassinSettings.SITE_RULES));
    int filtered = 0;
    int withFirstChars = 0;
    int withStarts = 0;
    for (int i = 0; i < rules.rules().size(); i++) {
      filtered += rules.prefilter().filters(i) ? 1 : 0;
      Rule r = rules.rules().get(i);
      Rule.Test t = r.test();
      if (t instanceof Rule.Regex x && x.firstChars() != null
          || t instanceof Rule.Header h && h.firstChars() != null) {
        withFirstChars++;
      }
      if (t instanceof Rule.Regex x && x.starts() != null && !r.multiple()) {
        withStarts++;
      }
    }
    System.out.printf(
        "prefilter: %d rules filtered by their literals, %d with first characters,"
            + " %d searched from their start literals%n",
        filtered, withFirstChars, withStarts);
    assertThat(filtered).isGreaterThan(300);
    assertThat(withFirstChars).isGreaterThan(300);
    assertThat(withStarts).isGreaterThan(300);
    int messages = 0;
    int hitsSeen = 0;
    for (var folder : Map.of("spam", 160, "easy_ham", 160, "hard_ham", 80).entrySet()) {
      List<Path> files;
      try (var s = Files.list(corpus.resolve(folder.getKey()))) {
        files = s.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
      }
      int n = folder.getValue();
      for (int k = 0; k < n; k++) {
        Path f = files.get((int) ((long) k * files.size() / n));
        SaMessage m =
            SaMessage.of(
                dev.mailfilter.mime.MessageParser.create().parse(Files.readAllBytes(f)), "");
        Map<String, Integer> plain = rules.run(m, Guard.none(), null);
        Map<String, Integer> fast = rules.run(m, Guard.none());
        assertThat(fast).as(f.toString()).isEqualTo(plain);
        messages++;
        hitsSeen += plain.size();
      }
    }
    assertThat(messages).isEqualTo(400);
    assertThat(hitsSeen).isGreaterThan(4000); // the comparison saw rules hit, not only misses
  }

  /**
   * The form-word rules, the costliest before {@link StartLiterals}, find a match in exactly the
   * body texts where {@code find()} does, on every message of {@code spam} and {@code hard_ham}
   * (where they hit) and a part of {@code easy_ham}.
   */
  @Test
  void startLiteralsFindTheFormWordRulesWhereFindDoesOnTheCorpus() throws Exception {
    assumeTrue(
        Files.isRegularFile(SHIPPED.resolve("72_active.cf")),
        "Debian's spamassassin package is not installed");
    Path corpus =
        Path.of(System.getProperty("mailfilter.shared", "../shared"), "corpora")
            .resolve("spamassassin-public-corpus");
    assumeTrue(Files.isDirectory(corpus), "no shared corpus");
    RuleSet rules = RuleSet.load(List.of(SHIPPED, SpamAssassinSettings.SITE_RULES));
    List<Rule.Regex> form = new java.util.ArrayList<>();
    for (Rule r : rules.rules()) {
      if (r.name().startsWith("__FILL_THIS_FORM_") && r.test() instanceof Rule.Regex x) {
        if (x.starts() != null) {
          form.add(x);
        }
      }
    }
    assertThat(form.stream().map(x -> x.pattern().pattern()))
        .as("SHORT2 and LONG2 at least")
        .hasSizeGreaterThanOrEqualTo(2);
    int texts = 0;
    int found = 0;
    for (var folder : Map.of("spam", 1, "hard_ham", 1, "easy_ham", 10).entrySet()) {
      List<Path> files;
      try (var s = Files.list(corpus.resolve(folder.getKey()))) {
        files = s.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
      }
      for (int k = 0; k < files.size(); k += folder.getValue()) {
        Path f = files.get(k);
        SaMessage m =
            SaMessage.of(
                dev.mailfilter.mime.MessageParser.create().parse(Files.readAllBytes(f)), "");
        for (String text : m.body()) {
          for (Rule.Regex x : form) {
            boolean plain = x.pattern().matcher(text).find();
            assertThat(x.starts().find(x.pattern(), text, Guard.none()))
                .as(f + ": " + text)
                .isEqualTo(plain);
            found += plain ? 1 : 0;
          }
          texts++;
        }
      }
    }
    System.out.printf("form-word rules: %d body texts, %d matches%n", texts, found);
    assertThat(found).isGreaterThan(20); // the comparison saw matches, not only misses
  }

  @Test
  void possessiveRunsFindTheSameMatchesAsTheWrittenPatternsOnTheCorpus() throws Exception {
    assumeTrue(
        Files.isRegularFile(SHIPPED.resolve("72_active.cf")),
        "Debian's spamassassin package is not installed");
    Path corpus =
        Path.of(System.getProperty("mailfilter.shared", "../shared"), "corpora")
            .resolve("spamassassin-public-corpus");
    assumeTrue(Files.isDirectory(corpus), "no shared corpus");
    RuleSet rules = RuleSet.load(List.of(SHIPPED, SpamAssassinSettings.SITE_RULES));
    List<Rule> changed = new java.util.ArrayList<>();
    for (Rule r : rules.rules()) {
      boolean differs =
          switch (r.test()) {
            case Rule.Regex x -> x.pattern() != x.written();
            case Rule.Header h -> h.pattern() != h.written();
            default -> false;
          };
      if (differs) {
        changed.add(r);
      }
    }
    assertThat(changed.stream().map(Rule::name)).contains("__SUBJ_HAS_TO_2");
    int compared = 0;
    int matched = 0;
    for (String folder : List.of("spam", "hard_ham", "easy_ham")) {
      List<Path> files;
      try (var s = Files.list(corpus.resolve(folder))) {
        files = s.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
      }
      for (int k = 0; k < files.size(); k += 4) {
        Path f = files.get(k);
        SaMessage m =
            SaMessage.of(
                dev.mailfilter.mime.MessageParser.create().parse(Files.readAllBytes(f)), "");
        for (Rule r : changed) {
          java.util.regex.Pattern run;
          java.util.regex.Pattern written;
          List<String> texts;
          if (r.test() instanceof Rule.Header h) {
            run = h.pattern();
            written = h.written();
            texts = List.of(m.header(h.spec()).orElse(""));
          } else {
            Rule.Regex x = (Rule.Regex) r.test();
            run = x.pattern();
            written = x.written();
            texts =
                switch (r.kind()) {
                  case BODY -> m.body();
                  case RAWBODY -> m.rawBody();
                  case URI -> m.uris();
                  default -> List.of(m.full());
                };
          }
          for (String text : texts) {
            List<String> want = PossessiveTest.matches(written, text);
            assertThat(PossessiveTest.matches(run, text)).as(r.name() + " in " + f).isEqualTo(want);
            compared++;
            matched += want.isEmpty() ? 0 : 1;
          }
        }
      }
    }
    System.out.printf(
        "possessive runs: %d rules, %d texts compared, %d matching%n",
        changed.size(), compared, matched);
    assertThat(matched).isGreaterThan(100); // the comparison saw matches, not only misses
  }

  /**
   * Every text of the corpus sample in which a rule's pattern finds a match is one its {@link
   * Superset} may match: the automaton never rules out a text that holds a match (and it rules out
   * most of the others, which is what it is for).
   */
  @Test
  void supersetsRuleOutNoTextWithAMatchOnTheCorpus() throws Exception {
    assumeTrue(
        Files.isRegularFile(SHIPPED.resolve("72_active.cf")),
        "Debian's spamassassin package is not installed");
    Path corpus =
        Path.of(System.getProperty("mailfilter.shared", "../shared"), "corpora")
            .resolve("spamassassin-public-corpus");
    assumeTrue(Files.isDirectory(corpus), "no shared corpus");
    RuleSet rules = RuleSet.load(List.of(SHIPPED, SpamAssassinSettings.SITE_RULES));
    List<Rule> with = new java.util.ArrayList<>();
    for (Rule r : rules.rules()) {
      if (r.test() instanceof Rule.Regex x && x.superset() != null
          || r.test() instanceof Rule.Header h && h.superset() != null) {
        with.add(r);
      }
    }
    assertThat(with).hasSizeGreaterThan(700);
    long compared = 0;
    long matched = 0;
    long ruledOut = 0;
    for (String folder : List.of("spam", "hard_ham", "easy_ham")) {
      List<Path> files;
      try (var s = Files.list(corpus.resolve(folder))) {
        files = s.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
      }
      for (int k = 0; k < files.size(); k += 8) {
        Path f = files.get(k);
        SaMessage m =
            SaMessage.of(
                dev.mailfilter.mime.MessageParser.create().parse(Files.readAllBytes(f)), "");
        for (Rule r : with) {
          java.util.regex.Pattern written;
          Superset superset;
          List<String> texts;
          if (r.test() instanceof Rule.Header h) {
            written = h.written();
            superset = h.superset();
            texts = List.of(m.header(h.spec()).orElse(""));
          } else {
            Rule.Regex x = (Rule.Regex) r.test();
            written = x.written();
            superset = x.superset();
            texts =
                switch (r.kind()) {
                  case BODY -> m.body();
                  case RAWBODY -> m.rawBody();
                  case URI -> m.uris();
                  default -> List.of(m.full());
                };
          }
          for (String text : texts) {
            boolean may = superset.mayMatch(text);
            if (written.matcher(text).find()) {
              assertThat(may).as(r.name() + " in " + f).isTrue();
              matched++;
            }
            ruledOut += may ? 0 : 1;
            compared++;
          }
        }
      }
    }
    System.out.printf(
        "supersets: %d rules, %d texts compared, %d matching, %d ruled out%n",
        with.size(), compared, matched, ruledOut);
    assertThat(matched).isGreaterThan(1000); // the comparison saw matches, not only misses
    assertThat(ruledOut).isGreaterThan(compared / 2);
  }

  static String summary(RuleSet rules) {
    Map<String, Long> byReason =
        rules.unsupported().stream()
            .collect(
                Collectors.groupingBy(
                    p -> p.reason().replaceAll("reads \\w+, .*", "reads an unsupported rule"),
                    TreeMap::new,
                    Collectors.counting()));
    return rules + "\nunsupported by reason: " + byReason + "\nskipped: " + rules.skippedCounts();
  }
}
