package dev.mailfilter.sa;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SaProfileTest {
  @Test
  void profile() throws Exception {
    assumeTrue(
        System.getenv("SA_PROFILE") != null,
        "a profiling run: SA_PROFILE=1 prints the cost per rule");
    RuleSet rules =
        RuleSet.load(List.of(SpamAssassinSettings.SHIPPED_RULES, SpamAssassinSettings.SITE_RULES));
    Path corpus =
        Path.of(
            System.getProperty("mailfilter.shared", "../shared"),
            "corpora/spamassassin-public-corpus");
    Map<String, Long> perRule = new HashMap<>();
    Map<RuleKind, Long> perKind = new HashMap<>();
    Map<RuleKind, Integer> noLiteral = new HashMap<>();
    for (Rule r : rules.rules()) {
      if (r.test() instanceof Rule.Regex x && x.literals().isEmpty()) {
        noLiteral.merge(r.kind(), 1, Integer::sum);
      }
    }
    long build = 0;
    int n = 0;
    for (String kind : List.of("spam", "easy_ham")) {
      List<Path> files;
      try (var s = Files.list(corpus.resolve(kind))) {
        files = s.sorted().limit(150).toList();
      }
      for (Path f : files) {
        byte[] raw = Files.readAllBytes(f);
        long t0 = System.nanoTime();
        SaMessage m = SaMessage.of(dev.mailfilter.mime.MessageParser.create().parse(raw), "");
        m.body();
        m.rawBody();
        m.full();
        build += System.nanoTime() - t0;
        n++;
        for (Rule r : rules.rules()) {
          if (r.test() instanceof Rule.Meta) continue;
          long t = System.nanoTime();
          r.hits(m, Guard.none());
          long d = System.nanoTime() - t;
          perRule.merge(r.name(), d, Long::sum);
          perKind.merge(r.kind(), d, Long::sum);
        }
      }
    }
    final int count = n;
    System.out.printf("messages %d, build %.2f ms/msg%n", n, build / 1e6 / n);
    perKind.forEach((k, v) -> System.out.printf("%s %.2f ms/msg%n", k, v / 1e6 / count));
    System.out.println("no literal: " + noLiteral);
    perRule.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(25)
        .forEach(
            e -> {
              Rule r =
                  rules.rules().stream().filter(x -> x.name().equals(e.getKey())).findFirst().get();
              String pat =
                  r.test() instanceof Rule.Regex x
                      ? x.pattern().pattern() + " lit=" + x.literals()
                      : r.test().toString();
              System.out.printf(
                  "%8.3f ms/msg %s %s %s%n",
                  e.getValue() / 1e6 / count,
                  e.getKey(),
                  r.kind(),
                  pat.length() > 150 ? pat.substring(0, 150) : pat);
            });
  }
}
