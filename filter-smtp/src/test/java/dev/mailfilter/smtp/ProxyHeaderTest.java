package dev.mailfilter.smtp;

import static dev.mailfilter.smtp.Feeds.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The PROXY protocol reader, every case fed whole, byte by byte and in seeded random splits; the
 * SMTP bytes behind the header must stay in the stream.
 */
class ProxyHeaderTest {
  private static final String AFTER = "EHLO client.example\r\n";

  static Stream<Arguments> feeds() {
    return Feeds.all().stream().map(Arguments::of);
  }

  /** A version 2 header: signature, version and command, family and protocol, the block. */
  static byte[] v2(int verCmd, int famProto, byte[] block) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ProxyHeader.V2_SIGNATURE);
    out.write(verCmd);
    out.write(famProto);
    out.write(block.length >> 8);
    out.write(block.length & 0xff);
    out.writeBytes(block);
    return out.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] ipv4Block(String src, String dst, int sport, int dport, byte[] tlvs)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(InetAddress.getByName(src).getAddress());
    out.writeBytes(InetAddress.getByName(dst).getAddress());
    out.write(sport >> 8);
    out.write(sport & 0xff);
    out.write(dport >> 8);
    out.write(dport & 0xff);
    out.writeBytes(tlvs);
    return out.toByteArray();
  }

  /** Reads the header and returns it, checking that exactly the SMTP bytes are left. */
  private static ProxyHeader.Result readLeaving(Feeds.Feed feed, byte[] header, String rest)
      throws IOException {
    InputStream in = feed.of(concat(header, bytes(rest)));
    ProxyHeader.Result r = ProxyHeader.read(in);
    assertThat(Feeds.text(in.readAllBytes())).as(feed.name()).isEqualTo(rest);
    return r;
  }

  private static ProxyHeader.Result read(Feeds.Feed feed, byte[] wire) throws IOException {
    return ProxyHeader.read(feed.of(wire));
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void v1Tcp4GivesTheClientAddressAndLeavesTheSmtpBytes(Feeds.Feed feed) throws IOException {
    ProxyHeader.Result r =
        readLeaving(feed, bytes("PROXY TCP4 192.0.2.10 198.51.100.1 56324 25\r\n"), AFTER);
    assertThat(r)
        .isEqualTo(
            new ProxyHeader.Result.Proxied(
                1,
                new InetSocketAddress(InetAddress.getByName("192.0.2.10"), 56324),
                new InetSocketAddress(InetAddress.getByName("198.51.100.1"), 25)));
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void v1Tcp6AndTheLongestLineAreRead(Feeds.Feed feed) throws IOException {
    ProxyHeader.Result r =
        readLeaving(feed, bytes("PROXY TCP6 2001:db8::7 2001:db8::1 65535 25\r\n"), AFTER);
    assertThat(((ProxyHeader.Result.Proxied) r).source())
        .isEqualTo(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 65535));
    String full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    String longest = "PROXY TCP6 " + full + " " + full + " 65535 65535\r\n";
    assertThat(longest).hasSize(104);
    assertThat(readLeaving(feed, bytes(longest), AFTER))
        .isInstanceOf(ProxyHeader.Result.Proxied.class);
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void v1UnknownKeepsTheSocketAddress(Feeds.Feed feed) throws IOException {
    assertThat(readLeaving(feed, bytes("PROXY UNKNOWN\r\n"), AFTER))
        .isEqualTo(new ProxyHeader.Result.Local(1));
    String full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    String worst = "PROXY UNKNOWN " + full + " " + full + " 65535 65535\r\n";
    assertThat(worst).hasSize(ProxyHeader.MAX_V1_LENGTH);
    assertThat(readLeaving(feed, bytes(worst), AFTER)).isEqualTo(new ProxyHeader.Result.Local(1));
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void malformedV1LinesAreRefused(Feeds.Feed feed) throws IOException {
    String[] bad = {
      "PROXY TCP4 192.0.2.10 198.51.100.1 56324 25\n", // bare LF
      "PROXY TCP4 192.0.2.10 198.51.100.1 56324 25\r", // CR at the end of the stream
      "PROXY TCP4 192.0.2.10\r198.51.100.1 56324 25\r\n", // bare CR
      "PROXY TCP4  192.0.2.10 198.51.100.1 56324 25\r\n", // two spaces
      "PROXY TCP4 192.0.2.10 198.51.100.1 56324 25 \r\n", // trailing space
      "PROXY TCP4 192.0.2.010 198.51.100.1 56324 25\r\n", // leading zero: octal?
      "PROXY TCP4 192.0.2.256 198.51.100.1 56324 25\r\n",
      "PROXY TCP4 192.0.2 198.51.100.1 56324 25\r\n",
      "PROXY TCP4 2001:db8::7 198.51.100.1 56324 25\r\n", // family mismatch
      "PROXY TCP6 192.0.2.10 2001:db8::1 56324 25\r\n",
      "PROXY TCP6 2001:db8::7%eth0 2001:db8::1 56324 25\r\n",
      "PROXY TCP4 192.0.2.10 198.51.100.1 065535 25\r\n",
      "PROXY TCP4 192.0.2.10 198.51.100.1 65536 25\r\n",
      "PROXY TCP4 192.0.2.10 198.51.100.1 -1 25\r\n",
      "PROXY TCP4 192.0.2.10 198.51.100.1 56324\r\n",
      "PROXY UDP4 192.0.2.10 198.51.100.1 56324 25\r\n",
      "PROXY tcp4 192.0.2.10 198.51.100.1 56324 25\r\n",
      "PROXY\r\n",
      "PROXY \r\n",
      "PROXY TCP4 mx.example 198.51.100.1 56324 25\r\n",
      "PROXY TCP4 192.0.2.10 198.51.100.1 56324 25\u00ff\r\n",
      "PROXY TCP4 192.0.2.10 198.51.100.1 56324 2", // the stream ends inside the line
      "PROXY UNKNOWN " + "x".repeat(100) + "\r\n", // no CRLF within 107 octets
      "PROXYTCP4 192.0.2.10 198.51.100.1 56324 25\r\n",
      "PRoXY TCP4 192.0.2.10 198.51.100.1 56324 25\r\n",
      "EHLO client.example\r\n", // not a balancer: an SMTP client
      "",
    };
    for (String line : bad) {
      assertThat(read(feed, bytes(line + AFTER)))
          .as("%s: %s", feed, line)
          .isInstanceOf(ProxyHeader.Result.Malformed.class);
    }
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void v2ProxyOverIpv4GivesTheClientAndSkipsTlvs(Feeds.Feed feed) throws IOException {
    byte[] tlvs = {
      0x01,
      0x00,
      0x02,
      'h',
      '2', // ALPN
      0x05,
      0x00,
      0x03,
      'i',
      'd',
      '1', // UNIQUE_ID
      0x04,
      0x00,
      0x00 // NOOP
    };
    byte[] header = v2(0x21, 0x11, ipv4Block("203.0.113.9", "198.51.100.1", 40000, 25, tlvs));
    assertThat(readLeaving(feed, header, AFTER))
        .isEqualTo(
            new ProxyHeader.Result.Proxied(
                2,
                new InetSocketAddress(InetAddress.getByName("203.0.113.9"), 40000),
                new InetSocketAddress(InetAddress.getByName("198.51.100.1"), 25)));
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void v2ProxyOverIpv6GivesTheClient(Feeds.Feed feed) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.writeBytes(InetAddress.getByName("2001:db8::9").getAddress());
    block.writeBytes(InetAddress.getByName("2001:db8::1").getAddress());
    block.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 25});
    ProxyHeader.Result r = readLeaving(feed, v2(0x21, 0x21, block.toByteArray()), AFTER);
    assertThat(((ProxyHeader.Result.Proxied) r).source())
        .isEqualTo(new InetSocketAddress(InetAddress.getByName("2001:db8::9"), 65534));
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void v2LocalAndFamiliesWeDoNotTakeKeepTheSocketAddress(Feeds.Feed feed) throws IOException {
    byte[] ipv4 = ipv4Block("203.0.113.9", "198.51.100.1", 40000, 25, new byte[0]);
    // LOCAL (a health check), with no block and with one that must still be skipped.
    assertThat(readLeaving(feed, v2(0x20, 0x00, new byte[0]), AFTER))
        .isEqualTo(new ProxyHeader.Result.Local(2));
    assertThat(readLeaving(feed, v2(0x20, 0x11, ipv4), AFTER))
        .isEqualTo(new ProxyHeader.Result.Local(2));
    // PROXY with UNSPEC, UDP and AF_UNIX: fall back to the real endpoints.
    assertThat(readLeaving(feed, v2(0x21, 0x00, new byte[0]), AFTER))
        .isEqualTo(new ProxyHeader.Result.Local(2));
    assertThat(readLeaving(feed, v2(0x21, 0x12, ipv4), AFTER))
        .isEqualTo(new ProxyHeader.Result.Local(2));
    assertThat(readLeaving(feed, v2(0x21, 0x31, new byte[216]), AFTER))
        .isEqualTo(new ProxyHeader.Result.Local(2));
  }

  @ParameterizedTest
  @MethodSource("feeds")
  void malformedV2HeadersAreRefused(Feeds.Feed feed) throws IOException {
    byte[] ipv4 = ipv4Block("203.0.113.9", "198.51.100.1", 40000, 25, new byte[0]);
    byte[][] bad = {
      v2(0x11, 0x11, ipv4), // version 1 in a binary header
      v2(0x31, 0x11, ipv4), // version 3
      v2(0x22, 0x11, ipv4), // command 2
      v2(0x21, 0x41, ipv4), // family 4
      v2(0x21, 0x13, ipv4), // protocol 3
      v2(0x21, 0x11, new byte[11]), // IPv4 block too short
      v2(0x21, 0x21, new byte[35]), // IPv6 block too short
      v2(0x21, 0x31, new byte[215]), // AF_UNIX block too short
      v2(0x21, 0x11, new byte[ProxyHeader.MAX_V2_LENGTH + 1]), // oversized
      java.util.Arrays.copyOf(v2(0x21, 0x11, ipv4), 20), // the stream ends inside the block
      java.util.Arrays.copyOf(ProxyHeader.V2_SIGNATURE, 7), // ... inside the signature
      java.util.Arrays.copyOf(ProxyHeader.V2_SIGNATURE, 14), // ... inside the fixed header
      bytes("\r\n\r\nQUIT\r\n"), // not the signature
    };
    for (byte[] wire : bad) {
      // Nothing after the header: a truncated header must not borrow the SMTP bytes.
      assertThat(read(feed, wire))
          .as("%s: %s", feed, ProxyHeader.printable(wire, wire.length))
          .isInstanceOf(ProxyHeader.Result.Malformed.class);
    }
  }

  /**
   * Seeded: random valid headers of both versions, with random TLVs and random bytes behind them,
   * read back as written in random splits, leaving exactly the bytes behind them.
   */
  @org.junit.jupiter.api.Test
  void randomHeadersReadBackInRandomSplits() throws IOException {
    for (int run = 0; run < 500; run++) {
      long seed = 0x5eed0000L + run;
      SplittableRandom random = new SplittableRandom(seed);
      boolean v6 = random.nextBoolean();
      byte[] src = new byte[v6 ? 16 : 4];
      byte[] dst = new byte[v6 ? 16 : 4];
      random.nextBytes(src);
      random.nextBytes(dst);
      if (v6) {
        src[0] = 0x20; // not an IPv4-mapped address, which reads back as IPv4
        dst[0] = 0x20;
      }
      int sport = random.nextInt(65536);
      int dport = random.nextInt(65536);
      byte[] header;
      int version = random.nextInt(1, 3);
      if (version == 1) {
        header =
            bytes(
                "PROXY "
                    + (v6 ? "TCP6 " : "TCP4 ")
                    + InetAddress.getByAddress(src).getHostAddress()
                    + " "
                    + InetAddress.getByAddress(dst).getHostAddress()
                    + " "
                    + sport
                    + " "
                    + dport
                    + "\r\n");
      } else {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.writeBytes(src);
        block.writeBytes(dst);
        block.writeBytes(new byte[] {(byte) (sport >> 8), (byte) sport});
        block.writeBytes(new byte[] {(byte) (dport >> 8), (byte) dport});
        for (int t = random.nextInt(4); t > 0; t--) {
          byte[] value = new byte[random.nextInt(200)];
          random.nextBytes(value);
          block.write(random.nextInt(256));
          block.write(value.length >> 8);
          block.write(value.length & 0xff);
          block.writeBytes(value);
        }
        header = v2(0x21, v6 ? 0x21 : 0x11, block.toByteArray());
      }
      byte[] rest = new byte[random.nextInt(300)];
      random.nextBytes(rest);
      InputStream in =
          new dev.mailfilter.testkit.ChunkedInputStream(
              concat(header, rest), seed, random.nextInt(1, 64));
      ProxyHeader.Result r = ProxyHeader.read(in);
      ProxyHeader.Result expected =
          new ProxyHeader.Result.Proxied(
              version,
              new InetSocketAddress(InetAddress.getByAddress(src), sport),
              new InetSocketAddress(InetAddress.getByAddress(dst), dport));
      assertThat(r).as("seed %s", seed).isEqualTo(expected);
      assertThat(in.readAllBytes()).as("seed %s", seed).isEqualTo(rest);
    }
  }
}
