package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.config.ConfigException;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An adapter's own top-level section, registered without editing the core. */
class AdapterSectionsTest {
  /** What an SMTP adapter might read: a listen port and a greeting delay. */
  record SmtpSettings(int port, Duration greetDelay) {}

  static final ConfigSection<SmtpSettings> SMTP =
      ConfigSection.of(
          "smtp",
          (ConfigNode n) ->
              new SmtpSettings(
                  (int) n.integer("port", 25, 1, 65535), n.duration("greet_delay", Duration.ZERO)));

  @TempDir Path dir;

  @Test
  void loadsAnAdaptersSectionFromTheOneFile() throws IOException {
    Path file = write("smtp:\n  port: 2525\n  greet_delay: 2s\nactions:\n  reject: 12\n");
    FilterConfig config = FilterConfig.load(file, List.of(SMTP));
    assertThat(config.section(SMTP)).isEqualTo(new SmtpSettings(2525, Duration.ofSeconds(2)));
    assertThat(config.thresholds().threshold(dev.mailfilter.api.Action.REJECT)).hasValue(12);
  }

  @Test
  void anAbsentSectionGivesItsDefaults() {
    FilterConfig config = FilterConfig.builder().section(SMTP).build();
    assertThat(config.section(SMTP)).isEqualTo(new SmtpSettings(25, Duration.ZERO));
  }

  @Test
  void unknownKeysAreRefusedInsideTheSectionAndAtTopLevel() throws IOException {
    assertThatThrownBy(() -> FilterConfig.load(write("smtp:\n  prot: 25\n"), List.of(SMTP)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("smtp.prot: unknown key (did you mean port?)");
    assertThatThrownBy(() -> FilterConfig.load(write("smtpp:\n  port: 25\n"), List.of(SMTP)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("smtpp: unknown key (did you mean smtp?)");
    // Without the adapter, its section is an unknown key like any other.
    assertThatThrownBy(() -> FilterConfig.load(write("smtp:\n  port: 25\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("smtp: unknown key");
  }

  @Test
  void aSectionCannotTakeTheNameOfACoreKey() {
    for (String taken : List.of("actions", "domains", "dns", "tenants")) {
      ConfigSection<String> s = ConfigSection.of(taken, n -> "x");
      assertThatThrownBy(() -> FilterConfig.builder().section(s).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(taken + " is already a top-level key");
    }
  }

  @Test
  void aReloaderLoadsTheAdaptersSectionAndReloadsIt() throws IOException {
    Path file = write("smtp:\n  port: 2525\nreload:\n  watch_interval: 0\n");
    try (FilterReloader filters = FilterReloader.builder(file).sections(List.of(SMTP)).start()) {
      assertThat(filters.current().config().section(SMTP).port()).isEqualTo(2525);
      Files.writeString(file, "smtp:\n  port: 2526\nreload:\n  watch_interval: 0\n");
      assertThat(filters.reload().config().section(SMTP).port()).isEqualTo(2526);
      Files.writeString(file, "smtp:\n  prot: 2527\n");
      assertThatThrownBy(filters::reload).hasMessage("smtp.prot: unknown key (did you mean port?)");
      assertThat(filters.current().config().section(SMTP).port()).isEqualTo(2526);
    }
    // Without the section the reloader refuses the file, as FilterConfig.load(Path) does.
    assertThatThrownBy(() -> FilterReloader.start(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("smtp: unknown key");
  }

  private Path write(String yaml) throws IOException {
    Path f = Files.createTempFile(dir, "config", ".yaml");
    Files.writeString(f, yaml, StandardCharsets.UTF_8);
    return f;
  }
}
