package dev.mailfilter.sa;

import static dev.mailfilter.sa.SaFixtures.message;
import static dev.mailfilter.sa.SaFixtures.rules;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrefilterTest {
  @TempDir Path dir;

  private static int index(RuleSet rules, String name) {
    for (int i = 0; i < rules.rules().size(); i++) {
      if (rules.rules().get(i).name().equals(name)) {
        return i;
      }
    }
    throw new AssertionError("no rule " + name);
  }

  @Test
  void findsTheFirstBodyLineHoldingALiteralInAnyCase() {
    RuleSet r =
        rules(
            dir,
            """
            body CHEAP   /cheap pills/i
            body VIAGRA  /\\bviagra\\b/
            body GOLD    /(?:gold|silver) coins/
            body NOLIT   /\\d{3}/
            """);
    SaMessage m =
        message("Subject: hello\n\nfirst paragraph\n\nBuy CHEAP Pills and SILVER coins\n");
    Prefilter.Scan scan = r.prefilter(m);
    Prefilter p = r.prefilter();
    assertThat(m.body()).hasSize(3);
    assertThat(scan.first(index(r, "CHEAP"))).isEqualTo(2);
    assertThat(scan.first(index(r, "GOLD"))).isEqualTo(2);
    assertThat(scan.first(index(r, "VIAGRA"))).isEqualTo(-1);
    assertThat(p.filters(index(r, "NOLIT"))).isFalse();
    assertThat(r.run(m, Guard.none()).keySet()).containsExactly("CHEAP");
    assertThat(r.run(m, Guard.none(), null).keySet()).containsExactly("CHEAP");
  }

  @Test
  void aRuleRunsOnlyOnTheTextsHoldingOneOfItsLiterals() {
    RuleSet r =
        rules(
            dir,
            """
            body   WORDS  /(?:city|phone)\\W+(?:city|phone)/i
            tflags WORDS  multiple
            body   MANY   /(?:a|e)-?mail (?:zip|box)\\d/
            tflags MANY   multiple nosubject
            """);
    SaMessage m =
        message(
            "Subject: email box1\n\ncity, phone\n\nnothing\n\nemail zip2\n\n"
                + "Phone city\n\na-mail box3 and email box4\n");
    assertThat(m.body()).hasSize(6);
    Prefilter.Scan scan = r.prefilter(m);
    assertThat(scan.holding()[index(r, "WORDS")].stream().boxed().toList()).containsExactly(1, 4);
    assertThat(scan.holding()[index(r, "MANY")].stream().boxed().toList()).containsExactly(0, 3, 5);
    // Each text is counted once it is run, the subject not for a nosubject rule.
    assertThat(r.run(m, Guard.none())).containsEntry("WORDS", 2).containsEntry("MANY", 3);
    assertThat(r.run(m, Guard.none())).isEqualTo(r.run(m, Guard.none(), null));
  }

  @Test
  void eachKindOfTextHasItsOwnAutomaton() {
    RuleSet r =
        rules(
            dir,
            """
            body    B_SUBJECT  /hello there/
            rawbody R_TAG      /<font color/i
            full    F_MAILER   /^X-Mailer: Outlook/m
            uri     U_BITLY    /bit\\.ly\\//
            body    B_NOTINRAW /<font color/i
            """);
    SaMessage m =
        message(
            """
            Subject: hello there
            X-Mailer: Outlook Express
            Content-Type: text/html

            <html><FONT COLOR=red>see http://bit.ly/abc</font></html>
            """);
    assertThat(r.run(m, Guard.none()).keySet())
        .containsExactlyInAnyOrder("B_SUBJECT", "R_TAG", "F_MAILER", "U_BITLY");
    assertThat(r.prefilter().states(RuleKind.BODY)).isGreaterThan(1);
    assertThat(r.prefilter().states(RuleKind.HEADER)).isZero();
  }

  @Test
  void aNoSubjectRuleStillSeesTheBodyWhenItsLiteralIsAlsoInTheSubject() {
    RuleSet r =
        rules(
            dir,
            """
            body   NOSUBJ  /free money/
            tflags NOSUBJ  nosubject multiple
            """);
    Map<String, Integer> hits =
        r.run(message("Subject: free money\n\nfree money here\n\nmore free money\n"), Guard.none());
    assertThat(hits).containsEntry("NOSUBJ", 2);
    assertThat(r.run(message("Subject: free money\n\nnothing\n"), Guard.none())).isEmpty();
  }

  @Test
  void aRepeatedGroupRunsOnlyWhereFewerRepetitionsOfItHit() {
    RuleSet r =
        rules(
            dir,
            """
            body   SHORT  /(?:[a-z]+\\d[,;]\\s?){2}/
            body   LONG   /(?:[a-z]+\\d[,;]\\s?){4}/
            body   OTHER  /(?:[a-z]+\\d[,;]\\s?){3}/i
            """);
    assertThat(r.prefilter().requires(index(r, "LONG"))).isEqualTo(index(r, "SHORT"));
    assertThat(r.prefilter().requires(index(r, "SHORT"))).isEqualTo(-1);
    assertThat(r.prefilter().requires(index(r, "OTHER"))).isEqualTo(-1); // other flags
    int[] order = r.order();
    assertThat(java.util.Arrays.stream(order).boxed().toList().indexOf(index(r, "LONG")))
        .isGreaterThan(java.util.Arrays.stream(order).boxed().toList().indexOf(index(r, "SHORT")));
    for (String body :
        List.of(
            "a1, b2; c3, d4;\n",
            "a1, b2;\n",
            "a1 b2\n",
            "x\n\na1, b2;\n\nc3 d4\n\ne5, f6; g7, h8; i9;\n")) {
      SaMessage m = message("Subject: x\n\n" + body);
      assertThat(r.run(m, Guard.none())).as(body).isEqualTo(r.run(m, Guard.none(), null));
    }
    assertThat(r.run(message("Subject: x\n\na1, b2; c3, d4;\n"), Guard.none()).keySet())
        .containsExactlyInAnyOrder("SHORT", "LONG", "OTHER");
  }

  @Test
  void agreesWithIndexOfOnRandomTextsAndLiterals() {
    // Seeded: literals over a small alphabet, so that they overlap and share suffixes, and texts
    // over a larger one with upper case and octets above 127.
    long seed = 13;
    Random random = new Random(seed);
    String alphabet = "abcAB\u00e9 ";
    StringBuilder cf = new StringBuilder();
    List<String> literals = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      StringBuilder l = new StringBuilder();
      int n = 3 + random.nextInt(4);
      for (int j = 0; j < n; j++) {
        l.append("abc\u00e9 ".charAt(random.nextInt(5)));
      }
      literals.add(l.toString());
      cf.append("rawbody R")
          .append(i)
          .append(" /")
          .append(Pattern.quote(l.toString()).replace("\\Q", "").replace("\\E", ""))
          .append("/i\n");
    }
    RuleSet r = rules(dir, cf.toString().replace("\u00e9", "\\xe9"));
    assertThat(r.unsupported()).isEmpty();
    for (int round = 0; round < 200; round++) {
      StringBuilder text = new StringBuilder();
      int n = random.nextInt(60);
      for (int j = 0; j < n; j++) {
        text.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String body = text.toString();
      SaMessage m =
          SaMessage.of(
              dev.mailfilter.mime.MessageParser.create()
                  .parse(
                      ("Subject: x\nContent-Type: text/plain; charset=iso-8859-1\n\n" + body + "\n")
                          .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)),
              "");
      Prefilter.Scan scan = r.prefilter(m);
      String lower = m.rawBody().getFirst().toLowerCase(java.util.Locale.ROOT);
      for (int i = 0; i < literals.size(); i++) {
        boolean present = lower.contains(literals.get(i));
        java.util.BitSet holding = scan.holding()[index(r, "R" + i)];
        assertThat(holding == null ? 0 : holding.cardinality()).isEqualTo(present ? 1 : 0);
        assertThat(scan.first(index(r, "R" + i)) == 0)
            .as("seed %d, literal '%s' in '%s'", seed, literals.get(i), body)
            .isEqualTo(present);
      }
      assertThat(r.run(m, Guard.none())).isEqualTo(r.run(m, Guard.none(), null));
    }
  }
}
