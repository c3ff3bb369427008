package dev.mailfilter.cluster.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.spi.VerdictObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Queries, figures, the map and the charts over stored events. */
class EventViewsTest {
  private static final Instant NOW = Instant.parse("2026-12-08T12:30:00Z");

  private static MemoryEventStore store() {
    MemoryEventStore s = MemoryEventStore.create(1000);
    List<VerdictEvent> e = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      e.add(
          Events.event(
              i, NOW.minusSeconds(3600 - i * 60), "GB", Action.REJECT, "boss@bakery.example"));
    }
    for (int i = 30; i < 40; i++) {
      e.add(
          Events.event(
              i, NOW.minusSeconds(1800 - i), "US", Action.QUARANTINE, "ann@other.example"));
    }
    for (int i = 40; i < 45; i++) {
      e.add(Events.event(i, NOW.minusSeconds(600), "DE", Action.ACCEPT, "boss@bakery.example"));
    }
    // Older than a day: outside the period.
    e.add(
        Events.event(
            99, NOW.minus(Duration.ofDays(3)), "FR", Action.REJECT, "boss@bakery.example"));
    e.sort(java.util.Comparator.comparing(VerdictEvent::time));
    s.append(e);
    return s;
  }

  /** The data-count of one country's path in the SVG. */
  static long countOf(String svg, String cc) {
    Matcher m = Pattern.compile("data-cc=\"" + cc + "\" data-count=\"(\\d+)\"").matcher(svg);
    assertThat(m.find()).as("country " + cc + " on the map").isTrue();
    return Long.parseLong(m.group(1));
  }

  static String fillOf(String svg, String cc) {
    Matcher m = Pattern.compile("fill=\"(#[0-9a-f]{6})\" data-cc=\"" + cc + "\"").matcher(svg);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  @Test
  void mapColoursTheCountriesOfSpamSources() {
    EventViews views =
        EventViews.of(store(), Duration.ofHours(1), Clock.fixed(NOW, ZoneOffset.UTC));
    String svg = views.view(EventScope.all(), Duration.ofHours(24)).mapSvg();
    assertThat(countOf(svg, "GB")).isEqualTo(30);
    assertThat(countOf(svg, "US")).isEqualTo(10);
    assertThat(countOf(svg, "DE")).isZero(); // accepted: no spam source
    assertThat(countOf(svg, "FR")).isZero(); // outside the period
    assertThat(fillOf(svg, "GB")).isEqualTo("#990000");
    assertThat(fillOf(svg, "US")).isNotEqualTo(fillOf(svg, "DE")).isNotEqualTo("#990000");
    assertThat(fillOf(svg, "DE")).isEqualTo("#dde3ea");
    assertThat(svg).startsWith("<svg").endsWith("</svg>").doesNotContain("<script");
  }

  @Test
  void scopeLimitsFiguresToTheViewersDomains() {
    EventViews views =
        EventViews.of(store(), Duration.ofHours(1), Clock.fixed(NOW, ZoneOffset.UTC));
    EventStats mine =
        views.view(EventScope.domains(Set.of("bakery.example")), Duration.ofHours(24)).stats();
    assertThat(mine.total()).isEqualTo(35);
    assertThat(mine.spamByCountry()).containsOnlyKeys("GB");
    assertThat(mine.domains()).extracting(EventStats.Count::key).containsExactly("bakery.example");
    assertThat(mine.tenants())
        .extracting(EventStats.Count::key)
        .containsExactly("acme/bakery/bakery.example");
  }

  @Test
  void viewIsReusedUntilTheRefreshIsDue() {
    MemoryEventStore s = store();
    Instant[] now = {NOW};
    Clock clock =
        new Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now[0];
          }
        };
    EventViews views = EventViews.of(s, Duration.ofHours(1), clock);
    EventViews.View first = views.view(EventScope.all(), Duration.ofHours(24));
    s.append(List.of(Events.event(500, NOW, "US", Action.REJECT, "x@other.example")));
    now[0] = NOW.plusSeconds(3599);
    assertThat(views.view(EventScope.all(), Duration.ofHours(24))).isSameAs(first);
    now[0] = NOW.plusSeconds(3600);
    EventViews.View second = views.view(EventScope.all(), Duration.ofHours(24));
    assertThat(countOf(second.mapSvg(), "US")).isEqualTo(11);
  }

  @Test
  void statisticsCountHoursActionsSymbolsAndAsns() {
    EventStats st =
        EventStats.compute(store(), EventScope.all(), NOW.minus(Duration.ofHours(24)), NOW, 10);
    assertThat(st.total()).isEqualTo(45);
    assertThat(st.spam()).isEqualTo(40);
    long inHours =
        st.hourly().values().stream()
            .flatMap(m -> m.values().stream())
            .mapToLong(Long::longValue)
            .sum();
    assertThat(inHours).isEqualTo(45);
    assertThat(st.symbols()).extracting(EventStats.Count::key).contains("BAYES_SPAM", "RBL_HIT");
    assertThat(st.asns()).isNotEmpty();
    assertThat(st.asns().get(0).label()).startsWith("AS6451");
    String chart = Charts.hourly(st.hourly(), st.from(), st.to(), "per hour");
    assertThat(chart).contains("reject: ").contains("quarantine: ");
    String bars = Charts.bars(st.countries(), "countries <&>");
    assertThat(bars).contains("countries &lt;&amp;&gt;").contains(">GB<");
  }

  @Test
  void trackingFindsBySenderRecipientClientIdActionAndTime() {
    MemoryEventStore s = store();
    EventQuery all = EventQuery.all(EventScope.all(), 100);
    assertThat(all.run(s)).hasSize(46);
    assertThat(q("sender5@", "", "", Set.of(), "", s))
        .extracting(VerdictEvent::transactionId)
        .containsExactly("T5");
    assertThat(q("", "ANN@other", "", Set.of(), "", s)).hasSize(10);
    assertThat(q("", "", "192.0.2.4", Set.of(Action.ACCEPT), "", s))
        .extracting(VerdictEvent::transactionId)
        .containsExactly("T44", "T43", "T42", "T41", "T40");
    assertThat(q("", "", "", Set.of(), "Q33", s))
        .extracting(VerdictEvent::transactionId)
        .containsExactly("T33");
    EventQuery old =
        new EventQuery(
            Optional.empty(),
            Optional.of(NOW.minus(Duration.ofDays(1))),
            "",
            "",
            "",
            Set.of(),
            "",
            EventScope.all(),
            10);
    assertThat(old.run(s)).extracting(VerdictEvent::transactionId).containsExactly("T99");
    EventQuery scoped =
        new EventQuery(
            Optional.empty(),
            Optional.empty(),
            "",
            "ann@",
            "",
            Set.of(),
            "",
            EventScope.domains(Set.of("bakery.example")),
            10);
    assertThat(scoped.run(s)).isEmpty();
  }

  private static List<VerdictEvent> q(
      String sender, String rcpt, String client, Set<Action> actions, String id, EventStore s) {
    return new EventQuery(
            Optional.empty(),
            Optional.empty(),
            sender,
            rcpt,
            client,
            actions,
            id,
            EventScope.all(),
            100)
        .run(s);
  }

  @Test
  void recorderLooksUpThePlaceOffTheMailPathAndCountsDrops() throws Exception {
    MemoryEventStore s = MemoryEventStore.create(10);
    try (EventRecorder r =
        EventRecorder.start(EventSettings.defaults().withCapacity(10, 2), s, Events.testGeoIp())) {
      for (String ip : List.of(Events.GB_IP, Events.US_IP)) {
        r.offer(outcome(ip));
      }
      assertThat(r.flush(Duration.ofSeconds(10))).isTrue();
      List<VerdictEvent> got = EventQuery.all(EventScope.all(), 10).run(s);
      assertThat(got).extracting(VerdictEvent::country).containsExactlyInAnyOrder("GB", "US");
      // A burst larger than the queue: some are dropped, counted, and offer never blocks.
      for (int i = 0; i < 10_000; i++) {
        r.offer(outcome(Events.GB_IP));
      }
      assertThat(r.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(r.dropped()).isPositive();
      assertThat(r.written() + r.dropped() + r.lost()).isEqualTo(r.offered());
      assertThat(s.size()).isEqualTo(10);
    }
  }

  static VerdictObserver.Outcome outcome(String ip) {
    return new VerdictObserver.Outcome(
        "TX",
        Optional.of("Q1"),
        Connection.of(InetAddresses.forString(ip)),
        "helo",
        "s@spam.example",
        List.of("boss@bakery.example"),
        List.of("acme/bakery/bakery.example"),
        Action.REJECT,
        20,
        6,
        List.of(),
        NOW,
        false);
  }
}
