package dev.mailfilter.sa;

import static dev.mailfilter.sa.SaFixtures.hits;
import static dev.mailfilter.sa.SaFixtures.message;
import static dev.mailfilter.sa.SaFixtures.rules;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rules run on crafted messages: the texts each kind of rule sees, and metas over their hits. */
class RuleEvaluationTest {
  @TempDir Path dir;

  private static final String PLAIN =
      """
      From: Bob Smith <bob@example.com>
      To: alice@example.org
      Cc: Carol <carol@example.net>
      Subject: =?utf-8?q?Caf=C3=A9_offer?=
      Date: Mon, 2 Sep 2002 10:00:00 +0000
      Received: from relay.example.com by mx.example.org; Mon, 2 Sep 2002 10:05:00 +0000
      Message-ID: <1@example.com>
      X-Mailer: Outlook Express

      First paragraph line one
      line two   with   spaces.

      Second paragraph: visit http://bit.ly/abc now.
      """;

  @Test
  void headerValuesAreDecodedUnlessRaw() {
    RuleSet r =
        rules(
            dir,
            """
            header DECODED  Subject =~ /^Caf\\xc3\\xa9 offer$/
            header RAW      Subject:raw =~ /=\\?utf-8\\?q\\?Caf=C3=A9/
            header NOT_RAW  Subject =~ /=\\?utf-8/
            header ADDR     From:addr =~ /^bob\\@example\\.com$/
            header NAME     From:name =~ /^Bob Smith$/
            header TOCC     ToCc =~ /carol\\@example\\.net/
            header ALL      ALL =~ /^X-Mailer: Outlook/m
            header NEG      X-Mailer !~ /Outlook/
            header NEG_MISS X-Nope !~ /x/
            header UNSET    X-Nope =~ /^dflt$/ [if-unset: dflt]
            header EXISTS   exists:X-Mailer
            header EXISTS2  exists:X-Nope
            header MSGID    MESSAGEID =~ /1\\@example/
            header ENVFROM  EnvelopeFrom =~ /^bounce\\@example\\.com$/
            """);
    assertThat(r.unsupported()).isEmpty();
    Map<String, Integer> h = r.run(message(PLAIN, "bounce@example.com"), Guard.none());
    assertThat(h.keySet())
        .containsExactlyInAnyOrder(
            "DECODED",
            "RAW",
            "ADDR",
            "NAME",
            "TOCC",
            "ALL",
            "NEG_MISS",
            "UNSET",
            "EXISTS",
            "MSGID",
            "ENVFROM");
  }

  @Test
  void bodyIsTheSubjectThenOneLinePerParagraphWithWhiteSpaceCollapsed() {
    SaMessage m = message(PLAIN);
    assertThat(m.body())
        .containsExactly(
            "Caf\u00c3\u00a9 offer\n",
            "First paragraph line one line two with spaces.\n",
            "Second paragraph: visit http://bit.ly/abc now. ");
    RuleSet r =
        rules(
            dir,
            """
            body JOINED    /line one line two with spaces/
            body SUBJECT   /^Caf/
            body NOSUBJ    /^Caf/
            tflags NOSUBJ  nosubject
            body ACROSS    /one\\nline/
            """);
    assertThat(r.run(m, Guard.none()).keySet()).containsExactlyInAnyOrder("JOINED", "SUBJECT");
  }

  @Test
  void htmlIsRenderedForBodyRulesAndKeptForRawbody() {
    String html =
        """
        From: a@example.com
        Subject: hi
        MIME-Version: 1.0
        Content-Type: text/html; charset=utf-8

        <html><body><p>Buy <b>cheap</b> pills</p><a href="http://spam.example/x">here</a></body></html>
        """;
    RuleSet r =
        rules(
            dir,
            """
            body    RENDERED /Buy cheap pills/
            body    TAGS     /<b>/
            rawbody RAWTAGS  /<b>cheap<\\/b>/
            uri     URI      /^http:\\/\\/spam\\.example\\//
            full    FULL     /^Content-Type: text\\/html/m
            """);
    assertThat(hits(r, html).keySet())
        .containsExactlyInAnyOrder("RENDERED", "RAWTAGS", "URI", "FULL");
  }

  @Test
  void multipleRulesCountHitsUpToMaxhitsAndMetasAddThem() {
    RuleSet r =
        rules(
            dir,
            """
            body   __WORD   /\\bspam\\b/
            tflags __WORD   multiple
            body   CAPPED   /\\bspam\\b/
            tflags CAPPED   multiple maxhits=2
            meta   MANY     __WORD > 3
            meta   FEW      __WORD > 9
            body   __A      /alpha/
            body   __B      /beta/
            meta   BOTH     __A && __B
            meta   EITHER_NOT_C  (__A || __B) && !__C
            body   __C      /gamma/
            """);
    Map<String, Integer> h = hits(r, "Subject: x\n\nspam spam spam\n\nspam and alpha and beta\n");
    assertThat(h).containsEntry("__WORD", 4).containsEntry("CAPPED", 2);
    assertThat(h).containsKeys("MANY", "BOTH", "EITHER_NOT_C").doesNotContainKeys("FEW", "__C");
  }

  @Test
  void nativeEvalsOnCraftedMessages() {
    RuleSet r =
        rules(
            dir,
            """
            header SHIFTED_LATE  eval:check_for_shifted_date('3', '6')
            header SHIFTED_NONE  eval:check_for_shifted_date('-3', '3')
            header CAPS          eval:subject_is_all_caps()
            header NO_TO         eval:check_for_missing_to_header()
            header TWO_SUBJECTS  eval:check_header_count_range('Subject', '2', '9')
            body   SHORT         eval:check_body_length('50')
            rawbody HAS_SCRIPT   eval:html_tag_exists('script')
            header ILLEGAL       eval:check_illegal_chars('Subject', '0.2', '2')
            """);
    assertThat(r.unsupported()).isEmpty();
    String late =
        """
        From: a@example.com
        Subject: MAKE MONEY FAST NOW
        Subject: AND MORE
        Date: Mon, 2 Sep 2002 14:00:00 +0000
        Received: from x by y; Mon, 2 Sep 2002 10:00:00 +0000

        short
        """;
    assertThat(hits(r, late).keySet())
        .containsExactlyInAnyOrder("SHIFTED_LATE", "CAPS", "NO_TO", "TWO_SUBJECTS", "SHORT");
    String html =
        "From: a@example.com\nTo: b@example.org\nSubject: Hello there, friend\n"
            + "Date: Mon, 2 Sep 2002 10:00:00 +0000\n"
            + "Received: from x by y; Mon, 2 Sep 2002 10:00:30 +0000\n"
            + "Content-Type: text/html\n\n<html><script>x()</script>"
            + "a".repeat(80)
            + "</html>\n";
    assertThat(hits(r, html).keySet()).containsExactlyInAnyOrder("SHIFTED_NONE", "HAS_SCRIPT");
  }

  @Test
  void mimeStructureEvals() {
    RuleSet r =
        rules(
            dir,
            """
            rawbody B64       eval:check_for_mime('mime_base64_count')
            rawbody QP        eval:check_for_mime('mime_qp_count')
            body    ATTACH    eval:check_for_mime('mime_attachment')
            rawbody B64_TEXT  eval:check_for_mime('mime_base64_encoded_text')
            body    BAD_ISO   eval:check_for_mime('mime_bad_iso_charset')
            rawbody HTML      eval:check_for_mime_html()
            rawbody HTML_ONLY eval:check_for_mime_html_only()
            body    FARAWAY   eval:check_for_mime('mime_faraway_charset')
            """);
    assertThat(SaFixtures.unsupported(r, "FARAWAY").orElseThrow()).contains("mime_faraway_charset");
    String mixed =
        """
        From: a@example.com
        Subject: s
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary=b

        --b
        Content-Type: text/plain; charset=us-ascii
        Content-Transfer-Encoding: base64

        aGVsbG8gd29ybGQ=
        --b
        Content-Type: text/html; charset=iso-2022-cn-ext
        Content-Transfer-Encoding: quoted-printable

        <p>caf=E9 =41</p>
        --b
        Content-Type: application/pdf
        Content-Disposition: attachment; filename=x.pdf
        Content-Transfer-Encoding: base64

        JVBERi0=
        --b--
        """;
    assertThat(hits(r, mixed).keySet())
        .containsExactlyInAnyOrder("B64", "QP", "ATTACH", "B64_TEXT", "BAD_ISO", "HTML");
    String htmlOnly = "From: a@example.com\nSubject: s\nContent-Type: text/html\n\n<p>hi</p>\n";
    assertThat(hits(r, htmlOnly).keySet()).containsExactlyInAnyOrder("HTML", "HTML_ONLY");
  }

  @Test
  void shiftedDateLeavesOutTheLocalAndFetchmailHopsAndReadsZonesAsSpamAssassin() {
    // spam/00021 of the shared corpus: SpamAssassin compares the Date with the relays before
    // the fetchmail pick-up (12 hours), not with the pick-up (9.6 hours).
    RuleSet r =
        rules(
            dir,
            """
            header FUTURE_06_12 eval:check_for_shifted_date('6', '12')
            header FUTURE_12_24 eval:check_for_shifted_date('12', '24')
            header PAST_03_06   eval:check_for_shifted_date('-6', '-3')
            """);
    String fetched =
        """
        Received: from localhost (localhost [127.0.0.1])
        \tby phobos.example (Postfix) with ESMTP id D843A4416F
        \tfor <z@localhost>; Fri, 23 Aug 2002 06:06:37 -0400 (EDT)
        Received: from phobos [127.0.0.1]
        \tby localhost with IMAP (fetchmail-5.9.0)
        \tfor z@localhost (single-drop); Fri, 23 Aug 2002 11:06:37 +0100 (IST)
        Received: from lugh.example (root@lugh.example [194.125.145.45]) by
            dogma.example (8.11.6/8.11.6) with ESMTP id g7N7fDZ14920 for
            <z@example.org>; Fri, 23 Aug 2002 08:41:13 +0100
        Date: Fri, 23 Aug 2002 20:41:55 +0100
        From: a@example.com
        Subject: s

        body
        """;
    assertThat(hits(r, fetched).keySet()).containsExactly("FUTURE_12_24");
    // An unknown zone name is UTC, a known one (EDT) its offset; Resent-Date comes first.
    String zones =
        """
        Received: from a.example by b.example; Mon, 2 Sep 2002 10:00:00 +0000
        Resent-Date: Mon, 2 Sep 2002 02:00:00 EDT
        Date: Mon, 2 Sep 2002 10:00:00 XYZ
        From: a@example.com
        Subject: s

        body
        """;
    assertThat(hits(r, zones).keySet()).containsExactly("PAST_03_06");
    assertThat(SaDates.parse("Mon Sep  2 10:00:00 2002"))
        .as("asctime loses its time of day in parse_rfc822_date")
        .hasValue(1030924800L);
    assertThat(SaDates.parse("2 Sep 99 10:00:00 -0100")).hasValue(936270000L);
    assertThat(SaDates.parse("no date here")).isEmpty();
  }

  @Test
  void uppercaseCountsTheSubjectLineAndSkipsCharsetsThatReadAsCapitals() {
    // spam/00397 (GB2312) hit UPPERCASE_50_75 here and not in SpamAssassin.
    RuleSet r = rules(dir, "body UPPER eval:check_for_uppercase('50', '100')\n");
    String caps = "SOME WORDS IN CAPITALS HERE ".repeat(10) + "\n";
    assertThat(hits(r, "Subject: s\n\n" + caps)).containsKey("UPPER");
    assertThat(hits(r, "Subject: s\nContent-Type: text/plain; charset=GB2312\n\n" + caps))
        .isEmpty();
    // 196 characters of body: only with the Subject line is the text long enough to count.
    String shortCaps = "ABCD EFG ".repeat(21) + "ABCD EF\n";
    assertThat(hits(r, "Subject: s\n\n" + shortCaps)).isEmpty();
    assertThat(hits(r, "Subject: LOUD SUBJECT\n\n" + shortCaps)).containsKey("UPPER");
  }

  @Test
  void anEndTagAloneMakesATagExist() {
    // spam/00473 has </html> and no <html>: HTML.pm's {inside}{html} exists.
    RuleSet r = rules(dir, "body HTML_TAG eval:html_tag_exists('html')\n");
    assertThat(hits(r, "Subject: s\nContent-Type: text/html\n\n<p>hello</p></html>\n"))
        .containsKey("HTML_TAG");
    assertThat(hits(r, "Subject: s\nContent-Type: text/html\n\n<p>hello</p><htmlx>\n")).isEmpty();
  }

  @Test
  void anEmptyToFieldIsNotAMissingOne() {
    // spam/00349 has "To: " with nothing after it; SpamAssassin's get('To') is then "\n".
    RuleSet r = rules(dir, "header MISSING_HEADERS eval:check_for_missing_to_header()\n");
    assertThat(hits(r, "From: x@example.com\nTo: \nSubject: s\n\nbody\n")).isEmpty();
    assertThat(hits(r, "From: x@example.com\nSubject: s\n\nbody\n")).containsKey("MISSING_HEADERS");
  }

  @Test
  void aFoldInAHeaderReadsAsOneSpace() {
    // Message::Node::header: spam/00037's Received "...;\n\tThu, 18 Jul" hits / Thu, /.
    RuleSet r = rules(dir, "header RCVD_THU Received =~ / Thu, /\nheader SUBJ Subject =~ /a b/\n");
    String m =
        "Received: from a.example by b.example id 1;\n\tThu, 18 Jul 2002 15:04:22 -0400\n"
            + "Subject: a\n  \t b\nFrom: x@example.com\n\nbody\n";
    assertThat(hits(r, m).keySet()).containsExactlyInAnyOrder("RCVD_THU", "SUBJ");
    // The same in ALL (spam/00069's __SUBJ_HAS_TO_2 reads "\tfor <...>" as " for <...>").
    RuleSet all = rules(dir, "header ALL_THU ALL =~ /\\nReceived: [^\\n]* Thu, /\n");
    assertThat(hits(all, "X: y\n" + m).keySet()).containsExactly("ALL_THU");
  }

  @Test
  void mimeQpCountHitsOnPrintableCharactersEncodedNeedlessly() {
    // MIMEEval counts the =XX escapes of printable ASCII in the quoted-printable leaves, less the
    // encoded spaces and tabs ending a line; check_for_mime answers 1 for any count, so
    // __PDS_QP_64 (count below 64) hits on 70.
    RuleSet r =
        rules(
            dir,
            """
            rawbody __QPC  eval:check_for_mime('mime_qp_count')
            meta    QP_64  (__QPC > 0) && (__QPC < 64)
            """);
    String head =
        "From: a@example.com\nSubject: s\nContent-Type: text/plain; charset=iso-8859-1\n"
            + "Content-Transfer-Encoding: quoted-printable\n\n";
    assertThat(hits(r, head + "caf=E9 au lait=\nsoft break=20=20\n")).isEmpty();
    assertThat(hits(r, head + "=41".repeat(70) + " caf=E9=20\n"))
        .containsEntry("__QPC", 1)
        .containsKey("QP_64");
  }

  @Test
  void aMetaPassesItsValueToTheMetasThatReadIt() {
    // got_hit records a meta's arithmetic value, not 1.
    RuleSet r =
        rules(
            dir,
            """
            header __A Subject =~ /a/
            header __B Subject =~ /b/
            meta   __SUM __A + __B
            meta   TWO   __SUM == 2
            """);
    assertThat(hits(r, "From: x@example.com\nSubject: a b\n\nbody\n"))
        .containsEntry("__SUM", 2)
        .containsKey("TWO");
  }

  @Test
  void illegalCharactersInARawHeader() {
    RuleSet r = rules(dir, "header ILLEGAL eval:check_illegal_chars('Subject', '0.2', '2')\n");
    byte[] raw =
        "From: a@example.com\r\nSubject: \u00e0\u00e1\u00e2x\r\n\r\nbody\r\n"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    SaMessage latin1 = SaMessage.of(dev.mailfilter.mime.MessageParser.create().parse(raw), "");
    assertThat(r.run(latin1, Guard.none())).containsKey("ILLEGAL");
    // The same letters as valid UTF-8 are not illegal.
    assertThat(hits(r, "From: a@example.com\nSubject: \u00e0\u00e1\u00e2x\n\nbody\n")).isEmpty();
  }

  @Test
  void replaceTagsRulesMatchObfuscatedWords() {
    RuleSet r =
        rules(
            dir,
            """
            replace_tag   V  (?:v|\\\\/)
            replace_tag   I  (?:i|1|l|!)
            replace_tag   A  (?:a|4|@)
            replace_inter W1 \\W?
            body VIAGRA /<inter W1><V><I><A>gr<A>/i
            replace_rules VIAGRA
            """);
    assertThat(hits(r, "Subject: x\n\nbuy v.1.@gra today\n")).containsKey("VIAGRA");
    assertThat(hits(r, "Subject: x\n\nviaduct\n")).isEmpty();
  }

  @Test
  void bodyRulesSeeTheFirst50000CharactersOfAPartAndRawbodyRulesTheFirst500000() {
    // body_part_scan_size: spam/00245 of the shared corpus has its fraud words past the cut.
    RuleSet r = rules(dir, "body LATE /deceased/\nrawbody RAW_LATE /deceased/\n");
    String filler = "word ".repeat(10_100) + "\n";
    assertThat(hits(r, "Subject: s\n\n" + filler + "the deceased\n").keySet())
        .containsExactly("RAW_LATE");
    assertThat(hits(r, "Subject: s\n\n" + "word ".repeat(9_000) + "the deceased\n").keySet())
        .containsExactlyInAnyOrder("LATE", "RAW_LATE");
    assertThat(SaMessage.scanned("ab cd\nef", 2, "\n ")).isEqualTo("ab cd\n");
  }

  @Test
  void bodyRulesReadTextAttachmentsToo() {
    // hard_ham/00241: SpamAssassin renders a text/plain attachment into the body.
    RuleSet r = rules(dir, "body IN_ATTACHMENT /slashdot digest/\n");
    String m =
        """
        From: a@example.com
        Subject: s
        Content-Type: multipart/mixed; boundary=b

        --b
        Content-Type: text/plain

        Attached.
        --b
        Content-Type: text/plain; name=notspam.txt
        Content-Disposition: attachment; filename=notspam.txt

        the slashdot digest
        --b--
        """;
    assertThat(hits(r, m)).containsKey("IN_ATTACHMENT");
  }

  @Test
  void aLineOfANoBreakSpaceEndsAParagraph() {
    // spam/00409: "...service!\n----\n\u00a0\nName: ____" starts a body line at "Name:".
    List<String> lines =
        message(
                "Subject: s\nContent-Type: text/plain; charset=utf-8\n\n"
                    + "Order now!\n----\n\u00a0\nName: ____\nAddress: ____\n")
            .body();
    assertThat(lines).contains("Name: ____ Address: ____ ");
  }

  @Test
  void longParagraphsAreCutAtSpacesBelow2048Characters() {
    String words = "word ".repeat(1000);
    List<String> lines = message("Subject: s\n\n" + words + "\n").body();
    assertThat(lines).hasSizeGreaterThan(2);
    assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(2048));
  }

  @Test
  void aPatternThatBacktracksForeverIsStoppedByTheGuard() {
    // Java memoises (a+)+ since JDK 9, but not with a back reference: seconds per line.
    RuleSet r = rules(dir, "body SLOW /^((a+)+)\\2$/\n");
    SaMessage m = message("Subject: s\n\n" + "a".repeat(32) + "b\n");
    Guard guard = Guard.within(50_000_000L);
    long start = System.nanoTime();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.run(m, guard))
        .isInstanceOf(Guard.TimeUp.class);
    assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
  }
}
