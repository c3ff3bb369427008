package dev.mailfilter.cluster.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cluster.TenantPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {
  @TempDir Path dir;

  @Test
  void theKeyFileHoldsOnlyDigestsAndAuthenticatesAfterAReopen() throws Exception {
    Path file = dir.resolve("keys.json");
    ApiKeys keys = ApiKeys.open(file);
    ApiKeys.Issued issued = keys.issue("acme", Role.RESELLER_ADMIN, TenantPath.reseller("acme"));
    String secret = issued.key().substring(issued.key().indexOf('_', 4) + 1);
    String text = Files.readString(file, StandardCharsets.UTF_8);
    assertThat(text).doesNotContain(secret).contains(ApiKeys.sha256(issued.key()));

    ApiKeys again = ApiKeys.open(file);
    assertThat(again.authenticate(issued.key()))
        .hasValueSatisfying(
            p -> {
              assertThat(p.role()).isEqualTo(Role.RESELLER_ADMIN);
              assertThat(p.scope()).isEqualTo(TenantPath.reseller("acme"));
            });
    assertThat(again.authenticate(issued.key() + "x")).isEmpty();
    assertThat(again.authenticate("mfk_")).isEmpty();
    assertThat(again.authenticate(null)).isEmpty();
    assertThat(again.revoke(issued.record().id())).isTrue();
    assertThat(ApiKeys.open(file).authenticate(issued.key())).isEmpty();
  }

  @Test
  void twoProcessesSharingTheFileSeeEachOthersKeysAndRevocations() throws Exception {
    Path file = dir.resolve("keys.json");
    ApiKeys admin = ApiKeys.open(file);
    ApiKeys web = ApiKeys.open(file);
    ApiKeys.Issued made = admin.issue("carl", Role.CUSTOMER_ADMIN, TenantPath.customer("bakery"));
    assertThat(web.authenticate(made.key())).isPresent();
    ApiKeys.Issued second = web.issue("dora", Role.OPERATOR, TenantPath.root());
    assertThat(admin.list()).hasSize(2);
    assertThat(admin.revoke(made.record().id())).isTrue();
    assertThat(web.authenticate(made.key())).isEmpty();
    assertThat(web.get(made.record().id())).isEmpty();
    assertThat(web.authenticate(second.key())).isPresent();
  }

  @Test
  void aRoleIsScopedToANodeOfItsLevel() {
    ApiKeys keys = ApiKeys.inMemory();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> keys.issue("x", Role.USER, TenantPath.reseller("acme")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user");
  }
}
