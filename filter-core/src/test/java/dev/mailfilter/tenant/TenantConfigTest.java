package dev.mailfilter.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Policy;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.config.ConfigException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TenantConfigTest {
  private static final String TREE =
      """
      trusted_networks: ["192.0.2.0/24"]
      tenants:
        resellers:
          acme:
            actions: {reject: 20, add_header: 5}
            route: {host: relay.acme.example, port: 2525, tls: verify}
            groups_disabled: [headers]
            scores: {SUBJ_ALL_CAPS: 4}
            customers:
              bakery:
                actions: {add_header: 4}
                domains:
                  bakery.example:
                    users:
                      boss:
                        actions: {add_header: null}
                        symbols_enabled: [MISSING_MID]
                  bakery.example.net: {}
                  "bücher.example":
                    route: {host: mx.buecher.example, mx: true}
              plain:
                domains:
                  plain.example: {}
        customers:
          direct:
            quarantine: false
            result_headers: false
            domains:
              direct.example:
                symbols_disabled: [SUBJ_ALL_CAPS]
                symbols_enabled: [SUBJ_ALL_CAPS]
      domains:
        flat.example: {}
      """;

  private static TenantDirectory tree() {
    return FilterConfig.builder().yaml(TREE).build().tenants();
  }

  private static Recipient resolve(TenantDirectory d, String address) {
    return d.resolve(address).orElseThrow(() -> new AssertionError("not found: " + address));
  }

  @Test
  void moreSpecificLevelWinsPerKey() {
    TenantDirectory d = tree();
    Policy domain = resolve(d, "anyone@bakery.example").policy().policy();
    // add_header from the customer, reject from the reseller: each key resolves on its own.
    assertThat(domain.thresholds().threshold(Action.ADD_HEADER)).hasValue(4);
    assertThat(domain.thresholds().threshold(Action.REJECT)).hasValue(20);
    assertThat(domain.name()).isEqualTo("acme/bakery");
    Policy boss = resolve(d, "boss@bakery.example").policy().policy();
    assertThat(boss.thresholds().threshold(Action.ADD_HEADER)).isEmpty();
    assertThat(boss.thresholds().threshold(Action.REJECT)).hasValue(20);
    assertThat(boss.name()).isEqualTo("acme/bakery/bakery.example/boss");
    Policy plain = resolve(d, "x@plain.example").policy().policy();
    assertThat(plain.thresholds().threshold(Action.ADD_HEADER)).hasValue(5);
    Policy flat = resolve(d, "x@flat.example").policy().policy();
    assertThat(flat.thresholds()).isEqualTo(FilterConfig.defaults().thresholds());
    assertThat(flat.name()).isEqualTo("default");
  }

  @Test
  void domainsThatAddNothingShareTheirParentsPolicyInstance() {
    TenantDirectory d = tree();
    assertThat(resolve(d, "a@bakery.example").policy())
        .isSameAs(resolve(d, "b@bakery.example.net").policy());
    assertThat(resolve(d, "a@bakery.example").sameGroup(resolve(d, "b@bakery.example.net")))
        .isTrue();
    assertThat(resolve(d, "a@bakery.example").sameGroup(resolve(d, "boss@bakery.example")))
        .isFalse();
  }

  @Test
  void recipientsAreGroupedByRouteAndPolicy() {
    List<RecipientGroup> groups =
        RecipientGroup.of(
            tree(),
            List.of(
                "a@bakery.example",
                "x@nowhere.example",
                "boss@bakery.example",
                "b@bakery.example.net",
                "c@bücher.example"));
    assertThat(groups)
        .extracting(g -> g.recipients().stream().map(Recipient::address).toList())
        .containsExactly(
            List.of("a@bakery.example", "b@bakery.example.net"),
            List.of("boss@bakery.example"),
            List.of("c@bücher.example"));
  }

  @Test
  void symbolsOwnSettingBeatsItsGroupsAndMoreSpecificLevelWins() {
    TenantDirectory d = tree();
    List<Symbol> found =
        List.of(
            Symbol.of("MISSING_MID", 2.5),
            Symbol.of("MISSING_DATE", 1),
            Symbol.of("SUBJ_ALL_CAPS", 1));
    var groups = java.util.Map.of("MISSING_MID", "headers", "MISSING_DATE", "headers");
    // Domain: the reseller's group switch drops both header symbols; its score for caps holds.
    assertThat(
            resolve(d, "a@bakery.example")
                .policy()
                .policy()
                .symbolRules()
                .apply(found, groups::get))
        .containsExactly(Symbol.of("SUBJ_ALL_CAPS", 4));
    // The user turns one symbol of the disabled group on again.
    assertThat(
            resolve(d, "boss@bakery.example")
                .policy()
                .policy()
                .symbolRules()
                .apply(found, groups::get))
        .containsExactly(Symbol.of("MISSING_MID", 2.5), Symbol.of("SUBJ_ALL_CAPS", 4));
    // Enabled and disabled at the same level: disable wins.
    assertThat(
            resolve(d, "a@direct.example")
                .policy()
                .policy()
                .symbolRules()
                .apply(found, groups::get))
        .containsExactly(Symbol.of("MISSING_MID", 2.5), Symbol.of("MISSING_DATE", 1));
  }

  @Test
  void quarantineOffAndHeadersOffAreInherited() {
    Policy p = resolve(tree(), "a@direct.example").policy().policy();
    assertThat(p.effectiveAction(Action.QUARANTINE)).isEqualTo(Action.ADD_HEADER);
    assertThat(p.effectiveAction(Action.REJECT)).isEqualTo(Action.REJECT);
    assertThat(p.resultHeaders()).isFalse();
    assertThat(resolve(tree(), "a@flat.example").policy().policy().resultHeaders()).isTrue();
  }

  @Test
  void lookupIsCaseInsensitiveInALabelsWithoutTrailingDotAndSubaddress() {
    TenantDirectory d = tree();
    assertThat(resolve(d, "Someone@BAKERY.Example.").domain()).isEqualTo("bakery.example");
    assertThat(resolve(d, "x@bücher.example").domain()).isEqualTo("xn--bcher-kva.example");
    assertThat(resolve(d, "x@XN--BCHER-KVA.example").domain()).isEqualTo("xn--bcher-kva.example");
    assertThat(resolve(d, "BOSS+news@bakery.example").tenant())
        .isEqualTo("acme/bakery/bakery.example/boss");
    assertThat(d.resolve("x@sub.bakery.example")).isEmpty();
    assertThat(d.resolve("x@example.com")).isEmpty();
    assertThat(d.resolve("postmaster")).isEmpty();
    assertThat(d.resolve("x@")).isEmpty();
  }

  @Test
  void routesAreInheritedAndOverridden() {
    TenantDirectory d = tree();
    assertThat(resolve(d, "a@bakery.example").route())
        .hasValue(new Route("relay.acme.example", false, 2525, TlsPolicy.VERIFY));
    assertThat(resolve(d, "a@bücher.example").route())
        .hasValue(new Route("mx.buecher.example", true, 25, TlsPolicy.MAY));
    assertThat(resolve(d, "a@flat.example").route()).isEqualTo(Optional.empty());
    assertThat(resolve(d, "a@bakery.example").route().orElseThrow().toString())
        .isEqualTo("[relay.acme.example]:2525 tls=verify");
  }

  @Test
  void trustedNetworksAreExplicit() {
    TenantDirectory d = tree();
    assertThat(d.relayControl()).isTrue();
    assertThat(d.trusted(InetAddresses.forString("192.0.2.9"))).isTrue();
    assertThat(d.trusted(InetAddresses.forString("127.0.0.1"))).isFalse();
    assertThat(d.trusted(InetAddresses.forString("::1"))).isFalse();
  }

  @Test
  void withoutDomainsThereIsNoRelayControl() {
    TenantDirectory d = FilterConfig.defaults().tenants();
    assertThat(d.relayControl()).isFalse();
    assertThat(d).isSameAs(TenantDirectory.none());
  }

  @Test
  void badTenantConfigurationsAreRefusedWithThePath() {
    assertRefused(
        "domains: {a.example: {route: {host: h.example, tls: strict}}}",
        "domains.a.example.route.tls: expected one of none, may, encrypt, verify");
    assertRefused(
        "domains: {a.example: {acions: {reject: 3}}}",
        "domains.a.example.acions: unknown key (did you mean actions?)");
    assertRefused(
        "domains: {a.example: {actions: {rejct: 3}}}",
        "domains.a.example.actions.rejct: unknown action (did you mean reject?)");
    assertRefused(
        "domains: {a.example: {symbols_disabled: [MISING_MID]}}",
        "domains.a.example.symbols_disabled[0]: unknown symbol (did you mean MISSING_MID?)");
    assertRefused(
        "domains: {a.example: {groups_disabled: [header]}}",
        "domains.a.example.groups_disabled[0]: unknown group (did you mean headers?)");
    assertRefused(
        "tenants: {customers: {c: {domains: {a.example: {}}}}}\ndomains: {A.Example: {}}",
        "domains.A.Example: domain a.example is configured twice");
    assertRefused("tenants: {customers: {c: {}}}", "tenants: tenants without any domain");
    assertRefused(
        "trusted_networks: [127.0.0.1]", "trusted_networks: trusted networks without any domain");
    assertRefused("trusted_networks: [nonsense]\ndomains: {a.example: {}}", "trusted_networks[0]:");
    assertRefused("domains: {localhost: {}}", "domains.localhost: not a domain name");
    assertRefused(
        "domains: {a.example: {users: {\"b@a.example\": {}}}}",
        "domains.a.example.users.b@a.example: expected the local part");
    assertRefused(
        "tenants: {resellers: {r: {domains: {a.example: {}}}}}",
        "tenants.resellers.r.domains: unknown key (known keys: action_overrides, actions, customers,");
    assertRefused(
        "domains: {a.example: {action_overrides: {tempfail: accept}}}",
        "domains.a.example.action_overrides.tempfail: tempfail cannot be overridden");
  }

  private static void assertRefused(String yaml, String message) {
    assertThatThrownBy(() -> FilterConfig.builder().yaml(yaml).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aSimpleSiteListsItsDomainsByName() {
    TenantDirectory d =
        FilterConfig.builder()
            .yaml("domains: [ours.example, Other.Example., \"bücher.example\"]")
            .build()
            .tenants();
    assertThat(d.relayControl()).isTrue();
    Recipient r = resolve(d, "x@OURS.example");
    assertThat(r.domain()).isEqualTo("ours.example");
    assertThat(r.route()).isEmpty();
    assertThat(r.policy().policy().name()).isEqualTo("default");
    assertThat(resolve(d, "x@other.example").domain()).isEqualTo("other.example");
    assertThat(resolve(d, "x@xn--bcher-kva.example").domain()).isEqualTo("xn--bcher-kva.example");
    assertThat(d.resolve("x@elsewhere.example")).isEmpty();
  }

  @Test
  void aDomainListRefusesDuplicatesAndNonDomainsByIndex() {
    assertThatThrownBy(() -> FilterConfig.builder().yaml("domains: [a.example, A.example]").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("domains[1]")
        .hasMessageContaining("configured twice (also domains[0])");
    assertThatThrownBy(() -> FilterConfig.builder().yaml("domains: [a.example, nodot]").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("domains[1]: not a domain name: \"nodot\"");
    assertThatThrownBy(() -> FilterConfig.builder().yaml("domains: [a.example, {b: 1}]").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("domains[1]");
  }
}
