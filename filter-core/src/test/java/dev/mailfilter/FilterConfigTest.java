package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Thresholds;
import dev.mailfilter.config.AccessList;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.config.FailurePolicy;
import dev.mailfilter.config.IpRange;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckRegistry;
import dev.mailfilter.spi.CheckSettings;
import dev.mailfilter.spi.SymbolDef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilterConfigTest {
  @TempDir Path dir;

  private static ConfigException error(String yaml) {
    try {
      FilterConfig.parse(yaml);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("accepted: " + yaml);
  }

  @Test
  void defaultsAreCompleteAndMatchTheDocumentedValues() {
    FilterConfig c = FilterConfig.defaults();
    assertThat(c.thresholds().threshold(Action.ADD_HEADER)).hasValue(6.0);
    assertThat(c.thresholds().threshold(Action.REJECT)).hasValue(15.0);
    assertThat(c.thresholds().threshold(Action.GREYLIST)).isEmpty();
    assertThat(c.thresholds().required()).isEqualTo(6.0);
    assertThat(c.stageTimeout(Stage.DATA)).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.stageTimeout(Stage.MAIL_FROM)).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.onCheckError()).isEqualTo(FailurePolicy.CONTINUE);
    assertThat(c.headers().status()).hasValue("X-Spam-Status");
    assertThat(c.reply(Action.REJECT).code()).isEqualTo(554);
    assertThat(c.reply(Action.TEMPFAIL).enhanced()).isEqualTo("4.3.0");
    assertThat(c.checks()).extracting(s -> s.check().name()).contains("gtube", "helo");
  }

  @Test
  void fileOverridesOnlyTheKeysItNames() throws IOException {
    Path f = dir.resolve("mailfilter.yaml");
    Files.writeString(
        f,
        """
        actions:
          reject: 20
          greylist: 4
        headers:
          flag: X-Acme-Spam
        lists:
          block:
            ips: [192.0.2.0/24, "2001:db8::/32"]
        checks:
          gtube:
            score: 500
          helo:
            enabled: false
        """,
        StandardCharsets.UTF_8);
    FilterConfig c = FilterConfig.load(f);
    assertThat(c.thresholds().threshold(Action.REJECT)).hasValue(20.0);
    assertThat(c.thresholds().threshold(Action.ADD_HEADER)).hasValue(6.0);
    assertThat(c.thresholds().actionFor(4.5)).isEqualTo(Action.GREYLIST);
    assertThat(c.headers().flag()).hasValue("X-Acme-Spam");
    assertThat(c.headers().status()).hasValue("X-Spam-Status");
    assertThat(c.blockList().matchClient(InetAddresses.forString("192.0.2.77"))).isPresent();
    assertThat(c.blockList().matchClient(InetAddresses.forString("2001:db8:1::5"))).isPresent();
    assertThat(c.blockList().matchClient(InetAddresses.forString("198.51.100.1"))).isEmpty();
    assertThat(c.checks())
        .extracting(s -> s.check().name())
        .contains("gtube", "mime_defects")
        .doesNotContain("helo");
    assertThat(c.checks().get(0).scores()).containsEntry("GTUBE", 500.0);
  }

  @Test
  void wrongTypeNamesTheKeyPathAndTheValue() {
    ConfigException e = error("checks:\n  gtube:\n    score: high\n");
    assertThat(e).hasMessage("checks.gtube.score: expected a number, got \"high\"");
    assertThat(e.path()).isEqualTo("checks.gtube.score");
  }

  @Test
  void unknownKeysAreRefusedWithDidYouMean() {
    assertThat(error("actions:\n  add_headr: 5\n"))
        .hasMessage("actions.add_headr: unknown key (did you mean add_header?)");
    assertThat(error("engine:\n  timeouts:\n    dta: 5s\n"))
        .hasMessage("engine.timeouts.dta: unknown key (did you mean data?)");
    assertThat(error("chekcs: {}\n")).hasMessage("chekcs: unknown key (did you mean checks?)");
    assertThat(error("checks:\n  gtub: {}\n"))
        .hasMessage("checks.gtub: unknown check (did you mean gtube?)");
    assertThat(error("checks:\n  helo:\n    local_name: [a.example]\n"))
        .hasMessage("checks.helo.local_name: unknown key (did you mean local_names?)");
    assertThat(error("checks:\n  helo:\n    scores:\n      HELO_BARE: 3\n"))
        .hasMessageStartingWith("checks.helo.scores.HELO_BARE: check helo has no such symbol")
        .hasMessageContaining("HELO_BARE_IP");
  }

  @Test
  void reservedSectionsAreRefusedUntilTheirFeatureRegisters() {
    assertThat(error("clamd:\n  host: localhost\n").path()).isEqualTo("clamd");
  }

  @Test
  void badValuesNameTheirPath() {
    assertThat(error("lists:\n  block:\n    ips: [10.0.0.0/33]\n").path())
        .isEqualTo("lists.block.ips[0]");
    assertThat(error("lists:\n  allow:\n    senders: [example.com]\n"))
        .hasMessageContaining("lists.allow.senders[0]: expected an address with @");
    assertThat(error("engine:\n  timeouts:\n    data: soon\n"))
        .hasMessage(
            "engine.timeouts.data: expected a duration like 250ms, 5s, 2m, 1h, got \"soon\"");
    assertThat(error("engine:\n  timeouts:\n    data: 0s\n").path())
        .isEqualTo("engine.timeouts.data");
    assertThat(error("engine:\n  on_check_error: explode\n"))
        .hasMessage("engine.on_check_error: expected one of continue, tempfail, got \"explode\"");
    assertThat(error("replies:\n  reject: \"250 2.0.0 fine\"\n"))
        .hasMessage("replies.reject: expected a 5xx reply, got 250");
    assertThat(error("replies:\n  tempfail: rejected\n").path()).isEqualTo("replies.tempfail");
    assertThat(error("checks:\n  helo:\n    score: 3\n"))
        .hasMessageStartingWith("checks.helo.score: check helo has 4 symbols");
    assertThat(error("headers:\n  flag: \"X Spam\"\n").path()).isEqualTo("headers.flag");
    assertThat(error("actions: [1, 2]\n"))
        .hasMessage("actions: expected a mapping of keys to values, got a list");
  }

  @Test
  void malformedYamlIsRefusedWithItsPosition() {
    ConfigException e = error("actions:\n  reject: 15\n bad indent: [\n");
    assertThat(e.getMessage()).contains("line ").contains("not valid YAML");
    assertThat(error("actions:\n  reject: 1\n  reject: 2\n").getMessage()).contains("reject");
    assertThat(error("- just\n- a list\n").getMessage()).contains("expected a mapping");
  }

  @Test
  void emptySectionKeepsTheDefaultsBelowIt() {
    FilterConfig c = FilterConfig.parse("checks:\nlists:\nactions:\n  reject: 20\n");
    assertThat(c.checks())
        .extracting(s -> s.check().name())
        .containsExactlyElementsOf(
            FilterConfig.defaults().checks().stream().map(s -> s.check().name()).toList());
    assertThat(c.thresholds().threshold(Action.ADD_HEADER)).hasValue(6.0);
  }

  @Test
  void emptyFileMeansDefaults() {
    FilterConfig c = FilterConfig.parse("");
    assertThat(c.thresholds()).isEqualTo(FilterConfig.defaults().thresholds());
  }

  @Test
  void builderSetsKeysByPathWithTheSameValidation() {
    FilterConfig c =
        FilterConfig.builder()
            .set("actions.reject", 30)
            .set("lists.allow.domains", List.of("partner.example"))
            .build();
    assertThat(c.thresholds().threshold(Action.REJECT)).hasValue(30.0);
    assertThat(c.allowList().matchDomain("mx.partner.example")).hasValue("partner.example");
    assertThatThrownBy(() -> FilterConfig.builder().set("actions.reject", "never").build())
        .isInstanceOf(ConfigException.class)
        .hasMessage("actions.reject: expected a number, got \"never\"");
  }

  @Test
  void registeredChecksGetTheirSectionAndOptions() {
    record Custom(double level) implements Check {
      @Override
      public String name() {
        return "custom";
      }

      @Override
      public Stage stage() {
        return Stage.DATA;
      }

      @Override
      public List<SymbolDef> symbols() {
        return List.of(SymbolDef.of("CUSTOM_HIT", 1.0, "custom"));
      }

      @Override
      public void run(CheckContext ctx) {}
    }
    CheckRegistry registry =
        BuiltIns.checks().toBuilder()
            .register("custom", setup -> new Custom(setup.options().number("level", 1)))
            .build();
    FilterConfig c =
        FilterConfig.builder()
            .registry(registry)
            .yaml("checks:\n  custom:\n    level: 3\n    timeout: 250ms\n")
            .build();
    CheckSettings s =
        c.checks().stream()
            .filter(x -> x.check().name().equals("custom"))
            .findFirst()
            .orElseThrow();
    assertThat(((Custom) s.check()).level()).isEqualTo(3.0);
    assertThat(s.timeout()).hasValue(Duration.ofMillis(250));
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .registry(registry)
                    .yaml("checks:\n  custom:\n    levle: 3\n")
                    .build())
        .hasMessage("checks.custom.levle: unknown key (did you mean level?)");
  }

  @Test
  void thresholdsPickTheHighestReachedActionAndTiesGoToTheSevereOne() {
    Thresholds t =
        new Thresholds(
            java.util.Map.of(Action.ADD_HEADER, 6.0, Action.QUARANTINE, 10.0, Action.REJECT, 10.0));
    assertThat(t.actionFor(5.9)).isEqualTo(Action.ACCEPT);
    assertThat(t.actionFor(6.0)).isEqualTo(Action.ADD_HEADER);
    assertThat(t.actionFor(12)).isEqualTo(Action.REJECT);
    assertThat(new Thresholds(java.util.Map.of()).required()).isInfinite();
  }

  @Test
  void ipRangesMatchIpv4AndIpv6ByPrefix() {
    IpRange v4 = IpRange.parse("10.1.2.3/8");
    assertThat(v4.toString()).isEqualTo("10.0.0.0/8");
    assertThat(v4.contains(InetAddresses.forString("10.255.0.1"))).isTrue();
    assertThat(v4.contains(InetAddresses.forString("11.0.0.1"))).isFalse();
    assertThat(v4.contains(InetAddresses.forString("::a01:203"))).isFalse();
    IpRange v6 = IpRange.parse("2001:db8:abcd::/47");
    assertThat(v6.contains(InetAddresses.forString("2001:db8:abcd:ffff::1"))).isTrue();
    assertThat(v6.contains(InetAddresses.forString("2001:db8:abce::1"))).isFalse();
    assertThat(IpRange.parse("192.0.2.1").contains(InetAddresses.forString("192.0.2.1"))).isTrue();
    assertThat(IpRange.parse("0.0.0.0/0").contains(InetAddresses.forString("203.0.113.9")))
        .isTrue();
    assertThatThrownBy(() -> IpRange.parse("example.com"))
        .hasMessageContaining("not an IP address or CIDR range");
    assertThatThrownBy(() -> IpRange.parse("10.0.0.0/x")).hasMessageContaining("bad prefix");
  }

  @Test
  void domainListsMatchSubdomainsOnlyWhenAsked() {
    AccessList sub =
        new AccessList(java.util.Set.of(), java.util.Set.of("Example.COM."), List.of(), true);
    assertThat(sub.matchDomain("mail.example.com")).hasValue("example.com");
    assertThat(sub.matchDomain("badexample.com")).isEmpty();
    AccessList exact =
        new AccessList(java.util.Set.of(), java.util.Set.of("example.com"), List.of(), false);
    assertThat(exact.matchDomain("mail.example.com")).isEmpty();
    assertThat(exact.matchDomain("EXAMPLE.com")).hasValue("example.com");
  }

  @Test
  void invertedThresholdsAreRefusedNamingBothActions() {
    assertThatThrownBy(() -> FilterConfig.parse("actions:\n  add_header: 20\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "actions.add_header: add_header (20) is above actions.reject (15): a message scoring"
                + " 20 or more would get add_header instead of reject; lower add_header or raise"
                + " reject");
    assertThatThrownBy(
            () -> FilterConfig.parse("actions:\n  rewrite_subject: 8\n  quarantine: 7\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("actions.rewrite_subject: rewrite_subject (8) is above");
    assertThatThrownBy(() -> FilterConfig.parse("actions:\n  greylist: 16\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("actions.greylist:");
    assertThatThrownBy(() -> FilterConfig.parse("actions:\n  reject: null\n  discard: 3\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("actions.add_header: add_header (6) is above actions.discard");
    // Ordered thresholds, equal ones, and an action switched off (null) are fine.
    assertThat(
            FilterConfig.parse(
                    "actions:\n  greylist: 4\n  add_header: 6\n  rewrite_subject: 6\n"
                        + "  quarantine: 10\n  reject: null\n")
                .thresholds()
                .threshold(Action.QUARANTINE))
        .hasValue(10.0);
  }
}
