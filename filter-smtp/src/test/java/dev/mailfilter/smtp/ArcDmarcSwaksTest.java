package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.auth.ArcResult;
import dev.mailfilter.auth.ArcVerifier;
import dev.mailfilter.auth.AuthResults;
import dev.mailfilter.auth.DkimKeyLookup;
import dev.mailfilter.auth.MethodResult;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.dns.DnsResolver;
import dev.mailfilter.dns.DnsSettings;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.testfixtures.ForwardedThroughAList;
import dev.mailfilter.testkit.DebianPackage;
import dev.mailfilter.testkit.NamedServer;
import dev.mailfilter.testkit.Swaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 through the gateway with a real client ({@code swaks}), keys and policies served by a
 * real BIND named: a list's copy of a {@code p=reject} message whose DKIM signature its footer
 * broke passes DMARC by the ARC set of a trusted sealer and is relayed with our {@code
 * Authentication-Results} and our own ARC set (i=2), which validates; the same copy sealed by a
 * sealer not trusted is refused with {@code 550 5.7.1} and not relayed.
 */
class ArcDmarcSwaksTest {
  @TempDir Path dir;

  private static String config(NamedServer named, Path gatewayKey, int downstream) {
    return """
        domains:
          ours.example:
            route: {host: 127.0.0.1, port: %d, tls: none}
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 2s
          retries: 0
        headers:
          on_ham: true
        checks:
          spf: {enabled: true}
          dkim: {enabled: true}
          arc:
            enabled: true
            seal: {domain: gw.example, selector: gw, key: "%s", authserv_id: gw.test}
          dmarc:
            enabled: true
            trusted_arc_sealers: [%s]
          authentication_results: {enabled: true, authserv_id: gw.test}
        """
        .formatted(
            downstream, named.address().getPort(), gatewayKey, ForwardedThroughAList.TRUSTED);
  }

  private record Run(int status, String output) {}

  private static Run swaks(SmtpServer server, Path message) throws Exception {
    Process p =
        new ProcessBuilder(
                Swaks.BINARY.toString(),
                "--server",
                "127.0.0.1:" + server.localAddress().getPort(),
                "--ehlo",
                "mx.lists.example.org",
                "--from",
                "staff-bounces@lists.example.org",
                "--to",
                "bob@ours.example",
                "--data",
                message.toString())
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("swaks finished").isTrue();
    return new Run(p.exitValue(), new String(out, UTF_8));
  }

  @Test
  void aListCopySealedByATrustedSealerIsRelayedSealedAgainAndAnUntrustedOneIsRefused()
      throws Exception {
    DebianPackage.require(Swaks.BINARY, "swaks");
    ForwardedThroughAList fixture = ForwardedThroughAList.generate();
    Path gatewayKey = Files.writeString(dir.resolve("gateway.pem"), fixture.privateKeyPem());
    try (NamedServer named =
            NamedServer.start(
                Files.createDirectories(dir.resolve("dns")),
                Map.of(".", fixture.zone(0, "127.0.0.1")),
                List.of());
        Downstream downstream = new Downstream()) {
      FilterConfig config =
          FilterConfig.builder().yaml(config(named, gatewayKey, downstream.port())).build();
      try (MailFilter filter = MailFilter.builder().config(config).build();
          SmtpServer server = SmtpServerTest.server(filter, b -> {})) {
        Path trusted = dir.resolve("trusted.eml");
        Files.write(trusted, fixture.message(ForwardedThroughAList.TRUSTED));
        Run ok = swaks(server, trusted);
        assertThat(ok.status()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("<-  250 ");
        assertThat(downstream.messages).hasSize(1);
        byte[] relayed = downstream.messages.getFirst().content();
        ParsedMessage m = MessageParser.create().parse(relayed);

        String ours =
            m.headers().all(AuthResults.FIELD).stream()
                .map(HeaderField::value)
                .filter(v -> AuthResults.parse(v).claims("gw.test"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(new String(relayed, UTF_8)));
        AuthResults ar = AuthResults.parse(ours);
        assertThat(method(ar, "dkim").result()).as(ours).isEqualTo("fail");
        assertThat(method(ar, "arc").result()).as(ours).isEqualTo("pass");
        MethodResult dmarc = method(ar, "dmarc");
        assertThat(dmarc.result()).as(ours).isEqualTo("fail");
        assertThat(dmarc.comment()).as(ours).hasValue("ARC override by lists.example.org");
        assertThat(dmarc.property("policy", "applied-disposition")).contains("none");
        assertThat(m.headers().all("X-Spam-Status").getFirst().value())
            .contains("DMARC_ARC_OVERRIDE");

        // Our set, i=2, validates for the next hop, and its AAR carries the same DMARC result.
        DnsSettings dns = config.section(DnsSettings.SECTION);
        ArcResult chain =
            ArcVerifier.create(DkimKeyLookup.dns(DnsResolver.create(dns)))
                .verify(m, Deadline.after(Duration.ofSeconds(5)));
        assertThat(chain.cv()).as(chain.reason()).isEqualTo(ArcResult.Cv.PASS);
        assertThat(chain.instances()).hasSize(2);
        ArcResult.ArcInstance newest = chain.newest().orElseThrow();
        assertThat(newest.instance()).isEqualTo(2);
        assertThat(newest.sealerDomain()).isEqualTo("gw.example");
        assertThat(newest.sealCv()).isEqualTo(ArcResult.Cv.PASS);
        AuthResults aar = AuthResults.parse(newest.authResults());
        assertThat(aar.authservId()).isEqualTo("gw.test");
        assertThat(method(aar, "dmarc").comment()).hasValue("ARC override by lists.example.org");

        Path untrusted = dir.resolve("untrusted.eml");
        Files.write(untrusted, fixture.message(ForwardedThroughAList.UNTRUSTED));
        Run refused = swaks(server, untrusted);
        assertThat(refused.status()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains("<** 550 5.7.1").contains("news.example");
        assertThat(downstream.messages).hasSize(1);
      }
    }
  }

  private static MethodResult method(AuthResults ar, String name) {
    List<MethodResult> found = new ArrayList<>();
    for (MethodResult r : ar.results()) {
      if (r.method().equals(name)) {
        found.add(r);
      }
    }
    assertThat(found).as("%s in %s", name, ar).isNotEmpty();
    return found.getFirst();
  }
}
