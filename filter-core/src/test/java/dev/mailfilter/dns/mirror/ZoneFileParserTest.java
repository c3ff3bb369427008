package dev.mailfilter.dns.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ZoneFileParserTest {
  static ZoneData parse(MirrorKind kind, String text) throws ZoneFileException {
    return ZoneFiles.parse(text.getBytes(StandardCharsets.UTF_8), "test.zone", kind, 14);
  }

  static int ip(String s) {
    return InetAddresses.coerceToInteger(InetAddresses.forString(s));
  }

  static String code(Ip4Zone z, String ip) {
    int v = z.lookup(ip(ip));
    return v < 0 ? null : z.values().get(v).address().getHostAddress();
  }

  @Test
  void readsEveryIpv4RangeNotationOfTheManual() throws Exception {
    String[] same24 = {
      "127.0.0.0/24", "127.0.0", "127/24", "127-127.0.0", "127.0.0.0-127.0.0.255", "127.0.0.1-255"
    };
    for (String form : same24) {
      Ip4Zone z = (Ip4Zone) parse(MirrorKind.IP4SET, form + "\n");
      assertThat(code(z, "127.0.0.1")).as(form).isEqualTo("127.0.0.2");
      assertThat(code(z, "127.0.0.255")).as(form).isEqualTo("127.0.0.2");
      assertThat(code(z, "127.0.1.0")).as(form).isNull();
    }
    Ip4Zone first = (Ip4Zone) parse(MirrorKind.IP4SET, "127.0.0.0-127.0.0.255\n");
    assertThat(code(first, "127.0.0.0")).isEqualTo("127.0.0.2");
    String[] sixteen = {
      "127.16.0.0-127.31.255.255",
      "127.16.0-127.31.255",
      "127.16-127.31",
      "127.16-31",
      "127.16.0.0/12",
      "127.16.0/12",
      "127.16/12"
    };
    for (String form : sixteen) {
      Ip4Zone z = (Ip4Zone) parse(MirrorKind.IP4SET, form + "\n");
      assertThat(code(z, "127.16.0.0")).as(form).isEqualTo("127.0.0.2");
      assertThat(code(z, "127.31.255.255")).as(form).isEqualTo("127.0.0.2");
      assertThat(code(z, "127.32.0.0")).as(form).isNull();
      assertThat(code(z, "127.15.255.255")).as(form).isNull();
    }
  }

  @Test
  void exclusionBeatsTheRangeAroundIt() throws Exception {
    Ip4Zone z = (Ip4Zone) parse(MirrorKind.IP4SET, "192.0.2.0/24\n!192.0.2.1\n# comment\n");
    assertThat(code(z, "192.0.2.1")).isNull();
    assertThat(code(z, "192.0.2.2")).isEqualTo("127.0.0.2");
    assertThat(z.entryCount()).isEqualTo(2);
  }

  @Test
  void appliesDefaultsPerEntryValuesAndTxtTemplatesAsTheManualSays() throws Exception {
    Ip4Zone z =
        (Ip4Zone)
            parse(
                MirrorKind.IP4SET,
                """
                $SOA 3600 ns.bl.test. hostmaster.bl.test. 1 3600 600 86400 60
                $NS 3600 ns.bl.test.
                $TTL 1h
                $1 See http://www.example.com/bl
                :127.0.0.2:IP address $ is listed
                127.0.0.4
                127.0.0.5 :5
                127.0.0.6 :6:
                127.0.0.7 IP address $ running an open relay, $1?$ $$5
                10.0.0.1 ; a comment, default value
                """);
    assertThat(z.ttlSeconds()).isEqualTo(3600);
    assertThat(value(z, "127.0.0.4"))
        .isEqualTo(new ZoneValue(0x7f000002, Optional.of("IP address $ is listed")));
    assertThat(value(z, "127.0.0.5").address().getHostAddress()).isEqualTo("127.0.0.5");
    assertThat(value(z, "127.0.0.5").txtFor("127.0.0.5"))
        .contains("IP address 127.0.0.5 is listed");
    assertThat(value(z, "127.0.0.6")).isEqualTo(new ZoneValue(0x7f000006, Optional.empty()));
    assertThat(value(z, "127.0.0.7").txtFor("127.0.0.7"))
        .contains(
            "IP address 127.0.0.7 running an open relay, See http://www.example.com/bl?127.0.0.7 $5");
    assertThat(value(z, "10.0.0.1").txtFor("10.0.0.1")).contains("IP address 10.0.0.1 is listed");
  }

  private static ZoneValue value(Ip4Zone z, String ip) {
    int v = z.lookup(ip(ip));
    assertThat(v).as(ip).isNotNegative();
    return z.values().get(v);
  }

  @Test
  void mostSpecificPrefixLengthWinsAsInRbldnsd() throws Exception {
    Ip4Zone z =
        (Ip4Zone)
            parse(
                MirrorKind.IP4SET, "10.0.0.0/8 :3:\n!10.1.0.0/16\n10.1.2.0/24 :4:\n10.1.2.3 :5:\n");
    assertThat(code(z, "10.9.9.9")).isEqualTo("127.0.0.3");
    assertThat(code(z, "10.1.9.9")).isNull();
    assertThat(code(z, "10.1.2.9")).isEqualTo("127.0.0.4");
    assertThat(code(z, "10.1.2.3")).isEqualTo("127.0.0.5");
  }

  @Test
  void ip4tsetTakesSingleAddressesOnly() throws Exception {
    Ip4Zone z = (Ip4Zone) parse(MirrorKind.IP4TSET, ":127.0.0.3:listed\n192.0.2.7\n");
    assertThat(code(z, "192.0.2.7")).isEqualTo("127.0.0.3");
    assertThatThrownBy(() -> parse(MirrorKind.IP4TSET, "192.0.2.7\n192.0.2.0/24\n"))
        .isInstanceOf(ZoneFileException.class)
        .hasMessage("test.zone:2: ip4tset takes single addresses only, not '192.0.2.0/24'");
  }

  @Test
  void readsIpv6TrieAndTrivialSets() throws Exception {
    Ip6Zone z =
        (Ip6Zone)
            parse(
                MirrorKind.IP6TRIE,
                """
                :127.0.1.2: Listed, see http://example.com/lookup?$
                2001:21ab:c000/36
                2001:21ab:def7:4242 :127.0.1.3: This one smells funny
                2605:6001:42::/52
                ::1                   # localhost
                !2605:6001:42::bead   # exclusion
                """);
    assertThat(code6(z, "2001:21ab:c123::1")).isEqualTo("127.0.1.2");
    assertThat(code6(z, "2001:21ab:d000::1")).isNull();
    assertThat(code6(z, "2001:21ab:def7:4242:1::")).isEqualTo("127.0.1.3");
    assertThat(code6(z, "2605:6001:42::beef")).isEqualTo("127.0.1.2");
    assertThat(code6(z, "2605:6001:42::bead")).isNull();
    assertThat(code6(z, "::1")).isEqualTo("127.0.1.2");
    assertThat(code6(z, "::2")).isNull();

    Ip6Zone t =
        (Ip6Zone)
            parse(
                MirrorKind.IP6TSET,
                "2001:20fe:23:41ed\nabac:adab:ad00:42f\n!abac:adab:ad00:42f::2\n");
    assertThat(code6(t, "2001:20fe:23:41ed::9")).isEqualTo("127.0.0.2");
    assertThat(code6(t, "abac:adab:ad00:42f::2")).isNull();
    assertThat(code6(t, "abac:adab:ad00:42f::3")).isEqualTo("127.0.0.2");
    assertThatThrownBy(() -> parse(MirrorKind.IP6TSET, "2001:db8::/48\n"))
        .isInstanceOf(ZoneFileException.class)
        .hasMessageStartingWith("test.zone:1: ip6tset takes /64 prefixes");
  }

  static String code6(Ip6Zone z, String ip) {
    byte[] b = InetAddresses.forString(ip).getAddress();
    long hi = java.nio.ByteBuffer.wrap(b).getLong();
    long lo = java.nio.ByteBuffer.wrap(b, 8, 8).getLong();
    int v = z.lookup(hi, lo);
    assertThat(v).isEqualTo(z.exactLookup(hi, lo));
    return v < 0 ? null : z.values().get(v).address().getHostAddress();
  }

  @Test
  void dnsetWildcardsFollowTheManual() throws Exception {
    DomainZone z =
        (DomainZone)
            parse(
                MirrorKind.DNSET,
                """
                exact.example
                *.sub.example
                .both.example :3:spam domain $
                !ok.both.example
                Mixed.Case.Example.
                """);
    assertThat(z.lookup("exact.example")).isNotNegative();
    assertThat(z.lookup("www.exact.example")).isNegative();
    assertThat(z.lookup("sub.example")).isNegative();
    assertThat(z.lookup("a.b.sub.example")).isNotNegative();
    assertThat(z.lookup("both.example")).isNotNegative();
    assertThat(z.lookup("x.both.example")).isNotNegative();
    assertThat(z.values().get(z.lookup("x.both.example")).txtFor("x.both.example"))
        .contains("spam domain x.both.example");
    assertThat(z.lookup("ok.both.example")).isNegative();
    assertThat(z.lookup("mixed.case.example")).isNotNegative();
    assertThat(z.lookup("other.example")).isNegative();
  }

  @Test
  void rejectsBadFilesNamingTheLine() {
    assertBad(
        MirrorKind.IP4SET, "10.0.0.1\n300.1.2.3\n", "test.zone:2: bad IPv4 address '300.1.2.3'");
    assertBad(
        MirrorKind.IP4SET, "10.0.0.1/33\n", "test.zone:1: bad prefix length in '10.0.0.1/33'");
    assertBad(
        MirrorKind.IP4SET,
        "\n\n10.0.0.9-10.0.0.1\n",
        "test.zone:3: range end before its start in '10.0.0.9-10.0.0.1'");
    assertBad(MirrorKind.IP4SET, "1.2.3.4.5\n", "test.zone:1: more than 4 octets in '1.2.3.4.5'");
    assertBad(MirrorKind.IP4SET, "$TTL soon\n", "test.zone:1: bad time value 'soon'");
    assertBad(MirrorKind.IP4SET, "$FOO 1\n", "test.zone:1: unknown special '$FOO'");
    assertBad(
        MirrorKind.IP4SET,
        "$SOA 1 2\n",
        "test.zone:1: $SOA needs 8 fields (ttl origin person serial refresh retry expire minttl)");
    assertBad(
        MirrorKind.IP4SET,
        "1.2.3.4 :300:\n",
        "test.zone:1: A value octet out of range [0, 255]: '300'");
    assertBad(MirrorKind.IP4SET, "!\n", "test.zone:1: '!' with no entry after it");
    assertBad(
        MirrorKind.IP4SET,
        "$MAXRANGE4 /24\n10.0.0.0/16\n",
        "test.zone:2: range 10.0.0.0/16 is wider than $MAXRANGE4 256");
    assertBad(
        MirrorKind.IP6TRIE,
        "2001:db8::1::2\n",
        "test.zone:1: two '::' in IPv6 address '2001:db8::1::2'");
    assertBad(MirrorKind.IP6TRIE, "2001:xyz::\n", "test.zone:1: bad IPv6 address '2001:xyz::'");
    assertBad(
        MirrorKind.IP6TRIE,
        "2001:db8::/129\n",
        "test.zone:1: IPv6 prefix length out of range [0, 128]: '129'");
    assertBad(
        MirrorKind.DNSET,
        "ok.example\nbad..example\n",
        "test.zone:2: bad domain name 'bad..example' (empty or over-long label)");
    assertBad(MirrorKind.DNSET, "sp am.example\n", null);
    assertBad(
        MirrorKind.DNSET,
        "b@d.example\n",
        "test.zone:1: bad character '@' in domain name 'b@d.example'");
    assertBad(
        MirrorKind.IP4SET, "1".repeat(5000) + "\n", "test.zone:1: line longer than 4096 bytes");
  }

  private static void assertBad(MirrorKind kind, String text, String message) {
    if (message == null) {
      // "sp am.example": the name ends at the space, "am.example" is its TXT value: valid.
      try {
        parse(kind, text);
      } catch (ZoneFileException e) {
        throw new AssertionError(e);
      }
      return;
    }
    assertThatThrownBy(() -> parse(kind, text))
        .isInstanceOf(ZoneFileException.class)
        .hasMessage(message);
  }

  @Test
  void acceptsCrlfTabsAndHashDollarSpecials() throws Exception {
    Ip4Zone z = (Ip4Zone) parse(MirrorKind.IP4SET, "#$TTL 60\r\n\t10.0.0.1\t:4:x\r\n");
    assertThat(z.ttlSeconds()).isEqualTo(60);
    assertThat(code(z, "10.0.0.1")).isEqualTo("127.0.0.4");
  }

  @Test
  void emptyFileListsNothing() throws Exception {
    Ip4Zone z = (Ip4Zone) parse(MirrorKind.IP4SET, "");
    assertThat(z.lookup(ip("1.2.3.4"))).isNegative();
    InetAddress any = InetAddresses.forString("::1");
    assertThat(any).isNotNull();
  }
}
