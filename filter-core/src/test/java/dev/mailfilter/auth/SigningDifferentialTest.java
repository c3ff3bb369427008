package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailfilter.auth.ArcSealer.ArcFields;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.testkit.NamedServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our DKIM signatures and ARC sets checked by an independent implementation: Perl's Mail::DKIM
 * (Debian {@code libmail-dkim-perl}), which verifies DKIM and ARC, reading the keys from a real
 * named on loopback. Seeded random messages (odd header case and spacing, folded fields, trailing
 * white space and empty lines in the body) are signed and sealed over one to three hops; each must
 * pass in Mail::DKIM, and the same message with one body byte changed must fail there. RSA only:
 * the Debian package verifies ed25519 only with CryptX, which is not installed.
 */
class SigningDifferentialTest {
  static final long SEED = 0x5EA1_2026L;
  static final int MESSAGES = 40;

  @TempDir static Path dir;
  private static NamedServer server;
  private static final List<KeyPair> KEYS = new ArrayList<>();

  private static final String PERL =
      """
      use strict; use warnings;
      use Mail::DKIM::Verifier; use Mail::DKIM::ARC::Verifier; use Net::DNS::Resolver;
      my $port = shift @ARGV;
      Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(
          nameservers => ['127.0.0.1'], port => $port, udp_timeout => 3, tcp_timeout => 3,
          retry => 1));
      for my $file (@ARGV) {
        open my $fh, '<:raw', $file or die "$file: $!"; local $/; my $msg = <$fh>; close $fh;
        my $d = Mail::DKIM::Verifier->new; $d->PRINT($msg); $d->CLOSE;
        my $a = Mail::DKIM::ARC::Verifier->new; $a->PRINT($msg); $a->CLOSE;
        printf "%s dkim=%s arc=%s (%s)\\n", $file, $d->result, $a->result, $a->result_detail // '';
      }
      """;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(
        Files.isExecutable(NamedServer.BINARY) && perlHasMailDkim(),
        "needs named and Mail::DKIM (Debian bind9, libmail-dkim-perl; see .ci/packages)");
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    StringBuilder zone =
        new StringBuilder(
            """
            $TTL 0
            @ IN SOA ns. host. 1 3600 600 86400 0
            @ IN NS ns.
            ns. IN A 127.0.0.1
            """);
    for (int i = 0; i < 3; i++) {
      KEYS.add(rsa.generateKeyPair());
      zone.append("k")
          .append(i)
          .append("._domainkey.hop")
          .append(i)
          .append(".example. IN TXT ")
          .append(ArcCheckTest.txtStrings(ArcCheckTest.rsaRecord(KEYS.get(i))))
          .append('\n');
    }
    server = NamedServer.start(dir, Map.of(".", zone.toString()), List.of());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static boolean perlHasMailDkim() {
    try {
      Process p =
          new ProcessBuilder("perl", "-MMail::DKIM::ARC::Verifier", "-e", "1")
              .redirectErrorStream(true)
              .start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  static SigningKey key(int hop) {
    return new SigningKey(DkimAlgorithm.RSA_SHA256, KEYS.get(hop).getPrivate(), "hop" + hop);
  }

  /** A message with the oddities canonicalization must absorb, from {@code r}. */
  static String randomMessage(Random r) {
    String[] names = {"From", "FROM", "from", "To", "Subject", "subject", "Date", "Message-ID"};
    StringBuilder m = new StringBuilder();
    m.append(names[r.nextInt(3)]).append(":").append(r.nextBoolean() ? " " : "  \t");
    m.append("Alice <alice@hop0.example>").append(r.nextBoolean() ? "  " : "").append("\r\n");
    m.append("To: bob@example.net\r\n");
    m.append(names[4 + r.nextInt(2)]).append(": word").append(r.nextInt(1000));
    if (r.nextBoolean()) {
      m.append("\r\n\t folded   part");
    }
    m.append("\r\n");
    m.append("Date: Mon, 07 Dec 2026 10:00:0").append(r.nextInt(10)).append(" +0000\r\n");
    m.append("Message-ID: <").append(r.nextLong() & 0xffffff).append("@hop0.example>\r\n");
    m.append("\r\n");
    int lines = r.nextInt(6);
    for (int i = 0; i < lines; i++) {
      m.append("line ")
          .append(i)
          .append(" ".repeat(r.nextInt(3)))
          .append("x\t ".repeat(r.nextInt(2)));
      m.append("\r\n");
    }
    m.append("\r\n".repeat(r.nextInt(3)));
    return m.toString();
  }

  static byte[] prepend(List<Map.Entry<String, String>> fields, byte[] message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, String> f : fields) {
      out.writeBytes(
          (f.getKey() + ": " + f.getValue() + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }
    out.writeBytes(message);
    return out.toByteArray();
  }

  /** Signed at hop 0 with DKIM, then sealed at hops 0.. {@code hops - 1}. */
  static byte[] signAndSeal(String text, int hops) {
    byte[] m = text.getBytes(StandardCharsets.ISO_8859_1);
    ParsedMessage p = MessageParser.create().parse(m);
    String sig =
        DkimSigner.create("hop0.example", "k0", key(0), DkimSigner.DEFAULT_HEADERS)
            .sign(p, Instant.ofEpochSecond(1_800_000_000L));
    m = prepend(List.of(Map.entry("DKIM-Signature", sig)), m);
    ArcResult chain = ArcResult.none();
    for (int hop = 0; hop < hops; hop++) {
      p = MessageParser.create().parse(m);
      ArcFields f =
          ArcSealer.create(
                  "hop" + hop + ".example", "k" + hop, key(hop), ArcCheck.DEFAULT_SEAL_HEADERS)
              .seal(p, chain, "hop" + hop + ".example; arc=" + chain.cv().keyword(), Instant.now())
              .orElseThrow();
      m = prepend(f.fields(), m);
      chain =
          ArcVerifier.create(DkimKeyLookup.fromRecords(records()))
              .verify(MessageParser.create().parse(m), ArcSuiteTest.NO_DNS);
      assertThat(chain.cv()).as(chain.reason()).isEqualTo(ArcResult.Cv.PASS);
    }
    return m;
  }

  static Map<String, List<String>> records() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (int i = 0; i < KEYS.size(); i++) {
      out.put(
          "k" + i + "._domainkey.hop" + i + ".example",
          List.of(ArcCheckTest.rsaRecord(KEYS.get(i))));
    }
    return out;
  }

  @Test
  void mailDkimVerifiesOurSignaturesAndSealsAndRejectsThemAfterABodyChange() throws Exception {
    Random r = new Random(SEED);
    List<String> files = new ArrayList<>();
    Map<String, String> expected = new LinkedHashMap<>();
    for (int i = 0; i < MESSAGES; i++) {
      byte[] sealed = signAndSeal(randomMessage(r), 1 + r.nextInt(3));
      Path good = Files.write(dir.resolve("good" + i + ".eml"), sealed);
      String text = new String(sealed, StandardCharsets.ISO_8859_1);
      int body = text.indexOf("\r\n\r\n") + 4;
      String changed = text.substring(0, body) + "changed " + text.substring(body);
      Path bad =
          Files.writeString(dir.resolve("bad" + i + ".eml"), changed, StandardCharsets.ISO_8859_1);
      files.add(good.toString());
      files.add(bad.toString());
      expected.put(good.toString(), "dkim=pass arc=pass");
      expected.put(bad.toString(), "dkim=fail arc=fail");
    }
    Path script = Files.writeString(dir.resolve("verify.pl"), PERL);
    List<String> command =
        new ArrayList<>(
            List.of("perl", script.toString(), Integer.toString(server.address().getPort())));
    command.addAll(files);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    Map<String, String> seen = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int space = line.indexOf(' ');
      if (space > 0 && expected.containsKey(line.substring(0, space))) {
        seen.put(line.substring(0, space), line.substring(space + 1));
      }
    }
    for (Map.Entry<String, String> e : expected.entrySet()) {
      assertThat(seen.get(e.getKey())).as("%s\n%s", e.getKey(), out).startsWith(e.getValue());
    }
  }
}
