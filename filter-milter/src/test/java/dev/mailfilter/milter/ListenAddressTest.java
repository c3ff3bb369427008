package dev.mailfilter.milter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Listen addresses as MTAs write them, and the {@code milter:} configuration section. */
class ListenAddressTest {
  @Test
  void parsesThePostfixAndSendmailForms() {
    assertThat(ListenAddress.parse("inet:127.0.0.1:11332"))
        .isEqualTo(new ListenAddress.Inet("127.0.0.1", 11332));
    assertThat(ListenAddress.parse("inet:localhost:0"))
        .isEqualTo(new ListenAddress.Inet("localhost", 0));
    assertThat(ListenAddress.parse("inet6:[::1]:11332"))
        .isEqualTo(new ListenAddress.Inet("::1", 11332));
    assertThat(ListenAddress.parse("inet:[::1]:25")).isEqualTo(new ListenAddress.Inet("::1", 25));
    assertThat(ListenAddress.parse("inet:8891@localhost"))
        .isEqualTo(new ListenAddress.Inet("localhost", 8891));
    assertThat(ListenAddress.parse("unix:/run/mailfilter/milter.sock"))
        .isEqualTo(new ListenAddress.Unix(Path.of("/run/mailfilter/milter.sock")));
    assertThat(ListenAddress.parse("local:/tmp/m.sock"))
        .isEqualTo(new ListenAddress.Unix(Path.of("/tmp/m.sock")));
  }

  @Test
  void printsThePostfixFormBack() {
    for (String text :
        new String[] {"inet:127.0.0.1:11332", "inet6:[::1]:11332", "unix:/run/m.sock"}) {
      assertThat(ListenAddress.parse(text)).hasToString(text);
    }
    assertThat(ListenAddress.DEFAULT).hasToString("inet:127.0.0.1:11332");
  }

  @Test
  void refusesWhatIsNoneOfTheFormsNamingTheTextAndWhy() {
    String forms = " (expected inet:HOST:PORT, inet6:[ADDRESS]:PORT or unix:/PATH)";
    String[][] cases = {
      {"127.0.0.1:11332", "unknown type '127.0.0.1'"},
      {"localhost", "no type before a colon"},
      {"tcp:1.2.3.4:25", "unknown type 'tcp'"},
      {"inet:127.0.0.1", "no port: expected HOST:PORT"},
      {"inet:127.0.0.1:", "the port is not a number from 0 to 65535: ''"},
      {"inet:127.0.0.1:65536", "listen address: port out of range 0-65535: 65536"},
      {"inet:127.0.0.1:-1", "the port is not a number from 0 to 65535: '-1'"},
      {"inet::25", "not a host name or address: ''"},
      {"inet:::1:25", "an IPv6 address goes in brackets: [::1]"},
      {"inet6:[::1]25", "expected [IPV6]:PORT"},
      {"inet:a b:25", "not a host name or address: 'a b'"},
      {"unix:", "listen address: the unix socket path is empty"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> ListenAddress.parse(c[0]))
          .as(c[0])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("listen address \"" + c[0] + "\": " + c[1] + forms);
    }
  }

  @Test
  void theMilterSectionHasDefaultsAndChecksItsValues() {
    FilterConfig none = FilterConfig.builder().section(MilterSettings.SECTION).build();
    assertThat(none.section(MilterSettings.SECTION)).isEqualTo(MilterSettings.defaults());
    assertThat(MilterSettings.defaults().listen()).isEqualTo(ListenAddress.DEFAULT);
    assertThat(MilterSettings.defaults().readTimeout()).isEqualTo(Duration.ofMinutes(6));

    FilterConfig some =
        FilterConfig.builder()
            .section(MilterSettings.SECTION)
            .yaml(
                "milter:\n  listen: unix:/run/m.sock\n  read_timeout: 90s\n"
                    + "  max_connections: 50\n  progress_interval: 5s\n  stats_interval: 0\n"
                    + "  drain_timeout: 1m\n")
            .build();
    assertThat(some.section(MilterSettings.SECTION))
        .isEqualTo(
            new MilterSettings(
                new ListenAddress.Unix(Path.of("/run/m.sock")),
                Duration.ofSeconds(90),
                Duration.ofMinutes(1),
                50,
                Duration.ofSeconds(5),
                Duration.ZERO));

    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .section(MilterSettings.SECTION)
                    .yaml("milter:\n  listen: tcp:1\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("milter.listen: listen address \"tcp:1\": unknown type 'tcp'");
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .section(MilterSettings.SECTION)
                    .yaml("milter:\n  max_connections: 0\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessage("milter.max_connections: expected an integer from 1 to 1000000, got 0");
  }
}
