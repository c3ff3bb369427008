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
 * Our verifier against two reference implementations, Perl's Mail::DKIM (Debian {@code
 * libmail-dkim-perl}, the verifier of SpamAssassin and authentication_milter) and dkimpy (Debian
 * {@code python3-dkim}), on the corpus messages and on seeded mutations of them: header name case,
 * white space, refolding, added and removed fields, body changes. All ask the same real named for
 * the keys; for every signature a reference can judge, the results must agree (Mail::DKIM's {@code
 * invalid} is our permerror, policy or neutral; dkimpy only says pass or not).
 */
class DkimDifferentialTest {
  private static final long SEED = 0xd1ff6376L;
  private static final int MUTATIONS_PER_MESSAGE = 40;
  private static final Path PERL = Path.of("/usr/bin/perl");

  @TempDir static Path dir;
  private static NamedServer server;

  @BeforeAll
  static void start() throws Exception {
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
   * no ed25519 (its Signature.pm knows only rsa-sha1 and rsa-sha256, CryptX or not) and reads only
   * SubjectPublicKeyInfo keys, not the bare PKCS#1 key of Stalwart's 002.txt.
   */
  private static final List<String> REFERENCE_LIMITS =
      List.of("unsupported algorithm ed25519-sha256", "OpenSSL error: wrong tag");

  /** The corpus messages and their seeded mutations, by file name. */
  static Map<String, byte[]> messages() throws Exception {
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
    return files;
  }

  /**
   * Runs {@code command} with the named port and the message files as arguments; its output lines
   * are {@code file TAB index TAB result TAB detail}, keyed here as {@code name#index}.
   */
  static Map<String, String> reference(List<String> command, Map<String, byte[]> files)
      throws Exception {
    Path msgs = Files.createDirectories(dir.resolve("msgs"));
    List<String> argv = new ArrayList<>(command);
    argv.add(String.valueOf(server.address().getPort()));
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Path p = msgs.resolve(e.getKey());
      Files.write(p, e.getValue());
      argv.add(p.toString());
    }
    Path err = Files.createTempFile(dir, "reference", ".err");
    Process process = new ProcessBuilder(argv).redirectError(err.toFile()).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(Files.readString(err)).isZero();
    Map<String, String> reference = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      if (!line.isEmpty()) {
        String[] f = line.split("\t", -1);
        reference.put(Path.of(f[0]).getFileName() + "#" + f[1], f[2] + "\t" + f[3]);
      }
    }
    return reference;
  }

  static DkimVerifier verifier() {
    return DkimVerifier.create(
        DkimKeyLookup.dns(
            DnsResolver.create(
                DnsSettings.builder()
                    .addServer(server.address())
                    .deadline(Duration.ofSeconds(2))
                    .retries(0)
                    .build())),
        Clock.systemUTC(),
        DkimVerifier.DEFAULT_MAX_SIGNATURES);
  }

  @Test
  void verdictsAgreeWithMailDkimOnTheCorpusAndItsMutations() throws Exception {
    requirePerlModule("Mail::DKIM::Verifier", "libmail-dkim-perl");
    Map<String, byte[]> files = messages();
    Map<String, String> reference = reference(List.of(PERL.toString(), "-e", SCRIPT), files);
    DkimVerifier verifier = verifier();
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

  private static void requirePerlModule(String module, String debianPackage) throws Exception {
    dev.mailfilter.testkit.DebianPackage.require(PERL, "perl");
    requireExit0(List.of(PERL.toString(), "-M" + module, "-e", "1"), module, debianPackage);
  }

  private static void requireExit0(List<String> command, String what, String debianPackage)
      throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(
          what
              + " is missing: install the Debian package "
              + debianPackage
              + " (bin/test installs the packages listed in .ci/packages)");
    }
  }

  private static final Path PYTHON = Path.of("/usr/bin/python3");

  // dkimpy's verify(): pass or not (it gives no finer result), every signature by index, keys
  // from the named through dnspython as dkimpy's own DNS function would fetch them.
  private static final String DKIMPY =
      """
      import sys, dkim, dns.resolver
      port = int(sys.argv[1])
      r = dns.resolver.Resolver(configure=False)
      r.nameservers = ['127.0.0.1']
      r.port = port
      r.lifetime = 3
      def txt(name, timeout=5):
          try:
              a = r.resolve(name.decode('ascii').rstrip('.'), 'TXT')
          except Exception:
              return None
          for rd in a:
              return b''.join(rd.strings)
      for f in sys.argv[2:]:
          msg = open(f, 'rb').read()
          d = dkim.DKIM(msg, minkey=1024)
          n = sum(1 for k, v in d.headers if k.lower() == b'dkim-signature')
          for i in range(n):
              try:
                  ok = d.verify(idx=i, dnsfunc=txt)
                  why = ''
              except Exception as e:
                  ok = False
                  why = type(e).__name__ + ': ' + str(e).replace('\\t', ' ').replace('\\n', ' ')
              print('%s\\t%d\\t%s\\t%s' % (f, i, 'pass' if ok else 'nopass', why))
      """;

  /**
   * The same messages against dkimpy (Debian {@code python3-dkim}, with {@code python3-nacl} for
   * ed25519), which judges what Mail::DKIM cannot: the ed25519 signatures and the bare PKCS#1 key.
   * dkimpy says only whether a signature verifies, so pass and not-pass are compared.
   */
  @Test
  void passOrNotAgreesWithDkimpyIncludingEd25519() throws Exception {
    dev.mailfilter.testkit.DebianPackage.require(PYTHON, "python3");
    requireExit0(
        List.of(PYTHON.toString(), "-c", "import dkim, nacl, dns.resolver"),
        "dkimpy with PyNaCl",
        "python3-dkim and python3-nacl");
    Map<String, byte[]> files = messages();
    Map<String, String> reference = reference(List.of(PYTHON.toString(), "-c", DKIMPY), files);
    DkimVerifier verifier = verifier();
    List<String> disagreements = new ArrayList<>();
    int compared = 0;
    int passes = 0;
    int ed25519 = 0;
    int extraFrom = 0;
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      dev.mailfilter.mime.ParsedMessage m = parse(e.getValue());
      List<DkimResult> results = verifier.verify(m, Deadline.after(Duration.ofSeconds(5)));
      for (int i = 0; i < results.size(); i++) {
        String key = e.getKey() + "#" + i;
        String theirs = reference.getOrDefault(key, "missing\t");
        boolean pass = results.get(i).code() == DkimResult.Code.PASS;
        if (m.headers().all("From").size() > 1) {
          // dkimpy's own rule (its bug 644046): with a second From it always hashes one From more
          // than h= lists, so such a message never passes there. RFC 6376 selects only what h=
          // lists, as we and Mail::DKIM do; a second From is for the MIME and DMARC checks.
          extraFrom++;
          if (!theirs.startsWith("nopass\t")) {
            disagreements.add(key + ": dkimpy passed a message with two From fields: " + theirs);
          }
          continue;
        }
        compared++;
        passes += pass ? 1 : 0;
        ed25519 += results.get(i).algorithm().equals("ed25519-sha256") ? 1 : 0;
        if (!theirs.startsWith((pass ? "pass" : "nopass") + "\t")) {
          disagreements.add(
              key
                  + ": ours "
                  + results.get(i).code()
                  + " ("
                  + results.get(i).reason()
                  + "), dkimpy "
                  + theirs);
        }
      }
    }
    assertThat(disagreements).as("%d signatures compared, %d pass", compared, passes).isEmpty();
    assertThat(ed25519).isGreaterThan(100);
    System.out.printf(
        "DkimDifferentialTest: %d signatures (%d ed25519) in %d messages agree with dkimpy"
            + " (%d pass); %d in messages with two From fields not compared%n",
        compared, ed25519, files.size(), passes, extraFrom);
  }
}
