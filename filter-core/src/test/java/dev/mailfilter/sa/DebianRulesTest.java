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
