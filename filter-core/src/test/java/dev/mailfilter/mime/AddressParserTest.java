package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AddressParserTest {
  private static List<Address> parse(String s, Defects d) {
    return AddressParser.parseList(s, d);
  }

  @Test
  void parsesTheRfc5322AppendixA1Examples() {
    Defects d = new Defects();
    assertThat(parse("John Doe <jdoe@machine.example>", d))
        .containsExactly(new Mailbox("John Doe", "jdoe", "machine.example"));
    assertThat(parse("\"Joe Q. Public\" <john.q.public@example.com>", d))
        .containsExactly(new Mailbox("Joe Q. Public", "john.q.public", "example.com"));
    assertThat(parse("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>", d))
        .containsExactly(
            new Mailbox("Mary Smith", "mary", "x.test"),
            new Mailbox("", "jdoe", "example.org"),
            new Mailbox("Who?", "one", "y.test"));
    assertThat(parse("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>", d))
        .containsExactly(
            new Mailbox("", "boss", "nil.test"),
            new Mailbox("Giant; \"Big\" Box", "sysservices", "example.net"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void parsesGroupsIncludingEmptyOnes() {
    Defects d = new Defects();
    assertThat(parse("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;", d))
        .containsExactly(
            new Group(
                "A Group",
                List.of(
                    new Mailbox("Ed Jones", "c", "a.test"),
                    new Mailbox("", "joe", "where.test"),
                    new Mailbox("John", "jdoe", "one.test"))));
    assertThat(parse("Undisclosed recipients:;", d))
        .containsExactly(new Group("Undisclosed recipients", List.of()));
    assertThat(d.all).isEmpty();
  }

  @Test
  void dropsCommentsEverywhereAsRfc5322AppendixA5Shows() {
    Defects d = new Defects();
    assertThat(parse("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", d))
        .containsExactly(new Mailbox("Pete", "pete", "silly.test"));
    assertThat(
            parse(
                "A Group(Some people) :Chris Jones <c@(Chris's host.)public.example>,"
                    + " joe@example.org, John <jdoe@one.test> (my dear friend); (the end of the"
                    + " group)",
                d))
        .containsExactly(
            new Group(
                "A Group",
                List.of(
                    new Mailbox("Chris Jones", "c", "public.example"),
                    new Mailbox("", "joe", "example.org"),
                    new Mailbox("John", "jdoe", "one.test"))));
    assertThat(parse("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;", d))
        .containsExactly(new Group("Hidden recipients", List.of()));
    assertThat(d.all).isEmpty();
  }

  @Test
  void usesACommentAsTheNameWhenThereIsNoDisplayName() {
    Defects d = new Defects();
    assertThat(parse("jdoe@example.org (John Doe)", d))
        .containsExactly(new Mailbox("John Doe", "jdoe", "example.org"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void acceptsObsoleteRoutesAndWhitespaceAroundDots() {
    Defects d = new Defects();
    // RFC 5322 appendix A.6.1 and A.6.3.
    assertThat(parse("Mary Smith <@node.test,@x.test:mary@example.net>, , jdoe@test  . example", d))
        .containsExactly(
            new Mailbox("Mary Smith", "mary", "example.net"),
            new Mailbox("", "jdoe", "test.example"));
    assertThat(parse("John Doe <jdoe@machine(comment).  example>", d))
        .containsExactly(new Mailbox("John Doe", "jdoe", "machine.example"));
    assertThat(parse("john . q . public @ example . com", d))
        .containsExactly(new Mailbox("", "john.q.public", "example.com"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void keepsQuotedLocalPartsAndDomainLiterals() {
    Defects d = new Defects();
    List<Address> list = parse("\"john doe\"@example.com, x@[192.0.2.1]", d);
    assertThat(list)
        .containsExactly(
            new Mailbox("", "john doe", "example.com"), new Mailbox("", "x", "[192.0.2.1]"));
    assertThat(((Mailbox) list.get(0)).address()).isEqualTo("\"john doe\"@example.com");
    assertThat(((Mailbox) list.get(1)).address()).isEqualTo("x@[192.0.2.1]");
    assertThat(d.all).isEmpty();
  }

  @Test
  void decodesEncodedWordsInDisplayNames() {
    Defects d = new Defects();
    assertThat(parse("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>", d))
        .containsExactly(new Mailbox("Keld J\u00f8rn Simonsen", "keld", "dkuug.dk"));
    assertThat(parse("\"=?utf-8?q?caf=C3=A9?= bar\" <a@b.com>", d))
        .containsExactly(new Mailbox("caf\u00e9 bar", "a", "b.com"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void keepsUnquotedAtSignsAndCommasInDisplayNamesAsSpamWritesThem() {
    Defects d = new Defects();
    assertThat(parse("paypal@paypal.com <phish@evil.test>", d))
        .containsExactly(new Mailbox("paypal@paypal.com", "phish", "evil.test"));
    assertThat(parse("Doe, John <jdoe@x.test>, Ann <a@y.test>", d))
        .containsExactly(
            new Mailbox("Doe, John", "jdoe", "x.test"), new Mailbox("Ann", "a", "y.test"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void reportsADisplayNameWithoutAngleBrackets() {
    Defects d = new Defects();
    assertThat(parse("John Doe jdoe@x.test", d))
        .containsExactly(new Mailbox("John Doe", "jdoe", "x.test"));
    assertThat(d.types()).containsExactly(DefectType.MALFORMED_ADDRESS);
  }

  @Test
  void keepsAnAddressWithoutDomainWithADefect() {
    Defects d = new Defects();
    List<Address> list = parse("undisclosed-recipients", d);
    assertThat(list).containsExactly(new Mailbox("", "undisclosed-recipients", ""));
    assertThat(((Mailbox) list.get(0)).address()).isEqualTo("undisclosed-recipients");
    assertThat(d.types()).containsExactly(DefectType.MALFORMED_ADDRESS);
  }

  @Test
  void survivesUnclosedBracketsQuotesCommentsAndGroups() {
    Defects d = new Defects();
    assertThat(parse("Ann <a@b.test", d)).containsExactly(new Mailbox("Ann", "a", "b.test"));
    assertThat(parse("\"Ann <a@b.test>", d)).isEmpty();
    assertThat(parse("Ann (x <a@b.test>", d))
        .containsExactly(new Mailbox("x <a@b.test>", "Ann", ""));
    assertThat(parse("G: a@b.test", d))
        .containsExactly(new Group("G", List.of(new Mailbox("", "a", "b.test"))));
    assertThat(parse(";;>>,,", d)).isEmpty();
    assertThat(d.types()).containsOnly(DefectType.MALFORMED_ADDRESS);
  }

  @Test
  void staysLinearOnManyWordsWithoutAddresses() {
    Defects d = new Defects();
    assertThat(parse("a, ".repeat(100_000), d)).hasSize(100_000);
    assertThat(parse("<".repeat(100_000), new Defects()).isEmpty()).isTrue();
    assertThat(parse("(".repeat(100_000), new Defects()).isEmpty()).isTrue();
    assertThat(parse("a ".repeat(100_000) + "<b@c>", new Defects())).hasSize(1);
  }

  @Test
  @org.junit.jupiter.api.Timeout(10)
  void strayCloseParenthesisBeforeBackslashTerminates() {
    // Found by the parser's fuzzer: ")\\" looped forever, growing memory.
    for (String v : List.of(")\\", "a)\\", "x <a@b>)\\", ")\\)\\", "\\)")) {
      Defects d = new Defects();
      assertThat(parse(v, d)).isNotNull();
    }
  }
}
