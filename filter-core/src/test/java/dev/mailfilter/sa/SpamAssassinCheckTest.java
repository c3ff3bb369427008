package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.spi.CheckSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code spamassassin} check in a real filter, configured with explicit rule paths. */
class SpamAssassinCheckTest {
  @TempDir Path dir;

  private static final Envelope ENV =
      Envelope.of(
          InetAddresses.forString("192.0.2.9"), "mx.example.com", "s@example.com", List.of("r@x"));

  private static final String RULES =
      """
      body     SA_PILLS    /cheap pills/i
      describe SA_PILLS    Sells pills
      score    SA_PILLS    0 0 3.5 0
      header   __SA_FREE   Subject =~ /free/i
      body     __SA_NOW    /\\bnow\\b/
      meta     SA_FREE_NOW __SA_FREE && __SA_NOW
      score    SA_FREE_NOW 2.25
      body     SA_WORD     /\\bword\\b/
      tflags   SA_WORD     multiple maxhits=3
      score    SA_WORD     0.5
      """;

  private FilterConfig config(String paths) {
    return FilterConfig.builder().yaml("spamassassin:\n  paths: " + paths + "\n").build();
  }

  private static Verdict classify(FilterConfig config, String lf) {
    try (MailFilter f = MailFilter.builder().config(config).build()) {
      return f.classify(lf.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8), ENV);
    }
  }

  private static Optional<Symbol> symbol(Verdict v, String name) {
    return v.symbols().stream().filter(s -> s.name().equals(name)).findFirst();
  }

  @Test
  void hitsBecomeSymbolsWithSpamAssassinsScores() {
    SaFixtures.rules(dir, RULES);
    Verdict v =
        classify(
            config("[\"" + dir + "\"]"),
            "From: a@example.com\nSubject: Free stuff\n\nCheap pills now, word word word word\n");
    assertThat(symbol(v, "SA_PILLS")).hasValueSatisfying(s -> assertThat(s.score()).isEqualTo(3.5));
    assertThat(symbol(v, "SA_FREE_NOW"))
        .hasValueSatisfying(s -> assertThat(s.score()).isEqualTo(2.25));
    // multiple: the score once per hit, up to maxhits.
    assertThat(symbol(v, "SA_WORD")).hasValueSatisfying(s -> assertThat(s.score()).isEqualTo(1.5));
    assertThat(v.symbols()).noneMatch(s -> s.name().startsWith("__"));
  }

  @Test
  void scoresCanBeOverriddenInTheConfiguration() {
    SaFixtures.rules(dir, RULES);
    FilterConfig c =
        FilterConfig.builder()
            .yaml(
                "spamassassin:\n  paths: [\""
                    + dir
                    + "\"]\nchecks:\n  spamassassin:\n    scores:\n      SA_PILLS: 9\n")
            .build();
    Verdict v = classify(c, "From: a@example.com\nSubject: x\n\ncheap pills\n");
    assertThat(symbol(v, "SA_PILLS")).hasValueSatisfying(s -> assertThat(s.score()).isEqualTo(9));
  }

  @Test
  void anEmptyPathListTurnsTheRulesOff() {
    FilterConfig c = config("[]");
    CheckSettings sa =
        c.checks().stream()
            .filter(s -> s.check().name().equals("spamassassin"))
            .findFirst()
            .orElseThrow();
    assertThat(sa.check().symbols()).isEmpty();
    assertThat(c.section(SpamAssassinSettings.SECTION).paths()).isEmpty();
  }

  @Test
  void theDefaultPathsAreTheDebianDirectoriesThatExist() {
    List<Path> expected =
        List.of(SpamAssassinSettings.SHIPPED_RULES, SpamAssassinSettings.SITE_RULES).stream()
            .filter(Files::isDirectory)
            .toList();
    assertThat(SpamAssassinSettings.defaults(Optional.empty()).paths()).isEqualTo(expected);
  }

  @Test
  void theDefaultPathsCanBeReplacedByASystemProperty() {
    // The build sets the property to none: test verdicts must not depend on the host.
    assertThat(System.getProperty(SpamAssassinSettings.DEFAULT_PATHS_PROPERTY)).isEqualTo("none");
    assertThat(FilterConfig.defaults().section(SpamAssassinSettings.SECTION).paths()).isEmpty();
    assertThat(
            SpamAssassinSettings.defaults(Optional.of("/a" + java.io.File.pathSeparator + "/b"))
                .paths())
        .containsExactly(Path.of("/a"), Path.of("/b"));
  }

  @Test
  void badPathSettingsAreRefusedWithTheKey() {
    assertThatThrownBy(() -> config("\"/etc/spamassassin\""))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("spamassassin.paths");
    assertThatThrownBy(() -> config("[\"\"]"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("spamassassin.paths");
  }

  @Test
  void rulesAreReadOncePerFileVersionAndChangesAreSeen() throws Exception {
    SaFixtures.rules(dir, RULES);
    SpamAssassinCheck a = SpamAssassinCheck.of(new SpamAssassinSettings(List.of(dir)));
    SpamAssassinCheck b = SpamAssassinCheck.of(new SpamAssassinSettings(List.of(dir)));
    assertThat(b.rules()).isSameAs(a.rules());
    assertThat(a.changedOnDisk()).isEmpty();
    SaFixtures.write(dir, "60_more.cf", "body SA_MORE /more/\n");
    assertThat(a.changedOnDisk()).isPresent();
    SpamAssassinCheck c = SpamAssassinCheck.of(new SpamAssassinSettings(List.of(dir)));
    assertThat(c.rules()).isNotSameAs(a.rules());
    assertThat(c.symbols()).anyMatch(s -> s.name().equals("SA_MORE"));
  }
}
