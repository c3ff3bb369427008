package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import org.junit.jupiter.api.Test;

class MimeParametersTest {
  private static MimeParameters.Parsed parse(String s, Defects d) {
    return MimeParameters.parse(s, d);
  }

  @Test
  void lowerCasesTheValueAndParameterNamesButNotParameterValues() {
    Defects d = new Defects();
    MimeParameters.Parsed p = parse(" Text/HTML ; CharSet=\"UTF-8\"; Format=Flowed", d);
    assertThat(p.value()).isEqualTo("text/html");
    assertThat(p.parameters())
        .containsExactly(entry("charset", "UTF-8"), entry("format", "Flowed"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void skipsCommentsAndWhitespaceAroundTokens() {
    Defects d = new Defects();
    MimeParameters.Parsed p = parse("text/plain; charset=us-ascii (Plain text)", d);
    assertThat(p.parameters()).containsExactly(entry("charset", "us-ascii"));
    assertThat(parse(" message / rfc822", d).value()).isEqualTo("message/rfc822");
    assertThat(parse("(c)text/(d)plain ; (e) charset (f) = (g) \"x\" (h)", d).parameters())
        .containsExactly(entry("charset", "x"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void unquotesBackslashEscapes() {
    Defects d = new Defects();
    assertThat(parse("attachment; filename=\"a \\\"b\\\" \\\\c.txt\"", d).parameters())
        .containsExactly(entry("filename", "a \"b\" \\c.txt"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void reassemblesRfc2231ContinuationsInNumericOrder() {
    Defects d = new Defects();
    // RFC 2231 section 3 example, sections given out of order.
    MimeParameters.Parsed p =
        parse(
            "message/external-body; access-type=URL;"
                + " URL*1=\"cd/Abc.ps\"; URL*0=\"ftp://\"; URL*10=\"x\"; url*2=\"/\";"
                + " url*3=a;url*4=b;url*5=c;url*6=d;url*7=e;url*8=f;url*9=g",
            d);
    assertThat(p.parameters())
        .containsExactly(entry("access-type", "URL"), entry("url", "ftp://cd/Abc.ps/abcdefgx"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void decodesRfc2231CharsetAndLanguage() {
    Defects d = new Defects();
    // RFC 2231 section 4 and 4.1 examples.
    assertThat(
            parse("application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A", d)
                .parameters())
        .containsExactly(entry("title", "This is ***fun***"));
    assertThat(
            parse(
                    "application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20;"
                        + " title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"",
                    d)
                .parameters())
        .containsExactly(entry("title", "This is even more ***fun*** isn't it!"));
    assertThat(parse("attachment; filename*=utf-8''%E2%82%AC%20rates.pdf", d).parameters())
        .containsExactly(entry("filename", "\u20ac rates.pdf"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void joinsPercentEncodedBytesSplitAcrossSections() {
    Defects d = new Defects();
    assertThat(parse("attachment; filename*0*=utf-8''%E2%82; filename*1*=%AC", d).parameters())
        .containsExactly(entry("filename", "\u20ac"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void prefersTheRfc2231FormOverThePlainOne() {
    Defects d = new Defects();
    assertThat(
            parse("attachment; filename=\"EURO rates\"; filename*=utf-8''%E2%82%AC", d)
                .parameters())
        .containsExactly(entry("filename", "\u20ac"));
  }

  @Test
  void decodesEncodedWordsInQuotedValuesAsOutlookWritesThem() {
    Defects d = new Defects();
    assertThat(parse("application/pdf; name=\"=?utf-8?B?w6l0w6kucGRm?=\"", d).parameters())
        .containsExactly(entry("name", "\u00e9t\u00e9.pdf"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void keepsTheFirstOfDuplicateParametersWithADefect() {
    Defects d = new Defects();
    assertThat(parse("text/plain; charset=utf-8; CHARSET=koi8-r", d).parameters())
        .containsExactly(entry("charset", "utf-8"));
    assertThat(d.types()).containsExactly(DefectType.INVALID_PARAMETER);
  }

  @Test
  void toleratesUnquotedValuesWithSpacesAndEmptyParameters() {
    Defects d = new Defects();
    assertThat(parse("attachment;; filename=my file (1).pdf ;", d).parameters())
        .containsExactly(entry("filename", "my file (1).pdf"));
    assertThat(parse("attachment; filename=report(1).pdf", d).parameters())
        .containsExactly(entry("filename", "report(1).pdf"));
    assertThat(d.all).isEmpty();
  }

  @Test
  void reportsGarbageAndKeepsWhatParses() {
    Defects d = new Defects();
    MimeParameters.Parsed p = parse("text/plain; garbage; charset=utf-8; =x; \"q\"", d);
    assertThat(p.value()).isEqualTo("text/plain");
    assertThat(p.parameters()).containsExactly(entry("charset", "utf-8"));
    assertThat(d.types()).containsExactly(DefectType.INVALID_PARAMETER);
  }

  @Test
  void dropsRfc2231SectionsWithoutAName() {
    Defects d = new Defects();
    assertThat(parse("text/plain; *=x; *0*=y; a=b", d).parameters())
        .containsExactly(entry("a", "b"));
    assertThat(d.types()).containsExactly(DefectType.INVALID_PARAMETER);
  }

  @Test
  void reportsAnEmptyOrMalformedValue() {
    Defects d = new Defects();
    assertThat(parse("; charset=utf-8", d).value()).isEmpty();
    assertThat(parse("text/plain/x", d).value()).isEqualTo("text/plain/x");
    assertThat(d.types())
        .containsExactly(DefectType.INVALID_CONTENT_TYPE, DefectType.INVALID_CONTENT_TYPE);
  }

  @Test
  void reportsAnUnterminatedQuotedValueAndKeepsItsText() {
    Defects d = new Defects();
    assertThat(parse("attachment; filename=\"abc.txt", d).parameters())
        .containsExactly(entry("filename", "abc.txt"));
    assertThat(d.types()).containsExactly(DefectType.INVALID_PARAMETER);
  }
}
