package dev.mailfilter.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code web:} section: every key, its defaults, and clear refusals. */
class WebSettingsTest {
  @TempDir Path dir;

  private WebSettings load(String yaml) throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, yaml);
    return FilterConfig.load(f, List.of(WebSettings.SECTION)).section(WebSettings.SECTION);
  }

  @Test
  void withoutTheSectionTheDefaultsHold() throws Exception {
    assertThat(load("actions:\n  reject: 15\n")).isEqualTo(WebSettings.defaults());
    assertThat(WebSettings.defaults().listen().getPort()).isEqualTo(8026);
    assertThat(WebSettings.defaults().listen().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void everyKeyIsRead() throws Exception {
    WebSettings s =
        load(
            """
            web:
              listen: 127.0.0.1:9090
              session_idle: 10m
              session_max: 2h
              secure_cookies: true
              max_body: 128KiB
              login_attempts: 3
              login_max_lockout: 5m
              trusted_proxies: [127.0.0.1, "::1"]
            """);
    assertThat(s.listen().getPort()).isEqualTo(9090);
    assertThat(s.sessionIdle()).isEqualTo(Duration.ofMinutes(10));
    assertThat(s.sessionMax()).isEqualTo(Duration.ofHours(2));
    assertThat(s.secureCookies()).isTrue();
    assertThat(s.maxBody()).isEqualTo(128 * 1024);
    assertThat(s.loginAttempts()).isEqualTo(3);
    assertThat(s.loginMaxLockout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.trustedProxies())
        .containsExactly(
            java.net.InetAddress.getByName("127.0.0.1"), java.net.InetAddress.getByName("::1"));
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> load("web:\n  listen: nowhere\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("web.listen");
    assertThatThrownBy(() -> load("web:\n  session_idle: 2h\n  session_max: 1h\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("session_max");
    assertThatThrownBy(() -> load("web:\n  trusted_proxies: [proxy.example]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("trusted_proxies")
        .hasMessageContaining("proxy.example");
    assertThatThrownBy(() -> load("web:\n  sesion_idle: 2h\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sesion_idle");
  }
}
