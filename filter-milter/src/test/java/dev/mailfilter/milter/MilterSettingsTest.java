package dev.mailfilter.milter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link MilterSettings}: each {@code with} method changes its own component and no other. */
class MilterSettingsTest {
  private final MilterSettings d = MilterSettings.defaults();

  private static List<String> differences(MilterSettings a, MilterSettings b) throws Exception {
    List<String> names = new ArrayList<>();
    for (RecordComponent c : MilterSettings.class.getRecordComponents()) {
      if (!c.getAccessor().invoke(a).equals(c.getAccessor().invoke(b))) {
        names.add(c.getName());
      }
    }
    return names;
  }

  @Test
  void eachWithMethodChangesItsComponentOnly() throws Exception {
    Duration seven = Duration.ofSeconds(7);
    assertThat(differences(d, d.withListen(ListenAddress.parse("inet:127.0.0.1:7"))))
        .containsExactly("listen");
    assertThat(differences(d, d.withReadTimeout(seven))).containsExactly("readTimeout");
    assertThat(differences(d, d.withDrainTimeout(seven))).containsExactly("drainTimeout");
    assertThat(differences(d, d.withMaxConnections(7))).containsExactly("maxConnections");
    assertThat(differences(d, d.withProgressInterval(seven))).containsExactly("progressInterval");
    assertThat(differences(d, d.withStatsInterval(seven))).containsExactly("statsInterval");
    assertThat(differences(d, d.withSocketMode(0600))).containsExactly("socketMode");
    assertThat(d.withSocketMode(0600).socketMode()).isEqualTo(0600);
  }

  @Test
  void theBuilderCarriesEachSetting() {
    MilterServer.Builder b =
        MilterServer.builder()
            .readTimeout(Duration.ofSeconds(9))
            .drainTimeout(Duration.ofSeconds(8))
            .maxConnections(7)
            .progressInterval(Duration.ofSeconds(6))
            .socketMode(0600);
    try (dev.mailfilter.MailFilter f = dev.mailfilter.MailFilter.withDefaults()) {
      assertThat(b.filter(f).build().settings())
          .isEqualTo(
              d.withReadTimeout(Duration.ofSeconds(9))
                  .withDrainTimeout(Duration.ofSeconds(8))
                  .withMaxConnections(7)
                  .withProgressInterval(Duration.ofSeconds(6))
                  .withSocketMode(0600));
    }
  }

  @Test
  void badValuesAreStillRefused() {
    assertThatThrownBy(() -> d.withMaxConnections(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxConnections must be at least 1");
    assertThatThrownBy(() -> d.withReadTimeout(Duration.ZERO))
        .hasMessageContaining("readTimeout must be above zero");
  }
}
