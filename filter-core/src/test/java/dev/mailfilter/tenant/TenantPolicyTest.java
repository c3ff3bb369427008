package dev.mailfilter.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Policy;
import dev.mailfilter.api.SymbolRules;
import dev.mailfilter.api.Thresholds;
import dev.mailfilter.config.AccessList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The strictest-policy rule that judges one message for recipients of several policies. */
class TenantPolicyTest {
  private static final SymbolRules OFF_MID =
      new SymbolRules(
          Map.of("MISSING_MID", new SymbolRules.Rule(3, false, Double.NaN)), Map.of(), Map.of());

  private static AccessList senders(String... s) {
    return new AccessList(Set.of(s), Set.of(), List.of(), true);
  }

  private final TenantPolicy lenient =
      new TenantPolicy(
          new Policy(
              "lenient",
              new Thresholds(Map.of(Action.ADD_HEADER, 8.0, Action.REJECT, 20.0)),
              Map.of(Action.QUARANTINE, Action.ADD_HEADER, Action.DISCARD, Action.REJECT),
              false,
              OFF_MID),
          senders("friend@a.example"),
          senders("foe@a.example"));
  private final TenantPolicy strict =
      new TenantPolicy(
          new Policy(
              "strict",
              new Thresholds(Map.of(Action.ADD_HEADER, 4.0, Action.QUARANTINE, 10.0)),
              Map.of(Action.DISCARD, Action.QUARANTINE),
              true,
              SymbolRules.NONE),
          AccessList.empty(),
          senders("other@b.example"));

  @Test
  void mergesToTheLowestThresholdsAndNoQuarantine() {
    TenantPolicy m = lenient.strictest(strict);
    Policy p = m.policy();
    assertThat(p.thresholds().byAction())
        .isEqualTo(Map.of(Action.ADD_HEADER, 4.0, Action.QUARANTINE, 10.0, Action.REJECT, 20.0));
    assertThat(p.effectiveAction(Action.QUARANTINE)).isEqualTo(Action.ADD_HEADER);
    // The two disagree on discard: neither override holds.
    assertThat(p.effectiveAction(Action.DISCARD)).isEqualTo(Action.DISCARD);
    assertThat(p.resultHeaders()).isTrue();
    assertThat(p.symbolRules()).isEqualTo(SymbolRules.NONE);
    assertThat(m.allow().isEmpty()).isTrue();
    assertThat(m.block().senders()).containsExactlyInAnyOrder("foe@a.example", "other@b.example");
    assertThat(strict.strictest(lenient).sameAs(m)).isTrue();
  }

  @Test
  void equalSettingsMergeToThemselves() {
    TenantPolicy copy =
        new TenantPolicy(
            new Policy(
                "another name",
                lenient.policy().thresholds(),
                lenient.policy().actionOverrides(),
                false,
                OFF_MID),
            lenient.allow(),
            lenient.block());
    assertThat(copy.sameAs(lenient)).isTrue();
    assertThat(lenient.strictest(copy)).isSameAs(lenient);
    assertThat(lenient.sameAs(strict)).isFalse();
  }
}
