package dev.mailfilter.sa;

import static dev.mailfilter.sa.SaFixtures.rule;
import static dev.mailfilter.sa.SaFixtures.rules;
import static dev.mailfilter.sa.SaFixtures.unsupported;
import static dev.mailfilter.sa.SaFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per directive the loader reads, on small {@code .cf} files. */
class RuleLoaderTest {
  @TempDir Path dir;

  @Test
  void headerRulesWithOperatorsModifiersAndIfUnset() {
    RuleSet r =
        rules(
            dir,
            """
            header H_MATCH     Subject =~ /free/i
            header H_NEG       X-Mailer !~ /Outlook/
            header H_UNSET     X-Foo =~ /^unset$/ [if-unset: unset]
            header H_EXISTS    exists:X-Bar
            header H_RAW       Subject:raw =~ /=\\?utf-8\\?/i
            header H_ADDR      From:addr =~ /\\@example\\.com$/
            header H_NAME      From:name =~ /^Bob$/
            header H_ALL       ALL =~ /^X-Baz: /m
            header H_TOCC      ToCc =~ /carol/
            header H_ENV       EnvelopeFrom =~ /bounce/
            header H_TWO       From|Reply-To =~ /zed/
            header H_HOST      From:host =~ /x/
            """);
    assertThat(r.unsupported()).extracting(Problem::subject).containsExactly("H_HOST");
    Rule neg = rule(r, "H_NEG").orElseThrow();
    assertThat(neg.kind()).isEqualTo(RuleKind.HEADER);
    assertThat(((Rule.Header) neg.test()).negated()).isTrue();
    assertThat(((Rule.Header) rule(r, "H_UNSET").orElseThrow().test()).ifUnset()).hasValue("unset");
    assertThat(rule(r, "H_EXISTS").orElseThrow().test()).isInstanceOf(Rule.Exists.class);
    assertThat(((Rule.Header) rule(r, "H_TWO").orElseThrow().test()).spec().names())
        .containsExactly("From", "Reply-To");
    assertThat(unsupported(r, "H_HOST").orElseThrow()).contains(":host");
  }

  @Test
  void bodyRawbodyFullAndUriRules() {
    RuleSet r =
        rules(
            dir,
            """
            body    B_ONE    /viagra/i
            rawbody R_ONE    /<font/i
            full    F_ONE    /^Received:/m
            uri     U_ONE    /bit\\.ly/
            body    B_EVAL   eval:check_for_uppercase('25', '50')
            """);
    assertThat(r.rules())
        .extracting(Rule::name, Rule::kind)
        .contains(
            org.assertj.core.groups.Tuple.tuple("B_ONE", RuleKind.BODY),
            org.assertj.core.groups.Tuple.tuple("R_ONE", RuleKind.RAWBODY),
            org.assertj.core.groups.Tuple.tuple("F_ONE", RuleKind.FULL),
            org.assertj.core.groups.Tuple.tuple("U_ONE", RuleKind.URI),
            org.assertj.core.groups.Tuple.tuple("B_EVAL", RuleKind.BODY));
    assertThat(r.unsupported()).isEmpty();
  }

  @Test
  void metaRulesAndTheirDependencies() {
    RuleSet r =
        rules(
            dir,
            """
            body   __A      /a/
            body   __B      /b/
            meta   M_OK     __A && !__B
            meta   M_SUM    (__A + __B + M_OK) > 1
            meta   M_MISS   __A && __NOPE
            body   __BAD    eval:no_such_test()
            meta   M_BAD    __A || __BAD
            meta   M_BAD2   M_BAD && __A
            meta   M_LOOP1  M_LOOP2 && __A
            meta   M_LOOP2  M_LOOP1
            """);
    assertThat(rule(r, "M_OK")).isPresent();
    assertThat(rule(r, "M_SUM")).isPresent();
    assertThat(unsupported(r, "M_MISS").orElseThrow()).contains("__NOPE").contains("not defined");
    assertThat(unsupported(r, "__BAD").orElseThrow()).contains("no_such_test");
    // A meta over an unsupported rule is unsupported too, never silently false.
    assertThat(unsupported(r, "M_BAD").orElseThrow()).contains("__BAD");
    assertThat(unsupported(r, "M_BAD2").orElseThrow()).contains("M_BAD");
    assertThat(unsupported(r, "M_LOOP1").orElseThrow()).contains("cycle");
    // Metas come after the metas they read.
    List<String> order = r.rules().stream().map(Rule::name).toList();
    assertThat(order.indexOf("M_SUM")).isGreaterThan(order.indexOf("M_OK"));
  }

  @Test
  void describeScoreTflagsAndPriority() {
    RuleSet r =
        rules(
            dir,
            """
            body     ONE    /one/
            describe ONE    Says one
            score    ONE    2.5
            body     FOUR   /four/
            score    FOUR   0.1 0.2 3.3 0.4
            body     NICE   /nice/
            tflags   NICE   nice
            body     MANY   /many/
            tflags   MANY   multiple maxhits=3
            priority MANY   -100
            body     DEFAULT /default/
            body     T_TEST  /test/
            body     ZERO   /zero/
            score    ZERO   0
            body     BADSCORE /x/
            score    BADSCORE 1 2
            """);
    Rule one = rule(r, "ONE").orElseThrow();
    assertThat(one.description()).isEqualTo("Says one");
    assertThat(one.score()).isEqualTo(2.5);
    assertThat(rule(r, "FOUR").orElseThrow().score()).isEqualTo(3.3); // set 2 of four
    assertThat(rule(r, "NICE").orElseThrow().score()).isEqualTo(-1.0);
    Rule many = rule(r, "MANY").orElseThrow();
    assertThat(many.multiple()).isTrue();
    assertThat(many.maxHits()).isEqualTo(3);
    assertThat(many.priority()).isEqualTo(-100);
    assertThat(rule(r, "DEFAULT").orElseThrow().score()).isEqualTo(1.0);
    assertThat(rule(r, "T_TEST").orElseThrow().score()).isEqualTo(0.01);
    assertThat(rule(r, "ZERO")).isEmpty(); // scored 0 and read by no meta: not run
    assertThat(r.skippedCounts()).containsKey("rule scored 0 in set 2 and read by no running meta");
    assertThat(r.skipped()).anyMatch(p -> p.reason().contains("bad score for BADSCORE"));
    assertThat(r.symbols())
        .anyMatch(s -> s.name().equals("ONE") && s.description().equals("Says one"));
  }

  @Test
  void zeroScoredRulesRunWhenAMetaReadsThem() {
    RuleSet r =
        rules(
            dir,
            """
            body  ZERO  /zero/
            score ZERO  0
            meta  USES  ZERO
            """);
    assertThat(rule(r, "ZERO")).hasValueSatisfying(z -> assertThat(z.symbol()).isEmpty());
    assertThat(rule(r, "USES")).isPresent();
  }

  @Test
  void ifAndIfpluginWithElseAndNesting() {
    RuleSet r =
        rules(
            dir,
            """
            ifplugin Mail::SpamAssassin::Plugin::HeaderEval
            body IN_LOADED /a/
            endif
            ifplugin Mail::SpamAssassin::Plugin::DKIM
            body IN_DKIM /a/
            else
            body NOT_DKIM /a/
            endif
            if !plugin(Mail::SpamAssassin::Plugin::DKIM)
            body FALLBACK /a/
            endif
            if (version >= 3.004000)
              if can(Mail::SpamAssassin::Conf::feature_capture_rules)
              body CAPTURE /a/
              endif
              if can(Mail::SpamAssassin::Conf::feature_bug6558_free) && version < 5
              body FEATURE /a/
              endif
            endif
            if (version < 4.000000)
            body OLD /a/
            endif
            meta M_DKIM IN_DKIM
            """);
    List<String> names = r.rules().stream().map(Rule::name).toList();
    assertThat(names).contains("IN_LOADED", "NOT_DKIM", "FALLBACK", "FEATURE");
    assertThat(names).doesNotContain("IN_DKIM", "CAPTURE", "OLD");
    assertThat(unsupported(r, "M_DKIM").orElseThrow())
        .contains("block that is off")
        .contains("DKIM not loaded");
    assertThat(r.plugins()).contains("Mail::SpamAssassin::Plugin::HeaderEval");
  }

  @Test
  void linesInANestedBlockCountUnderTheOuterBlocksReason() {
    RuleSet r =
        rules(
            dir,
            """
            ifplugin Mail::SpamAssassin::Plugin::DKIM
              if (version >= 3.004000)
              body INNER /a/
              else
              body INNER_ELSE /a/
              endif
            endif
            """);
    assertThat(r.skippedCounts())
        .containsEntry(
            "in a block that is off (plugin Mail::SpamAssassin::Plugin::DKIM not loaded)", 2)
        .doesNotContainKey("in a block that is off (false condition: if (version >= 3.004000))");
  }

  @Test
  void requireVersionSkipsTheRestOfAFileOfAnotherVersion() {
    write(dir, "10_old.cf", "body BEFORE /a/\nrequire_version 3.004006\nbody AFTER /a/\n");
    write(dir, "20_ok.cf", "require_version " + RuleLoader.VERSION + "\nbody SAME /a/\n");
    write(dir, "30_tpl.cf", "require_version @@VERSION@@\nbody TEMPLATE /a/\n");
    RuleSet r = RuleSet.load(List.of(dir));
    List<String> names = r.rules().stream().map(Rule::name).toList();
    assertThat(names).contains("BEFORE", "SAME", "TEMPLATE").doesNotContain("AFTER");
    assertThat(r.skipped()).anyMatch(p -> p.subject().equals("require_version") && p.line() == 2);
  }

  @Test
  void langLinesAreSkippedAndCounted() {
    RuleSet r =
        rules(
            dir,
            """
            body  HELLO /hello/
            lang de describe HELLO Hallo
            lang fr body FR_ONLY /bonjour/
            """);
    assertThat(rule(r, "FR_ONLY")).isEmpty();
    assertThat(rule(r, "HELLO").orElseThrow().description()).isEmpty();
    assertThat(r.skippedCounts()).containsEntry("lang: translations are not used", 2);
  }

  @Test
  void includeReadsAFileBesideTheIncludingOne() {
    write(dir, "sub/extra.cf", "body FROM_INCLUDE /x/\n");
    write(dir, "local.cf", "include sub/extra.cf\ninclude sub/missing.cf\n");
    RuleSet r = RuleSet.load(List.of(dir.resolve("local.cf")));
    assertThat(rule(r, "FROM_INCLUDE")).isPresent();
    assertThat(r.errors()).anyMatch(p -> p.subject().equals("include") && p.line() == 2);
  }

  @Test
  void filesAreReadInSpamAssassinsOrderAndTheLastDefinitionWins() {
    Path shipped = dir.resolve("share");
    Path site = dir.resolve("etc");
    write(site, "init.pre", SaFixtures.PLUGINS);
    write(shipped, "20_b.cf", "body SAME /second/\nscore SAME 2\n");
    write(shipped, "10_a.cf", "body SAME /first/\n");
    write(site, "local.cf", "score SAME 7\n");
    write(shipped, "README", "body NOT_READ /x/\n");
    RuleSet r = RuleSet.load(List.of(shipped, site));
    assertThat(r.files())
        .extracting(p -> p.getFileName().toString())
        .containsExactly("init.pre", "10_a.cf", "20_b.cf", "local.cf");
    Rule same = rule(r, "SAME").orElseThrow();
    assertThat(((Rule.Regex) same.test()).pattern().pattern()).isEqualTo("second");
    assertThat(same.score()).isEqualTo(7);
    assertThat(rule(r, "NOT_READ")).isEmpty();
  }

  @Test
  void otherDirectivesAreSkippedAndCountedWithTheirReason() {
    RuleSet r =
        rules(
            dir,
            """
            required_score 5
            whitelist_from *@example.com
            util_rb_tld com
            bayes_auto_learn 1
            report _SUMMARY_
            uridnsbl_skip_domain example.com
            mimeheader FOO Content-Type =~ /x/
            # a comment
            body HASH /a\\#b/   # trailing comment
            """);
    assertThat(r.skippedCounts())
        .containsEntry("directive not supported (required_score)", 1)
        .containsEntry("address and host lists: not supported yet (whitelist_from)", 1)
        .containsEntry(
            "registry boundaries: mailfilter uses the public suffix list (util_rb_tld)", 1)
        .containsEntry("Bayes settings: mailfilter has its own model (bayes_auto_learn)", 1)
        .containsEntry("report and header templates: mailfilter writes its own headers (report)", 1)
        .containsEntry(
            "network test settings: network rules are not supported (uridnsbl_skip_domain)", 1)
        .containsEntry("directive not supported (mimeheader)", 1);
    assertThat(((Rule.Regex) rule(r, "HASH").orElseThrow().test()).pattern().matcher("a#b").find())
        .isTrue();
  }

  @Test
  void unsupportedRulesAreListedWithFileLineAndReason() {
    RuleSet r =
        rules(
            dir,
            """
            body OK /ok/
            body KEEP /foo\\Kbar/
            header NET eval:check_rbl('x', 'zen.example.')
            body BROKEN /unclosed(/
            """);
    assertThat(r.unsupported())
        .extracting(Problem::subject, Problem::line)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("KEEP", 2),
            org.assertj.core.groups.Tuple.tuple("NET", 3),
            org.assertj.core.groups.Tuple.tuple("BROKEN", 4));
    assertThat(r.unsupported().getFirst().toString())
        .startsWith(dir.resolve("50_test.cf") + ":2: KEEP: ")
        .contains("\\K");
    assertThat(r.loaded()).isEqualTo(1);
  }

  @Test
  void missingPathsAreErrorsNotExceptions() {
    RuleSet r = RuleSet.load(List.of(dir.resolve("nope")));
    assertThat(r.errors())
        .singleElement()
        .satisfies(p -> assertThat(p.reason()).contains("no such"));
    assertThat(r.loaded()).isZero();
  }

  @Test
  void replaceTagsRewritesTheListedRules() {
    RuleSet r =
        rules(
            dir,
            """
            replace_tag   V   (?:v|\\\\/)
            replace_tag   A   (?:a|4|@)
            replace_inter SP  [\\s.]?
            replace_post  P2  {1,2}
            body TAGGED  /<inter SP><post P2><V><A>/i
            body PLAIN   /<V>/
            replace_rules TAGGED
            """);
    java.util.regex.Pattern p = ((Rule.Regex) rule(r, "TAGGED").orElseThrow().test()).pattern();
    assertThat(p.matcher("vva").find()).isTrue();
    assertThat(p.matcher("\\/ 4").find()).isTrue();
    assertThat(p.matcher("xyz").find()).isFalse();
    // Not listed in replace_rules: the tag stays literal, as in SpamAssassin.
    assertThat(((Rule.Regex) rule(r, "PLAIN").orElseThrow().test()).pattern().matcher("<V>").find())
        .isTrue();
  }

  @Test
  void ruleNamesThatAreNoSymbolNamesAreUnsupported() {
    RuleSet r =
        rules(
            dir,
            """
            body lower_case /x/
            body LOWER_CASE /y/
            """);
    // lower_case becomes the symbol LOWER_CASE, which the second rule also is.
    assertThat(r.unsupported()).extracting(Problem::subject).containsExactly("LOWER_CASE");
    assertThat(rule(r, "lower_case").orElseThrow().symbol()).hasValue("LOWER_CASE");
  }
}
