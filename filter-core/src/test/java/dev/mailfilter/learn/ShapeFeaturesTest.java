package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShapeFeaturesTest {
  private static final String MESSAGE =
      """
      Received: from relay.example.net (relay.example.net [192.0.2.7]) by mx.example.com\
       (Postfix) with ESMTP id 4B2C1 for <bob@example.com>; Tue, 1 Oct 2002 10:00:00 +0000
      Received: from [10.0.0.5] (helo=pc) by relay.example.net with smtp; 1 Oct 2002 09:59:00 -0000
      From: "BEST DEALS" <promo@shop.example.co.uk>
      To: undisclosed-recipients:;
      Return-Path: <bounce@bulk.example.info>
      Message-ID: <123.456@mail.shop.example.co.uk>
      Subject: deals
      X-Mailer: Microsoft Outlook Express 6.00.2600.0000
      MIME-Version: 1.0
      Content-Type: multipart/mixed; boundary="outer"

      --outer
      Content-Type: multipart/alternative; boundary="inner"

      --inner
      Content-Type: text/plain; charset="Windows-1252"
      Content-Transfer-Encoding: quoted-printable

      Go to http://bit.ly/x9 or http://203.0.113.9/buy.php?id=3D12 now
      --inner
      Content-Type: text/html; charset=iso-8859-1
      Content-Transfer-Encoding: base64

      PGEgaHJlZj0iaHR0cHM6Ly93d3cuc2hvcC5leGFtcGxlLmNvLnVrL3I/dXJsPWh0dHAlM0EvL2V2aWwuZXhh\
      bXBsZS5iaXoiPmNsaWNrPC9hPg==
      --inner--
      --outer
      Content-Type: application/octet-stream; name="invoice.PDF.exe"
      Content-Disposition: attachment; filename="invoice.PDF.exe"
      Content-Transfer-Encoding: base64

      TVqQAAMAAAAEAAAA
      --outer--
      """
          .replace("\n", "\r\n");

  private static Document doc() {
    return Document.fromMessage(MESSAGE.getBytes(StandardCharsets.UTF_8));
  }

  private static List<Long> features(Document doc, ShapeFeatures.Zone zone) {
    List<Long> out = new ArrayList<>();
    ShapeFeatures.of(doc, out::add, EnumSet.of(zone));
    return out;
  }

  private static long token(String zone, String token) {
    return Features.hash(Features.seed("shape:" + zone), token);
  }

  @Test
  void mimeShapeNamesTheTreeCharsetsEncodingsAndAttachmentKinds() {
    Document doc = doc();
    assertThat(doc.mime())
        .contains(
            "tree:multipart/mixed(multipart/alternative(text/plain,text/html),"
                + "application/octet-stream)",
            "charset:windows-1252",
            "charset:iso-8859-1",
            "cte:text:quoted-printable",
            "cte:text:base64",
            "cte:application:base64",
            "attach-type:application/octet-stream",
            "attach:exe",
            "attachments:1");
    assertThat(features(doc, ShapeFeatures.Zone.MIME))
        .contains(token("mime", "attach:exe"), token("mime", "charset:windows-1252"));
    assertThat(MessageText.extension("a.tar.GZ")).isEqualTo("gz");
    assertThat(MessageText.extension("noext")).isEqualTo("no-ext");
    assertThat(MessageText.extension("x.p$f")).isEqualTo("odd-ext");
  }

  @Test
  void headerZoneHasTheOrderOfFieldNames() {
    List<Long> f = features(doc(), ShapeFeatures.Zone.HEADER);
    assertThat(f)
        .contains(
            token("header", "^>received"),
            token("header", "received>from"),
            token("header", "x-mailer>mime-version"),
            token("header", "content-type>$"));
    // A run of Received fields is one step, not received>received.
    assertThat(f).doesNotContain(token("header", "received>received"));
  }

  @Test
  void receivedZoneHasRelayShapesWithoutHostsOrDates() {
    assertThat(
            ShapeFeatures.receivedShape(
                "from relay.example.net (relay.example.net [192.0.2.7]) by mx.example.com"
                    + " (Postfix) with ESMTP id 4B2C1 for <bob@example.com>; Tue, 1 Oct 2002"))
        .isEqualTo("from host ( host [ip] ) by host ( x ) with esmtp id x for addr");
    assertThat(features(doc(), ShapeFeatures.Zone.RECEIVED))
        .contains(
            token("received", "count:2"),
            token("received", "oldest:from [ip] ( x ) by host with smtp"));
  }

  @Test
  void mailerZoneHasTheProductWithoutItsVersion() {
    assertThat(ShapeFeatures.mailerFamily("Microsoft Outlook Express 6.00.2600.0000"))
        .isEqualTo("microsoft outlook express");
    assertThat(ShapeFeatures.mailerFamily("Mozilla/5.0 (X11; U; Linux)")).isEqualTo("mozilla");
    assertThat(ShapeFeatures.mailerFamily("12345")).isEqualTo("other");
    assertThat(features(doc(), ShapeFeatures.Zone.MAILER))
        .containsExactly(token("mailer", "x-mailer:microsoft outlook express"));
  }

  @Test
  void urlZoneHasRegistrableDomainsPathShapesRedirectorsAndAddressHosts() {
    assertThat(ShapeFeatures.registrableDomain("www.shop.example.co.uk"))
        .isEqualTo("example.co.uk");
    assertThat(ShapeFeatures.registrableDomain("a.b.example.com")).isEqualTo("example.com");
    assertThat(ShapeFeatures.registrableDomain("co.uk")).isEqualTo("co.uk");
    assertThat(ShapeFeatures.registrableDomain("not a host")).isEqualTo("not a host");
    assertThat(ShapeFeatures.pathShape("/buy.php?id=12")).isEqualTo("/a.a?a=9");
    List<Long> f = features(doc(), ShapeFeatures.Zone.URL);
    assertThat(f)
        .contains(
            token("url", "domain:bit.ly"),
            token("url", "shortener"),
            token("url", "ip-host"),
            token("url", "path:/a.a?a=9"),
            token("url", "domain:example.co.uk"),
            token("url", "suffix:co.uk"),
            token("url", "scheme:https"),
            token("url", "redirect"),
            token("url", "domains:2")); // bit.ly, the address, example.co.uk: 3 is bucket 2
  }

  @Test
  void senderZoneHasAlignmentAndNameShapes() {
    List<Long> f = features(doc(), ShapeFeatures.Zone.SENDER);
    assertThat(f)
        .contains(
            token("sender", "return-path:other"),
            token("sender", "message-id:same-org"),
            token("sender", "reply-to:none"),
            token("sender", "name:upper-quoted"),
            token("sender", "from-suffix:co.uk"),
            token("sender", "local:a"),
            token("sender", "to:undisclosed"));
    assertThat(ShapeFeatures.displayNameShape("bob@x.org", "bob", "x.org")).isEqualTo("none");
    assertThat(ShapeFeatures.displayNameShape("\"a@b.c\" <bob@x.org>", "bob", "x.org"))
        .isEqualTo("address");
    assertThat(ShapeFeatures.displayNameShape("X.org news <bob@x.org>", "bob", "x.org"))
        .isEqualTo("domain");
    assertThat(ShapeFeatures.displayNameShape("Bob Smith 2 <bob@x.org>", "bob", "x.org"))
        .isEqualTo("words-3-digits");
    assertThat(ShapeFeatures.address("Bob <Bob@X.org>")).isEqualTo("bob@x.org");
  }

  @Test
  void zonesNeverShareAFeatureWithWordsOrWithEachOther() {
    Document doc = doc();
    Set<Long> legacy = new java.util.HashSet<>();
    for (long f : Features.of(doc)) {
      legacy.add(f);
    }
    Set<Long> seen = new java.util.HashSet<>();
    for (ShapeFeatures.Zone z : ShapeFeatures.Zone.values()) {
      for (long f : features(doc, z)) {
        assertThat(legacy).as("zone %s", z).doesNotContain(f);
        seen.add(f);
      }
    }
    // The same token in two zones hashes apart.
    assertThat(token("url", "none")).isNotEqualTo(token("mailer", "none"));
    assertThat(seen).isNotEmpty();
  }

  @Test
  void featureSetTwoIsSetOneFollowedByTheMimeShape() {
    Document doc = doc();
    long[] one = Features.of(doc, Features.LEGACY_SET);
    long[] two = Features.of(doc, Features.CURRENT_SET);
    assertThat(one).containsExactly(Features.of(doc));
    assertThat(java.util.Arrays.copyOf(two, one.length)).containsExactly(one);
    List<Long> rest = new ArrayList<>();
    for (int i = one.length; i < two.length; i++) {
      rest.add(two[i]);
    }
    assertThat(rest).containsExactlyElementsOf(features(doc, ShapeFeatures.Zone.MIME));
  }
}
