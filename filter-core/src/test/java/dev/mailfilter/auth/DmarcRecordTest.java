package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.auth.DmarcRecord.Alignment;
import dev.mailfilter.auth.DmarcRecord.Policy;
import dev.mailfilter.auth.DmarcRecord.Psd;
import java.net.URI;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The record parser against RFC 9989 sections 4.7, 4.8 and 4.10.1 and appendix A.6. */
class DmarcRecordTest {
  private static DmarcRecord parse(String text) {
    return DmarcRecord.parse(text).orElseThrow(() -> new AssertionError("not parsed: " + text));
  }

  @Test
  void section4_7_defaultsOfAMinimalRecord() {
    DmarcRecord r = parse("v=DMARC1");
    assertThat(r.p()).isEqualTo(Policy.NONE); // "treated as if it included p=none"
    assertThat(r.sp()).isEmpty();
    assertThat(r.np()).isEmpty();
    assertThat(r.psd()).isEqualTo(Psd.U);
    assertThat(r.testing()).isFalse();
    assertThat(r.adkim()).isEqualTo(Alignment.RELAXED);
    assertThat(r.aspf()).isEqualTo(Alignment.RELAXED);
    assertThat(r.fo()).isEqualTo("0");
    assertThat(r.rf()).isEqualTo("afrf");
    assertThat(r.ri()).isEqualTo(86400);
    assertThat(r.pct()).isEmpty();
    assertThat(r.policyUsable()).isTrue();
  }

  @Test
  void section4_7_everyTagIsRead() {
    DmarcRecord r =
        parse(
            "v=DMARC1; p=reject; sp=quarantine; np=reject; psd=n; t=y; adkim=s; aspf=s;"
                + " rua=mailto:agg@example.com,mailto:b@example.net!10m; ruf=mailto:f@example.com;"
                + " fo=1:d:s; pct=50; rf=afrf; ri=3600");
    assertThat(r.p()).isEqualTo(Policy.REJECT);
    assertThat(r.sp()).contains(Policy.QUARANTINE);
    assertThat(r.np()).contains(Policy.REJECT);
    assertThat(r.psd()).isEqualTo(Psd.N);
    assertThat(r.testing()).isTrue();
    assertThat(r.adkim()).isEqualTo(Alignment.STRICT);
    assertThat(r.aspf()).isEqualTo(Alignment.STRICT);
    assertThat(r.rua())
        .containsExactly(URI.create("mailto:agg@example.com"), URI.create("mailto:b@example.net"));
    assertThat(r.ruf()).containsExactly(URI.create("mailto:f@example.com"));
    assertThat(r.fo()).isEqualTo("1:d:s");
    assertThat(r.pct()).isEqualTo(OptionalInt.of(50));
    assertThat(r.ri()).isEqualTo(3600);
    assertThat(r.defects()).isEmpty();
  }

  @Test
  void section4_7_versionMustBeFirstAndExactlyDmarc1() {
    assertThat(DmarcRecord.parse("p=reject; v=DMARC1")).isEmpty();
    assertThat(DmarcRecord.parse("v=dmarc1; p=reject")).isEmpty(); // case sensitive
    assertThat(DmarcRecord.parse("v=DMARC2; p=reject")).isEmpty();
    assertThat(DmarcRecord.parse("v=spf1 -all")).isEmpty();
    assertThat(DmarcRecord.parse("")).isEmpty();
    assertThat(DmarcRecord.parse(";v=DMARC1")).isEmpty();
    assertThat(DmarcRecord.parse("v = DMARC1 ; p = reject ;")).isPresent(); // *WSP around = and ;
    // Section 4.8's ABNF starts the record with "v": no white space before it (a Jazzer finding).
    assertThat(DmarcRecord.parse("   v=DMARC1; p=reject")).isEmpty();
    assertThat(DmarcRecord.parse("\tv=DMARC1")).isEmpty();
  }

  @Test
  void section4_8_unknownTagsAreIgnored() {
    DmarcRecord r = parse("v=DMARC1; p=reject; foo=bar; x-y=z");
    assertThat(r.p()).isEqualTo(Policy.REJECT);
    assertThat(r.defects()).hasSize(2);
  }

  @Test
  void section4_8_badValuesFallBackToDefaults() {
    DmarcRecord r = parse("v=DMARC1; p=reject; adkim=x; aspf=; t=maybe; psd=q; fo=0:1; pct=101");
    assertThat(r.adkim()).isEqualTo(Alignment.RELAXED);
    assertThat(r.aspf()).isEqualTo(Alignment.RELAXED);
    assertThat(r.testing()).isFalse();
    assertThat(r.psd()).isEqualTo(Psd.U);
    assertThat(r.fo()).isEqualTo("0");
    assertThat(r.pct()).isEmpty();
    assertThat(r.policyUsable()).isTrue();
    assertThat(r.defects()).hasSize(6);
  }

  @Test
  void section4_8_policyValuesCompareWithoutCase() {
    assertThat(parse("v=DMARC1; P=Reject").p()).isEqualTo(Policy.REJECT);
  }

  @Test
  void section4_10_1_aBadPolicyWithAValidRuaReadsAsNone() {
    DmarcRecord r = parse("v=DMARC1; p=rejekt; sp=reject; rua=mailto:d@example.com");
    assertThat(r.policyUsable()).isTrue();
    assertThat(r.p()).isEqualTo(Policy.NONE);
    assertThat(r.sp()).isEmpty();
  }

  @Test
  void section4_10_1_aBadPolicyWithoutRuaMakesTheRecordUnusable() {
    assertThat(parse("v=DMARC1; p=rejekt").policyUsable()).isFalse();
    assertThat(parse("v=DMARC1; p=reject; sp=bogus").policyUsable()).isFalse();
    assertThat(parse("v=DMARC1; p=reject; np=bogus; rua=not a uri").policyUsable()).isFalse();
  }

  @Test
  void appendixA6_pctZeroMeansTestingAndTWins() {
    assertThat(parse("v=DMARC1; p=reject; pct=0").testing()).isTrue();
    assertThat(parse("v=DMARC1; p=reject; pct=100").testing()).isFalse();
    assertThat(parse("v=DMARC1; p=reject; pct=20").testing()).isFalse();
    assertThat(parse("v=DMARC1; p=reject; pct=0; t=n").testing()).isFalse();
  }

  @Test
  void rfc6376_section3_2_aDuplicatedTagInvalidatesTheRecord() {
    assertThat(DmarcRecord.parse("v=DMARC1; p=none; p=reject")).isEmpty();
  }

  @Test
  void obsoleteReportSizeSuffixIsDropped() {
    assertThat(parse("v=DMARC1; rua=mailto:a@example.com!50k").rua())
        .containsExactly(URI.create("mailto:a@example.com"));
  }
}
