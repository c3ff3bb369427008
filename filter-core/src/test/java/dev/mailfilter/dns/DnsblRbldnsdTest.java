package dev.mailfilter.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Stage;
import dev.mailfilter.dns.ListAnswer.Outcome;
import dev.mailfilter.dns.ListAnswer.Source;
import dev.mailfilter.dns.mirror.MirrorKind;
import dev.mailfilter.testkit.RbldnsdServer;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blocklist checks against a real rbldnsd on loopback, and the failure paths. */
class DnsblRbldnsdTest {
  private static final String SOA = "$SOA 3600 ns.%s. hostmaster.%s. 1 3600 600 86400 60\n";

  @TempDir static Path dir;
  private static RbldnsdServer server;

  static final DnsblList BL =
      DnsblList.builder("BL_TEST", "bl.test", ListKind.IP)
          .weight(3)
          .returnCode("127.0.0.2", "BL_TEST_SBL")
          .returnCode("127.0.0.4", "BL_TEST_XBL")
          .returnCode("127.0.0.10", "BL_TEST_PBL")
          .build();
  static final DnsblList V6 =
      DnsblList.builder("V6_TEST", "v6.test", ListKind.IP).testPoints(false).build();
  static final DnsblList DBL =
      DnsblList.builder("DBL_TEST", "dbl.test", ListKind.DOMAIN).weight(2).build();
  static final DnsblList URI = DnsblList.builder("URI_TEST", "dbl.test", ListKind.URI).build();
  static final DnsblList ERR = DnsblList.builder("ERR_TEST", "err.test", ListKind.IP).build();
  static final DnsblList BROKEN =
      DnsblList.builder("BROKEN_TEST", "broken.test", ListKind.IP).build();

  @BeforeAll
  static void startRbldnsd() throws Exception {
    write(
        "bl.zone",
        SOA.formatted("bl.test", "bl.test")
            + """
            $NS 3600 ns.bl.test.
            $TTL 300
            :127.0.0.2:Listed in bl.test: $
            127.0.0.2
            192.0.2.0/24 :127.0.0.4:Test range listed ($)
            !192.0.2.1
            198.51.100.10-198.51.100.20 :127.0.0.10:
            203.0.113.7 :127.0.0.99:unmapped code
            """);
    write(
        "v6.zone",
        SOA.formatted("v6.test", "v6.test")
            + "2001:db8:1::/48 :127.0.0.3:v6 listed $\n!2001:db8:1::5\n");
    write(
        "dbl.zone",
        SOA.formatted("dbl.test", "dbl.test")
            + """
            :127.0.1.2:Domain $ is listed
            test
            spam.example
            *.wild.example :127.0.1.4:
            .both.example :127.0.1.5:
            !good.both.example
            .txt.example
            *.star.example
            """);
    write(
        "err.zone",
        SOA.formatted("err.test", "err.test")
            + ":127.255.255.254:\n127.0.0.2\n198.51.100.1\n198.51.100.2 :10.0.0.1:\n");
    write("broken.zone", SOA.formatted("broken.test", "broken.test") + "127.0.0.1\n127.0.0.2\n");
    server =
        RbldnsdServer.start(
            dir,
            Map.of(
                "bl.test", "ip4set:bl.zone",
                "v6.test", "ip6trie:v6.zone",
                "dbl.test", "dnset:dbl.zone",
                "err.test", "ip4set:err.zone",
                "broken.test", "ip4set:broken.zone"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  static void write(String name, String text) throws Exception {
    Files.writeString(dir.resolve(name), text);
  }

  static DnsResolver resolver(InetSocketAddress server, Duration deadline) {
    return DnsResolver.create(DnsSettings.builder().addServer(server).deadline(deadline).build());
  }

  static Dnsbl dnsbl(List<MirrorSettings> mirrors) throws Exception {
    return Dnsbl.create(
        resolver(server.address(), Duration.ofSeconds(2)),
        List.of(BL, V6, DBL, URI, ERR, BROKEN),
        mirrors);
  }

  static ListAnswer ask(Dnsbl d, DnsblList list, String subject) {
    return d.lookup(list, subject, true, Deadline.after(Duration.ofSeconds(2))).join();
  }

  @Test
  void listedAddressMapsItsCodeToASymbolWithTxt() throws Exception {
    try (Dnsbl d = dnsbl(List.of())) {
      ListAnswer a = ask(d, BL, "192.0.2.5");
      assertThat(a.outcome()).isEqualTo(Outcome.LISTED);
      assertThat(a.query()).isEqualTo("5.2.0.192.bl.test");
      assertThat(a.listings())
          .extracting(ListAnswer.Listing::symbol)
          .containsExactly("BL_TEST_XBL");
      assertThat(a.txt()).containsExactly("Test range listed (192.0.2.5)");
      assertThat(a.source()).isEqualTo(Source.DNS);
      assertThat(ask(d, BL, "198.51.100.15").listings())
          .extracting(ListAnswer.Listing::symbol)
          .containsExactly("BL_TEST_PBL");
    }
  }

  @Test
  void exclusionsUnlistedAndFilteredCodesAreNotListings() throws Exception {
    try (Dnsbl d = dnsbl(List.of())) {
      assertThat(ask(d, BL, "192.0.2.1").outcome()).isEqualTo(Outcome.NOT_LISTED);
      assertThat(ask(d, BL, "10.0.0.1").outcome()).isEqualTo(Outcome.NOT_LISTED);
      ListAnswer filtered = ask(d, BL, "203.0.113.7");
      assertThat(filtered.outcome()).isEqualTo(Outcome.NOT_LISTED);
      assertThat(filtered.codes())
          .extracting(Inet4Address::getHostAddress)
          .containsExactly("127.0.0.99");
    }
  }

  @Test
  void ipv6IsAskedInNibbleForm() throws Exception {
    try (Dnsbl d = dnsbl(List.of())) {
      ListAnswer a = ask(d, V6, "2001:db8:1::9");
      assertThat(a.query())
          .isEqualTo("9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.v6.test");
      assertThat(a.outcome()).isEqualTo(Outcome.LISTED);
      assertThat(a.txt()).containsExactly("v6 listed 2001:db8:1::9");
      assertThat(ask(d, V6, "2001:db8:1::5").outcome()).isEqualTo(Outcome.NOT_LISTED);
      assertThat(ask(d, V6, "2001:db8:2::1").outcome()).isEqualTo(Outcome.NOT_LISTED);
    }
  }

  @Test
  void domainsAndWildcardDomains() throws Exception {
    try (Dnsbl d = dnsbl(List.of())) {
      assertThat(ask(d, DBL, "spam.example").outcome()).isEqualTo(Outcome.LISTED);
      assertThat(ask(d, DBL, "spam.example").txt())
          .containsExactly("Domain spam.example is listed");
      assertThat(ask(d, DBL, "www.spam.example").outcome()).isEqualTo(Outcome.NOT_LISTED);
      assertThat(ask(d, DBL, "wild.example").outcome()).isEqualTo(Outcome.NOT_LISTED);
      assertThat(ask(d, DBL, "a.wild.example").outcome()).isEqualTo(Outcome.LISTED);
      assertThat(ask(d, DBL, "both.example").outcome()).isEqualTo(Outcome.LISTED);
      assertThat(ask(d, DBL, "x.y.both.example").outcome()).isEqualTo(Outcome.LISTED);
      assertThat(ask(d, DBL, "good.both.example").outcome()).isEqualTo(Outcome.NOT_LISTED);
      // A URI list reduces a URL host to its registrable domain first.
      ListAnswer uri = ask(d, URI, "WWW.Spam.Example");
      assertThat(uri.subject()).isEqualTo("www.spam.example"); // .example is no public suffix
      ListAnswer co = ask(d, URI, "a.b.spam.co.uk");
      assertThat(co.subject()).isEqualTo("spam.co.uk");
    }
  }

  @Test
  void errorCodesAreNeverListingsButASymbol() throws Exception {
    try (Dnsbl d = dnsbl(List.of())) {
      ListAnswer spamhausStyle = ask(d, ERR, "198.51.100.1");
      assertThat(spamhausStyle.outcome()).isEqualTo(Outcome.BLOCKED);
      assertThat(spamhausStyle.listings()).isEmpty();
      ListAnswer outside127 = ask(d, ERR, "198.51.100.2");
      assertThat(outside127.outcome()).isEqualTo(Outcome.BLOCKED);
      DnsblReport r =
          d.check(
              Stage.CONNECT,
              DnsblRequest.ofClient(InetAddresses.forString("198.51.100.1")),
              Deadline.after(Duration.ofSeconds(2)));
      assertThat(r.hits()).extracting(DnsblHit::symbol).containsExactly("RBL_BLOCKED");
      assertThat(r.hits().get(0).score()).isZero();
    }
  }

  @Test
  void checkRunsEveryListOfTheStageInParallelAndSumsSymbols() throws Exception {
    try (Dnsbl d = dnsbl(List.of())) {
      DnsblRequest req =
          new DnsblRequest(
              java.util.Optional.of(InetAddresses.forString("127.0.0.2")),
              java.util.Optional.of("mx.both.example"),
              java.util.Optional.of("<bounce@spam.example>"),
              java.util.Optional.empty(),
              List.of("http://ignored"));
      DnsblReport connect = d.check(Stage.CONNECT, req, Deadline.after(Duration.ofSeconds(2)));
      assertThat(connect.answers())
          .extracting(a -> a.list().symbol())
          .containsExactlyInAnyOrder("BL_TEST", "V6_TEST", "ERR_TEST", "BROKEN_TEST");
      assertThat(connect.hits())
          .extracting(DnsblHit::symbol)
          .containsExactlyInAnyOrder("BL_TEST_SBL", "RBL_BLOCKED", "BROKEN_TEST");
      assertThat(connect.hits())
          .filteredOn(h -> h.symbol().equals("BL_TEST_SBL"))
          .extracting(DnsblHit::score)
          .containsExactly(3.0);
      DnsblReport mail = d.check(Stage.MAIL_FROM, req, Deadline.after(Duration.ofSeconds(2)));
      assertThat(mail.answers())
          .extracting(ListAnswer::subject)
          .containsExactly("mx.both.example", "spam.example");
      assertThat(mail.hits()).extracting(DnsblHit::symbol).containsExactly("DBL_TEST");
    }
  }

  @Test
  void cachesPositiveAndNegativeAnswersByTtl() throws Exception {
    try (Dnsbl d = dnsbl(List.of())) {
      DnsResolver r = d.resolver();
      ask(d, BL, "127.0.0.2");
      ask(d, BL, "10.9.9.9");
      long sent = r.queriesSent();
      ListAnswer again = ask(d, BL, "127.0.0.2");
      ListAnswer negative = ask(d, BL, "10.9.9.9");
      assertThat(r.queriesSent()).isEqualTo(sent);
      assertThat(again.source()).isEqualTo(Source.DNS_CACHED);
      assertThat(again.outcome()).isEqualTo(Outcome.LISTED);
      assertThat(negative.source()).isEqualTo(Source.DNS_CACHED);
      assertThat(negative.outcome()).isEqualTo(Outcome.NOT_LISTED);
      DnsAnswer cached = r.resolve("2.0.0.127.bl.test", QueryType.A);
      assertThat(cached.ttl()).isEqualTo(Duration.ofSeconds(300));
      DnsAnswer neg = r.resolve("9.9.9.10.bl.test", QueryType.A);
      assertThat(neg.status()).isEqualTo(DnsAnswer.Status.NXDOMAIN);
      assertThat(neg.ttl()).isEqualTo(Duration.ofSeconds(60)); // SOA minimum
    }
  }

  @Test
  void selfTestReportsListsFailingTheirTestPoints() throws Exception {
    try (Dnsbl d = dnsbl(List.of())) {
      assertThat(d.status()).isEmpty();
      Map<String, ListStatus> s = d.selfTest(Duration.ofSeconds(2));
      assertThat(s.get("BL_TEST@bl.test").healthy()).isTrue();
      assertThat(s.get("DBL_TEST@dbl.test").healthy()).isTrue();
      assertThat(s.get("BROKEN_TEST@broken.test").healthy()).isFalse();
      assertThat(s.get("BROKEN_TEST@broken.test").detail())
          .contains("1.0.0.127.broken.test: LISTED [127.0.0.2]");
      assertThat(s.get("ERR_TEST@err.test").healthy()).isFalse();
      assertThat(s).doesNotContainKey("V6_TEST@v6.test");
      assertThat(d.status()).isEqualTo(s);
    }
  }

  @Test
  void silentServerGivesTimeoutWithinTheDeadlineNeverAListing() throws Exception {
    try (DatagramSocket silent = TestResponders.silent();
        Dnsbl d =
            Dnsbl.create(
                resolver(
                    (InetSocketAddress) silent.getLocalSocketAddress(), Duration.ofMillis(300)),
                List.of(BL, DBL),
                List.of())) {
      long start = System.nanoTime();
      DnsblReport r =
          d.check(
              Stage.CONNECT,
              DnsblRequest.ofClient(InetAddresses.forString("127.0.0.2")),
              Deadline.after(Duration.ofMillis(300)));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(r.answers()).extracting(ListAnswer::outcome).containsExactly(Outcome.TIMEOUT);
      assertThat(r.hits()).extracting(DnsblHit::symbol).containsExactly("RBL_TIMEOUT");
      // Not a performance goal: proof that a dead server cannot hang a session.
      assertThat(took).isLessThan(Duration.ofSeconds(3));
      assertThat(d.resolver().queriesSent()).isEqualTo(2); // one retry
    }
  }

  @Test
  void servfailIsASymbolNeverAListing() throws Exception {
    try (TestResponders.ServFail sf = new TestResponders.ServFail();
        Dnsbl d =
            Dnsbl.create(resolver(sf.address(), Duration.ofSeconds(1)), List.of(BL), List.of())) {
      ListAnswer a = ask(d, BL, "127.0.0.2");
      assertThat(a.outcome()).isEqualTo(Outcome.SERVFAIL);
      assertThat(a.listings()).isEmpty();
      ListAnswer again = ask(d, BL, "127.0.0.2");
      assertThat(again.source()).isEqualTo(Source.DNS); // failures are not cached
    }
  }

  @Test
  void mirrorsAnswerLikeRbldnsdWithoutDnsTraffic() throws Exception {
    List<MirrorSettings> mirrors =
        List.of(
            MirrorSettings.of("bl.test", dir.resolve("bl.zone"), MirrorKind.IP4SET),
            MirrorSettings.of("v6.test", dir.resolve("v6.zone"), MirrorKind.IP6TRIE),
            MirrorSettings.of("dbl.test", dir.resolve("dbl.zone"), MirrorKind.DNSET),
            MirrorSettings.of("err.test", dir.resolve("err.zone"), MirrorKind.IP4SET));
    try (Dnsbl dns = dnsbl(List.of());
        Dnsbl local = dnsbl(mirrors)) {
      List<String[]> cases = new ArrayList<>();
      for (String ip :
          List.of(
              "127.0.0.2",
              "127.0.0.1",
              "192.0.2.5",
              "192.0.2.1",
              "198.51.100.10",
              "198.51.100.20",
              "198.51.100.21",
              "203.0.113.7",
              "8.8.8.8")) {
        cases.add(new String[] {"BL", ip});
      }
      for (String ip : List.of("2001:db8:1::9", "2001:db8:1::5", "2001:db8:2::1")) {
        cases.add(new String[] {"V6", ip});
      }
      for (String n :
          List.of(
              "test",
              "invalid",
              "spam.example",
              "a.wild.example",
              "wild.example",
              "both.example",
              "q.both.example",
              "good.both.example",
              "a.b.txt.example",
              "txt.example",
              "s.star.example")) {
        cases.add(new String[] {"DBL", n});
      }
      for (String ip : List.of("198.51.100.1", "198.51.100.2", "198.51.100.3")) {
        cases.add(new String[] {"ERR", ip});
      }
      long sent = local.resolver().queriesSent();
      for (String[] c : cases) {
        DnsblList list =
            switch (c[0]) {
              case "BL" -> BL;
              case "V6" -> V6;
              case "DBL" -> DBL;
              default -> ERR;
            };
        ListAnswer viaDns = ask(dns, list, c[1]);
        ListAnswer viaMirror = ask(local, list, c[1]);
        assertThat(viaMirror.source()).isEqualTo(Source.MIRROR);
        assertThat(viaMirror.outcome()).as(c[1]).isEqualTo(viaDns.outcome());
        assertThat(viaMirror.codes()).as(c[1]).isEqualTo(viaDns.codes());
        assertThat(viaMirror.txt()).as(c[1]).isEqualTo(viaDns.txt());
      }
      assertThat(local.resolver().queriesSent()).isEqualTo(sent);
    }
  }

  /** A seeded random ip4set served by rbldnsd and loaded as a mirror: same answer everywhere. */
  @Test
  void randomIp4setMirrorMatchesRbldnsd() throws Exception {
    long seed = 4242;
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder zone = new StringBuilder(SOA.formatted("rnd.test", "rnd.test"));
    List<Long> probes = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      long lo = 0xC6120000L + r.nextInt(1 << 16); // 198.18.0.0/16
      long hi = Math.min(0xC612FFFFL, lo + r.nextInt(1 << r.nextInt(12)));
      boolean excl = r.nextInt(4) == 0;
      String text =
          switch (r.nextInt(3)) {
            case 0 -> ip(lo);
            case 1 -> ip(lo) + "-" + ip(hi);
            default -> {
              int len = 16 + r.nextInt(17);
              lo &= (0xffffffffL << (32 - len)) & 0xffffffffL;
              hi = lo + (1L << (32 - len)) - 1;
              yield ip(lo) + "/" + len;
            }
          };
      zone.append(excl ? "!" : "").append(text);
      if (!excl) {
        zone.append(" :127.0.0.").append(2 + r.nextInt(5)).append(":t").append(i).append(" $");
      }
      zone.append('\n');
      probes.add(lo);
      probes.add(hi);
      probes.add(lo - 1);
      probes.add(hi + 1);
    }
    write("rnd.zone", zone.toString());
    DnsblList rnd = DnsblList.builder("RND", "rnd.test", ListKind.IP).build();
    try (RbldnsdServer own = RbldnsdServer.start(dir, Map.of("rnd.test", "ip4set:rnd.zone"));
        Dnsbl dns =
            Dnsbl.create(resolver(own.address(), Duration.ofSeconds(2)), List.of(rnd), List.of());
        Dnsbl local =
            Dnsbl.create(
                resolver(own.address(), Duration.ofSeconds(2)),
                List.of(rnd),
                List.of(
                    MirrorSettings.of("rnd.test", dir.resolve("rnd.zone"), MirrorKind.IP4SET)))) {
      for (int i = 0; i < 400; i++) {
        probes.add(0xC6120000L + r.nextInt(1 << 16));
      }
      for (long p : probes) {
        String ip = ip(p);
        ListAnswer a = ask(dns, rnd, ip);
        ListAnswer b = ask(local, rnd, ip);
        assertThat(b.codes())
            .as("seed %s, %s", seed, ip)
            .containsExactlyInAnyOrderElementsOf(a.codes());
        assertThat(b.txt())
            .as("seed %s, %s", seed, ip)
            .containsExactlyInAnyOrderElementsOf(a.txt());
      }
    }
  }

  static String ip(long v) {
    return ((v >>> 24) & 255)
        + "."
        + ((v >>> 16) & 255)
        + "."
        + ((v >>> 8) & 255)
        + "."
        + (v & 255);
  }
}
