package dev.mailfilter.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.cluster.state.SharedStateChecks;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.config.ConfigException;
import io.lettuce.core.RedisURI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one {@code redis:} section, as the tenant store and the shared state read it. */
class RedisSettingsTest {
  @TempDir Path dir;

  static FilterConfig load(String yaml) {
    FilterConfig.Builder b = FilterConfig.builder();
    b.section(ClusterSettings.SECTION);
    SharedStateChecks.SECTIONS.forEach(b::section);
    return b.yaml(yaml).build();
  }

  @Test
  void sentinelsPasswordFileTlsAndDatabaseMakeOneAddress() throws Exception {
    Path secret = dir.resolve("redis.pass");
    Files.writeString(secret, "s3cret\n");
    FilterConfig c =
        load(
            "redis:\n  sentinel_master: mf\n  sentinels: [\"10.0.0.1:26379\", \"10.0.0.2:26379\"]\n"
                + "  password_file: "
                + secret
                + "\n  tls: true\n  database: 3\ncluster:\n  store: redis\n");
    RedisURI uri = c.section(RedisSettings.SECTION).uri().orElseThrow();
    assertThat(uri.getSentinelMasterId()).isEqualTo("mf");
    assertThat(uri.getSentinels()).extracting(RedisURI::getPort).containsExactly(26379, 26379);
    assertThat(new String(uri.getCredentialsProvider().resolveCredentials().block().getPassword()))
        .isEqualTo("s3cret");
    assertThat(uri.isSsl()).isTrue();
    assertThat(uri.getDatabase()).isEqualTo(3);
    assertThat(c.section(RedisSettings.SECTION).toString()).doesNotContain("s3cret");
    assertThat(c.section(ClusterSettings.SECTION).store()).contains("redis");
  }

  @Test
  void theSharedStateUsesTheSameRedis() {
    FilterConfig c =
        load("redis:\n  uri: redis://127.0.0.1:6390/2\nshared_state:\n  prefix: \"x:\"\n");
    StateSettings s =
        c.section(StateSettings.SECTION).withServer(c.section(RedisSettings.SECTION).uri());
    assertThat(s.shared()).isTrue();
    assertThat(s.server().orElseThrow().getPort()).isEqualTo(6390);
    assertThat(s.server().orElseThrow().getDatabase()).isEqualTo(2);
    assertThat(s.prefix()).isEqualTo("x:");
  }

  @Test
  void theOldKeysAreErrorsThatNameTheirReplacement() {
    assertThatThrownBy(() -> load("shared_state:\n  sentinel_master: mf\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("shared_state.sentinel_master")
        .hasMessageContaining("redis.sentinel_master");
    assertThatThrownBy(() -> load("cluster:\n  store: redis-sentinel://h:26379#mf\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.store")
        .hasMessageContaining("store: redis");
  }

  @Test
  void aStoreOnRedisWithoutTheSectionIsAnError() {
    FilterConfig c = load("cluster:\n  store: redis\n");
    assertThatThrownBy(
            () -> c.section(ClusterSettings.SECTION).openStore(c.section(RedisSettings.SECTION)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("redis:");
  }

  @Test
  void contradictionsAreErrors() {
    assertThatThrownBy(
            () ->
                load("redis:\n  uri: redis://h:1\n  sentinel_master: mf\n  sentinels: [\"h:2\"]\n"))
        .hasMessageContaining("redis.sentinel_master");
    assertThatThrownBy(() -> load("redis:\n  sentinel_master: mf\n"))
        .hasMessageContaining("redis.sentinels");
    assertThatThrownBy(() -> load("redis:\n  uri: http://h:1\n")).hasMessageContaining("redis.uri");
    assertThatThrownBy(
            () -> load("redis:\n  uri: redis://h:1\n  password: a\n  password_file: b\n"))
        .hasMessageContaining("redis.password");
    assertThatThrownBy(() -> load("redis:\n  sentinel_master: mf\n  sentinels: [\"nohost\"]\n"))
        .hasMessageContaining("redis.sentinels");
  }
}
