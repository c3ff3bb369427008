package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link SmtpSettings}: each {@code with} method changes its own component and no other. */
class SmtpSettingsTest {
  private final SmtpSettings d = SmtpSettings.defaults();

  /** The names of the components in which the two differ. */
  private static List<String> differences(SmtpSettings a, SmtpSettings b) throws Exception {
    List<String> names = new ArrayList<>();
    for (RecordComponent c : SmtpSettings.class.getRecordComponents()) {
      if (!c.getAccessor().invoke(a).equals(c.getAccessor().invoke(b))) {
        names.add(c.getName());
      }
    }
    return names;
  }

  @Test
  void eachWithMethodChangesItsComponentOnly() throws Exception {
    assertThat(differences(d, d.withListen(new InetSocketAddress("127.0.0.1", 25))))
        .containsExactly("listen");
    assertThat(differences(d, d.withHostName("mx.example"))).containsExactly("hostName");
    assertThat(differences(d, d.withMaxConnections(7))).containsExactly("maxConnections");
    assertThat(differences(d, d.withMaxConnectionsPerClient(7)))
        .containsExactly("maxConnectionsPerClient");
    assertThat(differences(d, d.withMaxRecipients(7))).containsExactly("maxRecipients");
    assertThat(differences(d, d.withLimits(d.limits().withMaxMessageSize(7))))
        .containsExactly("limits");
    assertThat(
            differences(
                d, d.withTimeouts(new SmtpTimeouts(Duration.ofSeconds(7), Duration.ofSeconds(7)))))
        .containsExactly("timeouts");
    assertThat(differences(d, d.withDrainTimeout(Duration.ofSeconds(7))))
        .containsExactly("drainTimeout");
    assertThat(
            differences(
                d,
                d.withQuarantine(
                    Optional.of(new Quarantine.Settings(Path.of("q"), Duration.ofDays(1))))))
        .containsExactly("quarantine");
    assertThat(d.withMaxRecipients(7).maxRecipients()).isEqualTo(7);
  }

  @Test
  void badValuesAreRefusedNamingThem() {
    assertThatThrownBy(() -> d.withMaxConnections(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConnections must be at least 1, got 0");
    assertThatThrownBy(() -> d.withMaxConnectionsPerClient(-1))
        .hasMessage("maxConnectionsPerClient must be at least 1, got -1");
    assertThatThrownBy(() -> d.withMaxRecipients(0))
        .hasMessage("maxRecipients must be at least 1, got 0");
    assertThatThrownBy(() -> d.withDrainTimeout(Duration.ofSeconds(-1)))
        .hasMessage("drainTimeout must not be negative, got PT-1S");
    assertThatThrownBy(() -> d.withHostName("mx example"))
        .hasMessage("host name must be printable ASCII, got \"mx example\"");
    assertThatThrownBy(() -> d.withHostName(null)).isInstanceOf(NullPointerException.class);
  }
}
