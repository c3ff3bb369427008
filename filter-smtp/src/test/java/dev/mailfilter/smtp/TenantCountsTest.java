package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.api.Action;
import dev.mailfilter.tenant.TenantDirectory;
import org.junit.jupiter.api.Test;

/** The gateway's verdicts per tenant: labelled by domain, capped first come, never moved. */
class TenantCountsTest {
  private static final TenantDirectory TENANTS =
      FilterConfig.builder()
          .yaml(
              """
              tenants:
                resellers:
                  acme:
                    customers:
                      bakery:
                        domains:
                          bakery.example:
                            users:
                              boss: {}
              domains:
                flat.example: {}
              """)
          .build()
          .tenants();

  private static String label(String address) {
    return TenantCounts.label(TENANTS.resolve(address).orElseThrow());
  }

  @Test
  void aTenantIsItsPathDownToTheDomainWhateverTheUser() {
    assertThat(label("boss@bakery.example")).isEqualTo("acme/bakery/bakery.example");
    assertThat(label("anyone@bakery.example")).isEqualTo("acme/bakery/bakery.example");
    assertThat(label("x@flat.example")).isEqualTo("flat.example");
  }

  @Test
  void theFirstTenantsKeepTheirCountsAndLaterOnesCountAsOther() {
    TenantCounts counts = new TenantCounts(2);
    counts.count("a", Action.ACCEPT);
    counts.count("b", Action.REJECT);
    counts.count("c", Action.ACCEPT);
    counts.count("d", Action.ACCEPT);
    counts.count("a", Action.ACCEPT); // still its own, after the cap was reached
    counts.count("", Action.ACCEPT); // a trusted network's relaying: no tenant, not capped
    assertThat(counts.snapshot()).containsOnlyKeys("a", "b", "_other", "_none");
    assertThat(counts.snapshot().get("a").get(Action.ACCEPT)).isEqualTo(2);
    assertThat(counts.snapshot().get("_other").get(Action.ACCEPT)).isEqualTo(2);
    assertThat(counts.snapshot().get("_none").get(Action.ACCEPT)).isEqualTo(1);
    assertThat(counts.snapshot().get("b")).containsEntry(Action.REJECT, 1L).hasSize(9);
  }

  @Test
  void tenantsWhoseNamesStartWithAnUnderscoreCountTowardsTheCapToo() {
    TenantCounts counts = new TenantCounts(1);
    counts.count("_a/x.example", Action.ACCEPT);
    counts.count("_b/y.example", Action.ACCEPT);
    assertThat(counts.snapshot()).containsOnlyKeys("_a/x.example", "_other");
  }

  @Test
  void aCapOfZeroCountsEveryTenantAsOther() {
    TenantCounts counts = new TenantCounts(0);
    counts.count("a", Action.QUARANTINE);
    assertThat(counts.snapshot()).containsOnlyKeys("_other");
    assertThatThrownBy(() -> new TenantCounts(-1)).hasMessageContaining("-1");
  }
}
