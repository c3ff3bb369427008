package dev.mailfilter.auth;

import static dev.mailfilter.auth.DkimTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.dns.Deadline;
import dev.mailfilter.dns.DnsResolver;
import dev.mailfilter.dns.DnsSettings;
import dev.mailfilter.testkit.NamedServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our verifier against Perl's Mail::DKIM (Debian {@code libmail-dkim-perl}), the reference
 * implementation of SpamAssassin and authentication_milter, on the corpus messages and on seeded
 * mutations of them: header name case, white space, refolding, added and removed fields, body
 * changes. Both ask the same real named for the keys; for every signature the results must agree
 * (Mail::DKIM's {@code invalid} is our permerror, policy or neutral).
 */
class DkimDifferentialTest {
  private static final long SEED = 0xd1ff6376L;
  private static final int MUTATIONS_PER_MESSAGE = 40;
  private static final Path PERL = Path.of("/usr/bin/perl");

  @TempDir static Path dir;
  private static NamedServer server;

  @BeforeAll
  static void start() throws Exception {
    dev.mailfilter.testkit.DebianPackage.require(PERL, "perl");
    if (!Files.isRegularFile(Path.of("/usr/share/perl5/Mail/DKIM/Verifier.pm"))) {
      throw new AssertionError(
          "Mail::DKIM is missing: install the Debian package libmail-dkim-perl"
              + " (bin/test installs the packages listed in .ci/packages)");
    }
    Path named = Files.createDirectories(dir.resolve("named"));
    server = DkimNamedTest.startServer(named);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static final String SCRIPT =
      """
      use strict; use warnings;
      use Mail::DKIM::Verifier; use Mail::DKIM::DNS; use Net::DNS::Resolver;
      my $port = shift @ARGV;
      Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(nameservers => ['127.0.0.1'],
          port => $port, udp_timeout => 2, tcp_timeout => 2, retry => 1));
      for my $file (@ARGV) {
        open(my $fh, '<:raw', $file) or die "$file: $!";
        my $v = Mail::DKIM::Verifier->new();
        $v->load($fh);
        close $fh;
        my $i = 0;
        for my $sig ($v->signatures) {
          next unless ref($sig) eq 'Mail::DKIM::Signature';
          my $d = $sig->result_detail // ''; $d =~ s/[\\t\\r\\n]/ /g;
          print join("\\t", $file, $i++, $sig->result, $d), "\\n";
        }
      }
      """;

  /** The corpus messages: Stalwart's 6, mailauth's 1, dkimpy's 4 pre-signed. */
  static Map<String, byte[]> corpus() throws Exception {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (String f : DkimSuiteTest.STALWART_FILES) {
      m.put("stalwart-" + f, DkimTestSupport.stalwart(DkimSuiteTest.STALWART.resolve(f)).message());
    }
    m.put("mailauth-signed.eml", DkimSuiteTest.mailauthMessage());
    for (String f :
        List.of(
            "rfc6376.signed.msg", "rfc6376.signed.rsa.msg", "test2.message", "ed25519test2.msg")) {
      m.put("dkimpy-" + f, DkimSuiteTest.message(f));
    }
    return m;
  }

  /** One seeded change of the kind a forwarder or an attacker makes. */
  static String mutate(String msg, SplittableRandom r) {
    int split = msg.indexOf("\r\n\r\n");
    String head = msg.substring(0, split + 2);
    String body = msg.substring(split + 4);
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = head.indexOf("\r\n");
        i >= 0 && i + 2 < head.length();
        i = head.indexOf("\r\n", i + 2)) {
      if (head.charAt(i + 2) != ' ' && head.charAt(i + 2) != '\t') {
        starts.add(i + 2);
      }
    }
    int field = starts.get(r.nextInt(starts.size()));
    int colon = head.indexOf(':', field);
    int fieldEnd = head.indexOf("\r\n", field);
    while (fieldEnd + 2 < head.length()
        && (head.charAt(fieldEnd + 2) == ' ' || head.charAt(fieldEnd + 2) == '\t')) {
      fieldEnd = head.indexOf("\r\n", fieldEnd + 2);
    }
    switch (r.nextInt(9)) {
      case 0 -> { // header name case
        String name = head.substring(field, colon);
        String changed = r.nextBoolean() ? name.toUpperCase() : name.toLowerCase();
        head = head.substring(0, field) + changed + head.substring(colon);
      }
      case 1 -> { // white space inside a value
        int at = colon + 1 + r.nextInt(Math.max(1, fieldEnd - colon - 1));
        int space = head.indexOf(' ', at);
        if (space > 0 && space < fieldEnd) {
          head =
              head.substring(0, space)
                  + (r.nextBoolean() ? "  " : " \t")
                  + head.substring(space + 1);
        } else {
          head = head.substring(0, fieldEnd) + " " + head.substring(fieldEnd);
        }
      }
      case 2 -> { // refold at a space
        int space = head.indexOf(' ', colon + 2);
        if (space > 0 && space < fieldEnd && head.charAt(space - 1) != '\n') {
          head = head.substring(0, space) + "\r\n\t" + head.substring(space + 1);
        } else {
          head = head.substring(0, colon + 1) + "\r\n" + head.substring(colon + 1);
        }
      }
      case 3 -> head = "From: Mallory <m@attacker.example>\r\n" + head; // a second From on top
      case 4 -> head = "X-Forwarded: by a list\r\n" + head; // an unsigned field
      case 5 -> head = head.substring(0, field) + head.substring(fieldEnd + 2); // a field removed
      case 6 -> body = body + "--\r\nAdded by the list\r\n"; // footer
      case 7 -> body = body + (r.nextBoolean() ? "\r\n\r\n" : " \r\n\t\r\n"); // trailing lines
      default -> { // one body byte changed, or trailing white space on a line
        if (body.isEmpty()) {
          body = "x\r\n";
        } else {
          int at = r.nextInt(body.length());
          char c = body.charAt(at);
          if (c == '\r' || c == '\n') {
            body = body.substring(0, at) + " " + body.substring(at);
          } else {
            body = body.substring(0, at) + (c == 'x' ? 'y' : 'x') + body.substring(at + 1);
          }
        }
      }
    }
    return head + "\r\n" + body;
  }

  static String ours(DkimResult.Code code) {
    return switch (code) {
      case PASS -> "pass";
      case FAIL -> "fail";
      case TEMPERROR -> "temperror";
      case PERMERROR, POLICY, NEUTRAL -> "invalid";
    };
  }

  /**
   * What Debian 12's Mail::DKIM cannot judge, so such signatures are counted, not compared: it has
   * no ed25519 (it needs a newer CryptX than Debian ships) and reads only SubjectPublicKeyInfo
   * keys, not the bare PKCS#1 key of Stalwart's 002.txt.
   */
  private static final List<String> REFERENCE_LIMITS =
      List.of("unsupported algorithm ed25519-sha256", "OpenSSL error: wrong tag");

  @Test
  void verdictsAgreeWithMailDkimOnTheCorpusAndItsMutations() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    SplittableRandom r = new SplittableRandom(SEED);
    corpus()
        .forEach(
            (name, bytes) -> {
              files.put(name, bytes);
              String text = new String(bytes, StandardCharsets.ISO_8859_1);
              for (int i = 0; i < MUTATIONS_PER_MESSAGE; i++) {
                files.put(name + ".m" + i, mutate(text, r).getBytes(StandardCharsets.ISO_8859_1));
              }
            });
    Path msgs = Files.createDirectories(dir.resolve("msgs"));
    List<String> command = new ArrayList<>(List.of(PERL.toString(), "-e", SCRIPT));
    command.add(String.valueOf(server.address().getPort()));
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Path p = msgs.resolve(e.getKey());
      Files.write(p, e.getValue());
      command.add(p.toString());
    }
    Process perl =
        new ProcessBuilder(command).redirectError(dir.resolve("perl.err").toFile()).start();
    String out = new String(perl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(perl.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(perl.exitValue()).as(Files.readString(dir.resolve("perl.err"))).isZero();
    Map<String, String> reference = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      if (!line.isEmpty()) {
        String[] f = line.split("\t", -1);
        reference.put(Path.of(f[0]).getFileName() + "#" + f[1], f[2] + "\t" + f[3]);
      }
    }
    DkimVerifier verifier =
        DkimVerifier.create(
            DkimKeyLookup.dns(
                DnsResolver.create(
                    DnsSettings.builder()
                        .addServer(server.address())
                        .deadline(Duration.ofSeconds(2))
                        .retries(0)
                        .build())),
            Clock.systemUTC(),
            DkimVerifier.DEFAULT_MAX_SIGNATURES);
    List<String> disagreements = new ArrayList<>();
    int compared = 0;
    int unjudged = 0;
    int passes = 0;
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      List<DkimResult> results =
          verifier.verify(parse(e.getValue()), Deadline.after(Duration.ofSeconds(5)));
      for (int i = 0; i < results.size(); i++) {
        String key = e.getKey() + "#" + i;
        String theirs = reference.getOrDefault(key, "missing\t");
        String mine = ours(results.get(i).code());
        if (REFERENCE_LIMITS.stream().anyMatch(theirs::contains)) {
          unjudged++;
          continue;
        }
        compared++;
        if (mine.equals("pass")) {
          passes++;
        }
        if (!theirs.startsWith(mine + "\t")) {
          disagreements.add(
              key + ": ours " + mine + " (" + results.get(i).reason() + "), Mail::DKIM " + theirs);
        }
      }
      long theirCount =
          reference.keySet().stream().filter(k -> k.startsWith(e.getKey() + "#")).count();
      if (theirCount != results.size()) {
        disagreements.add(
            e.getKey() + ": " + results.size() + " signatures, Mail::DKIM " + theirCount);
      }
    }
    assertThat(disagreements).as("%d signatures compared, %d pass", compared, passes).isEmpty();
    // 15 signatures in each of the 451 messages, less the few a mutation removed.
    assertThat(compared + unjudged)
        .isBetween(15 * MUTATIONS_PER_MESSAGE, 15 * (1 + MUTATIONS_PER_MESSAGE));
    System.out.printf(
        "DkimDifferentialTest: %d signatures in %d messages agree with Mail::DKIM (%d pass),"
            + " %d it cannot judge%n",
        compared, files.size(), passes, unjudged);
    assertThat(compared).isGreaterThan(350);
  }
}
