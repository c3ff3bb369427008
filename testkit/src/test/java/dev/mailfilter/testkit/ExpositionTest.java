package dev.mailfilter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The strict reader of scrapes: what it accepts, and each breach it must refuse. */
class ExpositionTest {
  private static final String GOOD =
      """
      # HELP m_total Things.
      # TYPE m_total counter
      m_total{a="x\\\\y\\"z\\n"} 3.0
      m_total{a="b"} 1
      # TYPE h_seconds histogram
      h_seconds_bucket{le="0.1"} 1
      h_seconds_bucket{le="1.0"} 2
      h_seconds_bucket{le="+Inf"} 2
      h_seconds_count 2
      h_seconds_sum 0.5
      # TYPE g gauge
      g NaN
      """;

  @Test
  void readsFamiliesLabelsAndEscapes() {
    Exposition e = Exposition.parseText(GOOD);
    assertThat(e.families()).containsOnlyKeys("m_total", "h_seconds", "g");
    assertThat(e.value("m_total", "a", "x\\y\"z\n")).isEqualTo(3);
    assertThat(e.sum("m_total")).isEqualTo(4);
    assertThat(e.value("h_seconds_count")).isEqualTo(2);
    assertThat(e.family("m_total").help()).isEqualTo("Things.");
  }

  @Test
  void readsOpenMetricsWithItsSuffixesAndEof() {
    Exposition e =
        Exposition.parseOpenMetrics(
            "# TYPE m counter\nm_total 2\n# TYPE i info\ni_info{v=\"1\"} 1\n# EOF\n");
    assertThat(e.value("m_total")).isEqualTo(2);
    assertThat(e.has("i_info", "v", "1")).isTrue();
    assertThatThrownBy(() -> Exposition.parseOpenMetrics("# TYPE m counter\nm_total 2\n"))
        .hasMessageContaining("# EOF");
  }

  @Test
  void refusesEachBreach() {
    assertBreach(GOOD.replace("le=\"+Inf\"} 2", "le=\"+Inf\"} 3"), "_count");
    assertBreach(GOOD.replace("le=\"1.0\"} 2", "le=\"1.0\"} 0"), "falls");
    assertBreach(GOOD.replace("le=\"1.0\"", "le=\"0.05\""), "ascending");
    assertBreach(GOOD.replace("h_seconds_bucket{le=\"+Inf\"} 2\n", ""), "+Inf");
    assertBreach(GOOD + "m_total{a=\"b\"} 1\n", "split");
    assertBreach(GOOD.replace("m_total{a=\"b\"} 1", "m_total{a=\"x\\\\y\\\"z\\n\"} 1"), "twice");
    assertBreach(GOOD.replace("a=\"b\"", "a=\"\\t\""), "escape");
    assertBreach(GOOD.replace("a=\"b\"", "a=b"), "quoted");
    assertBreach(GOOD.replace("a=\"b\"", "1a=\"b\""), "label name");
    assertBreach(GOOD.replace("# TYPE g gauge\n", ""), "TYPE");
    assertBreach(GOOD.replace("g NaN", "g twelve"), "not a number");
    assertBreach(GOOD + "# TYPE g gauge\n", "TYPE");
    assertBreach(GOOD.replace("m_total{a=\"b\"} 1", "m{a=\"b\"} 1"), "TYPE");
    assertBreach(GOOD.strip(), "newline");
  }

  private static void assertBreach(String text, String why) {
    assertThatThrownBy(() -> Exposition.parseText(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why);
  }
}
