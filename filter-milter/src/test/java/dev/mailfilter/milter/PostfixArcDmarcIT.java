package dev.mailfilter.milter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.auth.AuthResults;
import dev.mailfilter.auth.MethodResult;
import dev.mailfilter.testfixtures.ForwardedThroughAList;
import dev.mailfilter.testkit.NamedServer;
import dev.mailfilter.testkit.PostfixInstance;
import dev.mailfilter.testkit.SmtpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 through the milter behind a real Postfix, keys and policies served by a real BIND named:
 * a list's copy of a {@code p=reject} message whose DKIM signature its footer broke passes DMARC by
 * the ARC set of a trusted sealer (delivered, {@code DMARC_ARC_OVERRIDE}, our {@code
 * Authentication-Results} says so), and the same copy sealed by a sealer not trusted is refused
 * with {@code 550 5.7.1}.
 */
@Timeout(120)
class PostfixArcDmarcIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static FilterConfig config(NamedServer named) {
    return FilterConfig.builder()
        .yaml(
            """
            dns:
              servers: ["127.0.0.1:%d"]
              deadline: 2s
              retries: 0
            headers:
              on_ham: true
            checks:
              spf: {enabled: true}
              dkim: {enabled: true}
              arc: {enabled: true}
              dmarc:
                enabled: true
                trusted_arc_sealers: [%s]
              authentication_results: {enabled: true, authserv_id: mx.test.local}
            """
                .formatted(named.address().getPort(), ForwardedThroughAList.TRUSTED))
        .build();
  }

  private record Sent(SmtpClient.Reply end, PostfixInstance postfix) {}

  @Test
  void aListCopySealedByATrustedSealerIsDeliveredAndAnUntrustedOneIsRefused(@TempDir Path dir)
      throws Exception {
    ForwardedThroughAList fixture = ForwardedThroughAList.generate();
    try (NamedServer named =
            NamedServer.start(
                Files.createDirectories(dir.resolve("dns")),
                Map.of(".", fixture.zone(0, "127.0.0.1")),
                List.of());
        MailFilter filter = MailFilter.builder().config(config(named)).build();
        MilterServer server = PostfixMilter.start(filter);
        PostfixInstance postfix = PostfixMilter.postfixFor(server).start(dir.resolve("postfix"))) {
      SmtpClient.Reply trusted = send(postfix, fixture.message(ForwardedThroughAList.TRUSTED));
      assertThat(trusted.code()).as(postfix.log()).isEqualTo(250);
      String delivered =
          Files.readString(postfix.awaitDelivered(1, WAIT).getFirst(), StandardCharsets.UTF_8);
      List<String> fields = PostfixMilter.unfoldedHeader(delivered);
      String ours =
          fields.stream()
              .filter(f -> f.startsWith("Authentication-Results: mx.test.local;"))
              .findFirst()
              .orElseThrow(() -> new AssertionError(delivered));
      AuthResults ar = AuthResults.parse(ours.substring(ours.indexOf(':') + 1));
      assertThat(method(ar, "dkim").result()).as(ours).isEqualTo("fail");
      assertThat(method(ar, "arc").result()).as(ours).isEqualTo("pass");
      MethodResult dmarc = method(ar, "dmarc");
      assertThat(dmarc.result()).as(ours).isEqualTo("fail");
      assertThat(dmarc.comment()).as(ours).hasValue("ARC override by lists.example.org");
      assertThat(dmarc.property("header", "from")).contains("news.example");
      assertThat(dmarc.property("policy", "dmarc")).contains("reject");
      assertThat(dmarc.property("policy", "applied-disposition")).contains("none");
      assertThat(fields)
          .as(delivered)
          .anyMatch(f -> f.startsWith("X-Spam-Status:") && f.contains("DMARC_ARC_OVERRIDE"));

      SmtpClient.Reply untrusted = send(postfix, fixture.message(ForwardedThroughAList.UNTRUSTED));
      assertThat(untrusted.code()).as(postfix.log()).isEqualTo(550);
      assertThat(untrusted.text()).contains("5.7.1").contains("news.example").contains("DMARC");
      assertThat(postfix.delivered()).hasSize(1);
    }
  }

  private static SmtpClient.Reply send(PostfixInstance postfix, byte[] message) throws Exception {
    try (SmtpClient smtp = SmtpClient.connect(postfix.smtpPort(), WAIT)) {
      assertThat(smtp.send("EHLO mx.lists.example.org").code()).isEqualTo(250);
      assertThat(smtp.send("MAIL FROM:<staff-bounces@lists.example.org>").code()).isEqualTo(250);
      assertThat(smtp.send("RCPT TO:<b@example.test>").code()).isEqualTo(250);
      return smtp.data(message);
    }
  }

  private static MethodResult method(AuthResults ar, String name) {
    return ar.results().stream()
        .filter(m -> m.method().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing in " + ar));
  }
}
