package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FilterReloader}: YAML laid over the file survives every reload, and {@link
 * FilterReloader#onReload} hears of each new filter.
 */
class FilterReloaderOverlayTest {
  @TempDir Path dir;

  private static final String OVERLAY =
      "domains:\n  \"cli.example\": {route: {host: \"127.0.0.1\", port: 25, tls: may}}\n";

  private static String domain(String name) {
    return "  \"" + name + "\": {route: {host: \"127.0.0.1\", port: 25, tls: may}}\n";
  }

  private static boolean accepts(MailFilter f, String domain) {
    return f.config().tenants().resolve("x@" + domain).isPresent();
  }

  @Test
  void theOverlayIsLaidOverTheFileAtEveryReload() throws Exception {
    Path file = dir.resolve("c.yaml");
    Files.writeString(file, "reload:\n  watch_interval: 0\ndomains:\n" + domain("file.example"));
    try (FilterReloader r = FilterReloader.builder(file).overlay(OVERLAY).start()) {
      assertThat(accepts(r.current(), "cli.example")).isTrue();
      assertThat(accepts(r.current(), "file.example")).isTrue();
      Files.writeString(
          file,
          "reload:\n  watch_interval: 0\ndomains:\n"
              + domain("file.example")
              + domain("new.example"));
      MailFilter fresh = r.reload();
      assertThat(accepts(fresh, "cli.example")).isTrue();
      assertThat(accepts(fresh, "new.example")).isTrue();
      // A file without domains: the overlay's stay.
      Files.writeString(file, "reload:\n  watch_interval: 0\n");
      assertThat(r.reloadIfChanged()).isTrue();
      assertThat(accepts(r.current(), "cli.example")).isTrue();
      assertThat(accepts(r.current(), "file.example")).isFalse();
    }
  }

  @Test
  void aBadOverlayIsAConfigurationErrorAtStart() throws Exception {
    Path file = Files.writeString(dir.resolve("c.yaml"), "reload:\n  watch_interval: 0\n");
    assertThatThrownBy(() -> FilterReloader.builder(file).overlay("domainz:\n  a: 1\n").start())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("domainz");
  }

  @Test
  void listenersHearOfEachNewFilterAndOneThatThrowsUndoesNothing() throws Exception {
    Path file = Files.writeString(dir.resolve("c.yaml"), "reload:\n  watch_interval: 0\n");
    try (FilterReloader r = FilterReloader.start(file)) {
      List<MailFilter> heard = new CopyOnWriteArrayList<>();
      r.onReload(
          f -> {
            throw new IllegalStateException("a broken listener");
          });
      r.onReload(heard::add);
      MailFilter first = r.reload();
      Files.writeString(file, "reload:\n  watch_interval: 0\nactions:\n  reject: 20\n");
      assertThat(r.reloadIfChanged()).isTrue();
      assertThat(heard).containsExactly(first, r.current());
      assertThat(r.current()).isNotSameAs(first);
      // A version that fails to load swaps nothing in, so nobody hears of it.
      Files.writeString(file, "actionz: {}\n");
      assertThatThrownBy(r::reload).isInstanceOf(ConfigException.class);
      assertThat(heard).hasSize(2);
    }
  }
}
