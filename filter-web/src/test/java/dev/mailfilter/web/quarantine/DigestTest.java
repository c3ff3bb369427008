package dev.mailfilter.web.quarantine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cluster.Brand;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.MimePart;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.smtp.Outbound;
import dev.mailfilter.smtp.Quarantine;
import dev.mailfilter.smtp.QuarantineEntry;
import dev.mailfilter.smtp.RelaySettings;
import dev.mailfilter.testkit.Processes;
import dev.mailfilter.testkit.SmtpSink;
import dev.mailfilter.web.quarantine.DigestTokens.Action;
import dev.mailfilter.web.quarantine.DigestTokens.Outcome;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The digest over a quarantine a real gateway filled, sent through the relay leg to Postfix's
 * smtp-sink: one mail per recipient, in the brand, with working links, and only what is new.
 */
class DigestTest {
  private static final Pattern LINK =
      Pattern.compile("https://web\\.example/quarantine/link\\?t=(\\S+)");

  @TempDir Path dir;
  private SmtpSink sink;
  private HoldingGateway gateway;
  private int closedPort;
  private DigestTokens tokens;
  private final Brand acme =
      new Brand(
          "Acme Mail Shield",
          "help@acme.example",
          Optional.empty(),
          Map.of("primary", "#aa3300"),
          List.of());

  @BeforeEach
  void start() throws IOException {
    // smtp-sink run as root works as nobody, who must reach its dump directory inside ours.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    sink = SmtpSink.start(dir.resolve("sink"), 10);
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    gateway =
        HoldingGateway.start(
            dir.resolve("q"), Map.of("held.example", sink.port(), "down.example", closedPort));
    tokens =
        DigestTokens.create(
            DigestKey.loadOrCreate(dir.resolve("digest.key")),
            UsedTokens.directory(dir.resolve("used"), Clock.systemUTC()),
            Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    gateway.close();
    sink.close();
  }

  private Digest digest(Quarantine q, Outbound out) {
    return Digest.create(
        q,
        tokens,
        out,
        e -> acme,
        new Digest.Settings(
            "quarantine@gw.example",
            URI.create("https://web.example/"),
            Duration.ofDays(3),
            dir.resolve("digest.state")),
        Clock.systemUTC());
  }

  private List<ParsedMessage> digests() throws IOException {
    List<ParsedMessage> out = new ArrayList<>();
    for (Path p : sink.dumps()) {
      // smtp-sink writes its dumps with LF line ends.
      String dump = Files.readString(p, UTF_8).replace("\r\n", "\n").replace("\n", "\r\n");
      out.add(MessageParser.create().parse(dump.getBytes(UTF_8)));
    }
    return out;
  }

  private static String part(ParsedMessage m, String type) {
    return m.leaves().stream()
        .filter(p -> p.mediaType().equals(type))
        .findFirst()
        .map(MimePart::text)
        .orElseThrow(
            () ->
                new AssertionError(
                    "no " + type + " in " + new String(m.bytes().toByteArray(), UTF_8)));
  }

  @Test
  void eachRecipientGetsOneBrandedDigestOfWhatIsNewWithLinksForThem() throws Exception {
    gateway.hold(
        "spammer@bad.example",
        List.of("bob@held.example", "carol@held.example"),
        "From: Spammer <spammer@bad.example>\r\nSubject: <script>alert(1)</script> cheap",
        "buy");
    gateway.hold("other@bad.example", List.of("bob@held.example"), "Subject: second", "more");
    Quarantine q = gateway.open();
    try (Outbound out = Outbound.open("gw.example", RelaySettings.defaults(), List.of())) {
      Digest.Result r = digest(q, out).run();
      assertThat(r.mailed()).as(r.toString()).isEqualTo(2);
      assertThat(r.listed()).isEqualTo(3);
      assertThat(r.failed()).isEmpty();
    }
    assertThat(Processes.await(Duration.ofSeconds(10), () -> sink.dumps().size() == 2)).isTrue();
    ParsedMessage bobs =
        digests().stream()
            .filter(m -> m.headers().firstValue("To").orElse("").contains("bob@"))
            .findFirst()
            .orElseThrow();
    assertThat(bobs.subject()).contains("Acme Mail Shield: 2 new messages held for you");
    assertThat(bobs.headers().firstValue("Reply-To")).contains("<help@acme.example>");
    assertThat(bobs.headers().firstValue("Auto-Submitted")).contains("auto-generated");
    String text = part(bobs, "text/plain");
    String html = part(bobs, "text/html");
    assertThat(text).contains("Subject: <script>alert(1)</script> cheap", "Subject: second");
    // In HTML the stored script is text, and the brand's colour is used.
    assertThat(html)
        .contains("&lt;script&gt;alert(1)&lt;/script&gt; cheap", "#aa3300", "Acme Mail Shield")
        .doesNotContain("<script>");
    // Four links (release and block for two messages), each for bob and its own entry.
    Matcher m = LINK.matcher(text);
    List<DigestTokens.Claim> claims = new ArrayList<>();
    while (m.find()) {
      Outcome o = tokens.check(URLDecoder.decode(m.group(1), UTF_8));
      assertThat(o).isInstanceOf(Outcome.Accepted.class);
      claims.add(((Outcome.Accepted) o).claim());
    }
    assertThat(claims).hasSize(4);
    assertThat(claims).allMatch(c -> c.recipient().equals("bob@held.example"));
    assertThat(claims.stream().map(DigestTokens.Claim::action))
        .containsExactly(Action.RELEASE, Action.BLOCK_SENDER, Action.RELEASE, Action.BLOCK_SENDER);
    List<String> held =
        q.list(e -> true, Optional.empty(), 10).entries().stream()
            .map(QuarantineEntry::id)
            .toList();
    assertThat(claims.stream().map(DigestTokens.Claim::entryId).distinct())
        .containsExactlyElementsOf(held);

    // The next run has nothing new; a new hold is the only thing in the one after.
    try (Outbound out = Outbound.open("gw.example", RelaySettings.defaults(), List.of())) {
      assertThat(digest(q, out).run().mailed()).isZero();
      gateway.hold("third@bad.example", List.of("carol@held.example"), "Subject: third", "x");
      Digest.Result r = digest(q, out).run();
      assertThat(r.mailed()).isEqualTo(1);
      assertThat(r.listed()).isEqualTo(1);
    }
    assertThat(Processes.await(Duration.ofSeconds(10), () -> sink.dumps().size() == 3)).isTrue();
  }

  @Test
  void aRecipientWhoseRouteRefusedGetsItsDigestNextTime() throws Exception {
    gateway.hold("a@bad.example", List.of("dan@down.example"), "Subject: for dan", "x");
    Quarantine q = gateway.open();
    try (Outbound out = Outbound.open("gw.example", RelaySettings.defaults(), List.of())) {
      Digest.Result r = digest(q, out).run();
      assertThat(r.mailed()).isZero();
      assertThat(r.failed()).containsOnlyKeys("dan@down.example");
      gateway.hold("b@bad.example", List.of("bob@held.example"), "Subject: for bob", "x");
      Digest.Result again = digest(q, out).run();
      assertThat(again.mailed()).isEqualTo(1); // bob's
      assertThat(again.failed()).containsOnlyKeys("dan@down.example"); // tried again
    }
    assertThat(Files.readString(dir.resolve("digest.state"))).contains("pending.dan@down.example");
  }
}
