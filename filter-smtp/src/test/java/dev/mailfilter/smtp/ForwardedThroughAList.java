package dev.mailfilter.smtp;

import dev.mailfilter.auth.ArcResult;
import dev.mailfilter.auth.ArcSealer;
import dev.mailfilter.auth.DkimAlgorithm;
import dev.mailfilter.auth.DkimSigner;
import dev.mailfilter.auth.SigningKey;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.testkit.NamedServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Issue 14's forwarding case for the server tests: a message from {@code ceo@news.example} ({@code
 * p=reject}) signed by news.example, forwarded by a mailing list that added a footer (so the
 * signature breaks) and sealed it (i=1) with what it saw, DKIM and DMARC pass. Every key is made
 * here and published by a real BIND named on loopback, with SPF for the list's address (127.0.0.1,
 * where the test client connects from) and the gateway's own sealing key ({@code gw._domainkey
 * .gw.example}, its private key in {@link #gatewayKey}).
 */
final class ForwardedThroughAList implements AutoCloseable {
  /** The sealer the configuration trusts. */
  static final String TRUSTED = "lists.example.org";

  /** A sealer it does not. */
  static final String UNTRUSTED = "other.example";

  final NamedServer named;
  final Path gatewayKey;
  private final KeyPair key;

  private ForwardedThroughAList(NamedServer named, Path gatewayKey, KeyPair key) {
    this.named = named;
    this.gatewayKey = gatewayKey;
    this.key = key;
  }

  static ForwardedThroughAList start(Path dir) throws IOException, GeneralSecurityException {
    // One Ed25519 pair for every signer: the test is about who sealed, not whose key it is.
    Files.createDirectories(dir);
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] spki = pair.getPublic().getEncoded();
    String raw = Base64.getEncoder().encodeToString(Arrays.copyOfRange(spki, 12, 44));
    String zone =
        """
        $TTL 0
        @ IN SOA ns. host. 1 3600 600 86400 0
        @ IN NS ns.
        ns. IN A 127.0.0.1
        news.example. IN A 192.0.2.9
        news.example. IN TXT "v=spf1 ip4:192.0.2.9 -all"
        _dmarc.news.example. IN TXT "v=DMARC1; p=reject"
        sel._domainkey.news.example. IN TXT "v=DKIM1; k=ed25519; p=%1$s"
        lists.example.org. IN TXT "v=spf1 ip4:127.0.0.1 -all"
        arc._domainkey.lists.example.org. IN TXT "v=DKIM1; k=ed25519; p=%1$s"
        other.example. IN TXT "v=spf1 ip4:127.0.0.1 -all"
        arc._domainkey.other.example. IN TXT "v=DKIM1; k=ed25519; p=%1$s"
        gw._domainkey.gw.example. IN TXT "v=DKIM1; k=ed25519; p=%1$s"
        """
            .formatted(raw);
    NamedServer named = NamedServer.start(dir, Map.of(".", zone), List.of());
    Path pem = dir.resolve("gateway.pem");
    Files.writeString(
        pem,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n",
        StandardCharsets.US_ASCII);
    return new ForwardedThroughAList(named, pem, pair);
  }

  int dnsPort() {
    return named.address().getPort();
  }

  /** The list's copy, sealed by {@code sealer} (its key at {@code arc._domainkey.<sealer>}). */
  byte[] message(String sealer) {
    String original =
        "From: The CEO <ceo@news.example>\r\n"
            + "To: staff@lists.example.org\r\n"
            + "Subject: the plan\r\n"
            + "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
            + "Message-ID: <plan-1@news.example>\r\n"
            + "\r\n"
            + "The plan is on.\r\n";
    MessageParser parser = MessageParser.create();
    SigningKey signing = new SigningKey(DkimAlgorithm.ED25519_SHA256, key.getPrivate(), "test");
    String signature =
        DkimSigner.create("news.example", "sel", signing, List.of("from", "to", "subject", "date"))
            .sign(parser.parse(original.getBytes(StandardCharsets.US_ASCII)), Instant.now());
    // The list adds its footer: the body hash no longer matches.
    String forwarded =
        "DKIM-Signature: " + signature + "\r\n" + original + "-- \r\nstaff mailing list\r\n";
    ParsedMessage m = parser.parse(forwarded.getBytes(StandardCharsets.US_ASCII));
    ArcSealer.ArcFields set =
        ArcSealer.create(sealer, "arc", signing, List.of("from", "to", "subject", "date"))
            .seal(
                m,
                new ArcResult(ArcResult.Cv.NONE, ArcResult.Failure.NONE, "none", List.of(), 0),
                sealer
                    + "; spf=pass smtp.mailfrom=ceo@news.example;"
                    + " dkim=pass header.d=news.example header.s=sel;"
                    + " dmarc=pass header.from=news.example",
                Instant.now())
            .orElseThrow();
    StringBuilder top = new StringBuilder();
    for (Map.Entry<String, String> f : set.fields()) {
      top.append(f.getKey()).append(": ").append(f.getValue()).append("\r\n");
    }
    return (top + forwarded).getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    named.close();
  }
}
