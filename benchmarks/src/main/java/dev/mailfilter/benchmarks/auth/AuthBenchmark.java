package dev.mailfilter.benchmarks.auth;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.testfixtures.ForwardedThroughAList;
import dev.mailfilter.testkit.NamedServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Email authentication's cost per message against the classify cost of the same messages, in the
 * same run: {@code classify} runs the built-in configuration, {@code classifyWithAuth} the same
 * with {@code spf}, {@code dkim}, {@code arc} (verify only) and {@code dmarc} on; the difference is
 * the verification cost. The DNS answers come from a real BIND {@code named} on loopback (records
 * with a TTL of an hour) through each check's resolver, whose cache the setup warms by classifying
 * every message once: what is measured is the verification with the answers cached, not the
 * network.
 *
 * <p>The messages, 30, made at setup with keys made there: a third signed by their From domain
 * ({@code ed25519-sha256}) and sent from its SPF-authorized address (DMARC pass), a third a list's
 * copy whose footer broke the signature, ARC-sealed (i=1) by a trusted sealer (DMARC fail, ARC
 * override), a third the same sealed by a sealer not trusted ({@code p=reject}: refused). The setup
 * checks that each kind gets its DMARC symbol. Both with the SpamAssassin rules and without them
 * ({@link #rules}).
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar auth.AuthBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.log.dev.mailfilter.verdict=warn")
@State(Scope.Benchmark)
public class AuthBenchmark {
  private static final int PER_KIND = 10;

  /**
   * {@code debian}: the SpamAssassin rules of Debian's package load as they do by default (they
   * dominate classify); {@code off}: {@code spamassassin.paths: []}, the core's own checks only.
   */
  @Param({"debian", "off"})
  public String rules;

  private Path dir;
  private NamedServer named;
  private MailFilter plain;
  private MailFilter auth;
  private byte[][] messages;
  private Envelope[] envelopes;
  private int next;

  /** Starts named, makes the messages and both filters, and warms the resolvers' caches. */
  @Setup(Level.Trial)
  public void setUp() throws IOException, GeneralSecurityException {
    dir = Files.createTempDirectory("mailfilter-auth-bench");
    ForwardedThroughAList fixture = ForwardedThroughAList.generate();
    // TTL 3600: the resolvers' caches stay warm through the measurement.
    named = NamedServer.start(dir, Map.of(".", fixture.zone(3600, "198.51.100.7")), List.of());
    String rulesYaml = rules.equals("off") ? "spamassassin: {paths: []}\n" : "";
    plain =
        MailFilter.builder()
            .config(
                rulesYaml.isEmpty()
                    ? FilterConfig.defaults()
                    : FilterConfig.builder().yaml(rulesYaml).build())
            .build();
    auth =
        MailFilter.builder()
            .config(
                FilterConfig.builder()
                    .yaml(
                        """
                        dns:
                          servers: ["127.0.0.1:%d"]
                          deadline: 2s
                          retries: 0
                        checks:
                          spf: {enabled: true}
                          dkim: {enabled: true}
                          arc: {enabled: true}
                          dmarc: {enabled: true, trusted_arc_sealers: [lists.example.org]}
                        """
                                .formatted(named.address().getPort())
                            + rulesYaml)
                    .build())
            .build();
    InetAddress origin = InetAddress.getByName("192.0.2.9");
    InetAddress list = InetAddress.getByName("198.51.100.7");
    List<byte[]> m = new ArrayList<>();
    List<Envelope> e = new ArrayList<>();
    for (int i = 0; i < PER_KIND; i++) {
      byte[] signed = fixture.signed(original(i));
      m.add(signed);
      e.add(envelope(origin, "mail.news.example", "ceo@news.example"));
      for (String sealer :
          List.of(ForwardedThroughAList.TRUSTED, ForwardedThroughAList.UNTRUSTED)) {
        m.add(
            fixture.forwarded(
                signed,
                sealer,
                "dkim=pass header.d=news.example header.s=sel; dmarc=pass header.from=news.example"));
        e.add(envelope(list, "mx.lists.example.org", "staff-bounces@lists.example.org"));
      }
    }
    messages = m.toArray(new byte[0][]);
    envelopes = e.toArray(new Envelope[0]);
    List<String> expected =
        List.of("DMARC_POLICY_ALLOW", "DMARC_ARC_OVERRIDE", "DMARC_POLICY_REJECT");
    for (int i = 0; i < messages.length; i++) {
      Verdict v = auth.classify(messages[i], envelopes[i]);
      String want = expected.get(i % 3);
      if (!v.has(want)) {
        throw new IllegalStateException("message " + i + ": no " + want + " in " + v.symbols());
      }
      plain.classify(messages[i], envelopes[i]);
    }
  }

  private static Envelope envelope(InetAddress client, String helo, String sender) {
    return Envelope.of(client, helo, sender, List.of("user@example.com"));
  }

  private static String original(int i) {
    return ("From: The CEO <ceo@news.example>\r\n"
            + "To: staff@lists.example.org\r\n"
            + "Subject: the plan, part %d\r\n"
            + "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
            + "Message-ID: <plan-%d@news.example>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "\r\n"
            + "%s")
        .formatted(i, i, "The plan is on. We meet at ten in the usual room.\r\n".repeat(20));
  }

  /** Stops named and deletes its files. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    plain.close();
    auth.close();
    named.close();
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Collections.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private int index() {
    int i = next;
    next = (i + 1) % messages.length;
    return i;
  }

  /** The built-in configuration. */
  @Benchmark
  public Verdict classify() {
    int i = index();
    return plain.classify(messages[i], envelopes[i]);
  }

  /** The built-in configuration with SPF, DKIM, ARC and DMARC on. */
  @Benchmark
  public Verdict classifyWithAuth() {
    int i = index();
    return auth.classify(messages[i], envelopes[i]);
  }
}
