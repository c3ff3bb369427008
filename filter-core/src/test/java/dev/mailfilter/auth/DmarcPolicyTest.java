package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.auth.DmarcRecord.Policy;
import dev.mailfilter.auth.DmarcResult.Code;
import dev.mailfilter.auth.DmarcResult.Source;
import dev.mailfilter.dns.DnsAnswer;
import dev.mailfilter.dns.QueryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Policy discovery, alignment and policy selection, written from RFC 9989's examples (named after
 * their sections) and rules, over a table of DNS answers. The same evaluation against a real DNS
 * server runs in {@link DmarcCheckTest}.
 */
class DmarcPolicyTest {
  /** DNS answers from a table; every query is recorded. */
  static final class Zone implements DmarcEvaluator.Dns {
    final Map<String, List<String>> txt = new HashMap<>();
    final Set<String> names = new HashSet<>();
    final Set<String> broken = new HashSet<>();
    final List<String> asked = new ArrayList<>();

    Zone dmarc(String domain, String record) {
      txt.computeIfAbsent("_dmarc." + domain, k -> new ArrayList<>()).add(record);
      return exists(domain);
    }

    Zone exists(String domain) {
      names.add(domain);
      return this;
    }

    Zone broken(String name) {
      broken.add(name);
      return this;
    }

    @Override
    public DnsAnswer query(String name, QueryType type) {
      asked.add(type == QueryType.TXT ? name : type + " " + name);
      DnsAnswer.Status status;
      List<String> texts = List.of();
      if (broken.contains(name)) {
        status = DnsAnswer.Status.TIMEOUT;
      } else if (type == QueryType.TXT && txt.containsKey(name)) {
        status = DnsAnswer.Status.FOUND;
        texts = txt.get(name);
      } else if (type == QueryType.A && names.contains(name)) {
        status = DnsAnswer.Status.FOUND;
      } else {
        status = DnsAnswer.Status.NXDOMAIN;
      }
      return new DnsAnswer(
          name, type, status, List.of(), texts, List.of(), Duration.ZERO, false, Duration.ZERO);
    }
  }

  private static final DmarcEvaluator BIS =
      DmarcEvaluator.create(DmarcEvaluator.Mode.BIS, PublicSuffixList.guava(), List.of());

  private static DmarcInput spfPass(String from, String mailFrom) {
    return DmarcInput.of(from, new DmarcInput.Spf(SpfResult.Code.PASS, mailFrom));
  }

  private static DmarcInput dkim(String from, String... d) {
    return new DmarcInput(from, DmarcInput.Spf.none(), List.of(d), Optional.empty());
  }

  @Test
  void section4_10_deepNamesAreShortenedToSevenLabelsAfterTheFirstQuery() {
    assertThat(DmarcEvaluator.treeWalkTargets("a.b.c.d.e.f.g.h.i.j.mail.example.com"))
        .containsExactly(
            "a.b.c.d.e.f.g.h.i.j.mail.example.com",
            "g.h.i.j.mail.example.com",
            "h.i.j.mail.example.com",
            "i.j.mail.example.com",
            "j.mail.example.com",
            "mail.example.com",
            "example.com",
            "com");
    assertThat(DmarcEvaluator.treeWalkTargets("a.mail.example.com"))
        .containsExactly("a.mail.example.com", "mail.example.com", "example.com", "com");
  }

  @Test
  void appendixB1_1_spfStrictRelaxedAndNoAlignment() {
    Zone z = new Zone().dmarc("example.com", "v=DMARC1; p=reject").exists("child.example.com");
    assertThat(BIS.evaluate(spfPass("example.com", "example.com"), z).code()).isEqualTo(Code.PASS);
    assertThat(BIS.evaluate(spfPass("example.com", "child.example.com"), z).code())
        .isEqualTo(Code.PASS);
    DmarcResult none = BIS.evaluate(spfPass("child.example.com", "example.net"), z);
    assertThat(none.code()).isEqualTo(Code.FAIL);
    assertThat(none.disposition()).isEqualTo(Policy.REJECT);
  }

  @Test
  void appendixB1_1_relaxedSpfIsNotEnoughUnderAspfStrict() {
    Zone z = new Zone().dmarc("example.com", "v=DMARC1; p=reject; aspf=s");
    assertThat(BIS.evaluate(spfPass("example.com", "child.example.com"), z).code())
        .isEqualTo(Code.FAIL);
    assertThat(BIS.evaluate(spfPass("example.com", "example.com"), z).code()).isEqualTo(Code.PASS);
  }

  @Test
  void appendixB1_2_dkimStrictRelaxedAndNoAlignment() {
    Zone z = new Zone().dmarc("example.com", "v=DMARC1; p=quarantine").exists("child.example.com");
    assertThat(BIS.evaluate(dkim("example.com", "example.com"), z).code()).isEqualTo(Code.PASS);
    DmarcResult relaxed = BIS.evaluate(dkim("child.example.com", "example.com"), z);
    assertThat(relaxed.code()).isEqualTo(Code.PASS);
    assertThat(relaxed.dkimAligned()).contains("example.com");
    DmarcResult none = BIS.evaluate(dkim("child.example.com", "example.net"), z);
    assertThat(none.code()).isEqualTo(Code.FAIL);
    assertThat(none.source()).isEqualTo(Source.P);
    assertThat(none.disposition()).isEqualTo(Policy.QUARANTINE);
  }

  @Test
  void appendixB1_2_adkimStrictNeedsTheSameDomain() {
    Zone z =
        new Zone().dmarc("example.com", "v=DMARC1; p=reject; adkim=s").exists("child.example.com");
    assertThat(BIS.evaluate(dkim("child.example.com", "example.com"), z).code())
        .isEqualTo(Code.FAIL);
  }

  @Test
  void appendixB4_1_simpleOrganizationalAndPolicyExample() {
    Zone z =
        new Zone()
            .dmarc("example.com", "v=DMARC1; p=reject")
            .dmarc("signing.example.com", "v=DMARC1; p=none");
    DmarcResult r =
        BIS.evaluate(
            new DmarcInput(
                "example.com",
                new DmarcInput.Spf(SpfResult.Code.FAIL, "example.com"),
                List.of("signing.example.com"),
                Optional.empty()),
            z);
    assertThat(r.code()).isEqualTo(Code.PASS);
    assertThat(r.policyDomain()).contains("example.com");
    assertThat(r.organizationalDomain()).contains("example.com");
    assertThat(r.dkimAligned()).contains("signing.example.com");
  }

  @Test
  void appendixB4_2_deepTreeWalkExample() {
    Zone z =
        new Zone()
            .dmarc("example.com", "v=DMARC1; p=reject")
            .dmarc("signing.example.com", "v=DMARC1; p=none")
            .exists("a.b.c.d.e.f.g.h.i.j.k.example.com");
    String author = "a.b.c.d.e.f.g.h.i.j.k.example.com";
    DmarcResult r = BIS.evaluate(dkim(author, "signing.example.com"), z);
    assertThat(r.code()).isEqualTo(Code.PASS);
    assertThat(r.policyDomain()).contains("example.com");
    assertThat(z.asked)
        .startsWith(
            "_dmarc.a.b.c.d.e.f.g.h.i.j.k.example.com",
            "_dmarc.g.h.i.j.k.example.com",
            "_dmarc.h.i.j.k.example.com",
            "_dmarc.i.j.k.example.com",
            "_dmarc.j.k.example.com",
            "_dmarc.k.example.com",
            "_dmarc.example.com",
            "_dmarc.com");
    // Failing, the record found by the walk is applied to the subdomain with its p (no sp).
    DmarcResult fail = BIS.evaluate(dkim(author, "example.net"), z);
    assertThat(fail.code()).isEqualTo(Code.FAIL);
    assertThat(fail.source()).isEqualTo(Source.P);
    assertThat(fail.requested()).isEqualTo(Policy.REJECT);
  }

  @Test
  void appendixB4_3_psdRecordMakesTheNameBelowItTheOrganizationalDomain() {
    Zone z =
        new Zone()
            .dmarc("bank.example", "v=DMARC1; p=reject; psd=y")
            .dmarc("giant.bank.example", "v=DMARC1; p=quarantine");
    DmarcInput in =
        new DmarcInput(
            "giant.bank.example",
            new DmarcInput.Spf(SpfResult.Code.PASS, "mail.giant.bank.example"),
            List.of("mail.mega.bank.example"),
            Optional.empty());
    DmarcResult r = BIS.evaluate(in, z);
    assertThat(r.code()).isEqualTo(Code.PASS);
    assertThat(r.spfAligned()).contains("mail.giant.bank.example");
    assertThat(r.dkimAligned()).isEmpty(); // mega.bank.example is another organization
    assertThat(r.organizationalDomain()).contains("giant.bank.example");
    assertThat(r.policyDomain()).contains("giant.bank.example");
  }

  @Test
  void section4_10_2_psdRecordPolicyAppliesWhenTheOrganizationPublishesNone() {
    Zone z =
        new Zone().dmarc("bank.example", "v=DMARC1; p=reject; psd=y").exists("mega.bank.example");
    DmarcResult r = BIS.evaluate(dkim("mega.bank.example", "evil.example"), z);
    assertThat(r.code()).isEqualTo(Code.FAIL);
    assertThat(r.policyDomain()).contains("bank.example");
    assertThat(r.organizationalDomain()).contains("mega.bank.example");
    assertThat(r.requested()).isEqualTo(Policy.REJECT);
  }

  @Test
  void section4_10_2_examples() {
    // Records at mail.example.com and example.com: the fewest labels win.
    Zone z1 =
        new Zone()
            .dmarc("mail.example.com", "v=DMARC1; p=none")
            .dmarc("example.com", "v=DMARC1; p=none");
    DmarcResult r1 =
        BIS.evaluate(dkim("a.mail.example.com", "example.com"), z1.exists("a.mail.example.com"));
    assertThat(r1.organizationalDomain()).contains("example.com");
    assertThat(r1.code()).isEqualTo(Code.PASS);
    // psd=n at mail.example.com: that is the Organizational Domain, example.com no longer aligns.
    Zone z2 =
        new Zone()
            .dmarc("mail.example.com", "v=DMARC1; p=reject; psd=n")
            .dmarc("example.com", "v=DMARC1; p=none");
    DmarcResult r2 =
        BIS.evaluate(dkim("a.mail.example.com", "example.com"), z2.exists("a.mail.example.com"));
    assertThat(r2.organizationalDomain()).contains("mail.example.com");
    assertThat(r2.code()).isEqualTo(Code.FAIL);
    assertThat(r2.policyDomain()).contains("mail.example.com");
    // Only _dmarc.com with psd=y: example.com is the Organizational Domain.
    Zone z3 = new Zone().dmarc("com", "v=DMARC1; p=none; psd=y");
    DmarcResult r3 =
        BIS.evaluate(dkim("a.mail.example.com", "example.com"), z3.exists("a.mail.example.com"));
    assertThat(r3.organizationalDomain()).contains("example.com");
    assertThat(r3.code()).isEqualTo(Code.PASS);
  }

  @Test
  void section4_10_1_spAppliesToExistingAndNpToNonExistentSubdomains() {
    Zone z =
        new Zone()
            .dmarc("example.com", "v=DMARC1; p=none; sp=quarantine; np=reject")
            .exists("real.example.com");
    DmarcResult existing = BIS.evaluate(dkim("real.example.com", "evil.example"), z);
    assertThat(existing.source()).isEqualTo(Source.SP);
    assertThat(existing.disposition()).isEqualTo(Policy.QUARANTINE);
    DmarcResult missing = BIS.evaluate(dkim("ghost.example.com", "evil.example"), z);
    assertThat(missing.source()).isEqualTo(Source.NP);
    assertThat(missing.disposition()).isEqualTo(Policy.REJECT);
    DmarcResult own = BIS.evaluate(dkim("example.com", "evil.example"), z);
    assertThat(own.source()).isEqualTo(Source.P);
    assertThat(own.disposition()).isEqualTo(Policy.NONE);
  }

  @Test
  void section4_7_npAbsentFallsBackToSpThenP() {
    Zone z = new Zone().dmarc("example.com", "v=DMARC1; p=reject; sp=quarantine");
    assertThat(BIS.evaluate(dkim("ghost.example.com", "x.example"), z).requested())
        .isEqualTo(Policy.QUARANTINE);
    Zone z2 = new Zone().dmarc("example.com", "v=DMARC1; p=reject");
    assertThat(BIS.evaluate(dkim("ghost.example.com", "x.example"), z2).requested())
        .isEqualTo(Policy.REJECT);
    assertThat(z2.asked).noneMatch(q -> q.startsWith("A ")); // no existence query without np
  }

  @Test
  void section4_7_testingModeAppliesOneLevelBelow() {
    Zone z =
        new Zone()
            .dmarc("reject.example", "v=DMARC1; p=reject; t=y")
            .dmarc("quarantine.example", "v=DMARC1; p=quarantine; t=y");
    DmarcResult r = BIS.evaluate(dkim("reject.example", "x.example"), z);
    assertThat(r.requested()).isEqualTo(Policy.REJECT);
    assertThat(r.disposition()).isEqualTo(Policy.QUARANTINE);
    assertThat(BIS.evaluate(dkim("quarantine.example", "x.example"), z).disposition())
        .isEqualTo(Policy.NONE);
  }

  @Test
  void appendixA6_oldRecordWithPctZeroIsTestingMode() {
    Zone z = new Zone().dmarc("old.example", "v=DMARC1; p=reject; pct=0");
    assertThat(BIS.evaluate(dkim("old.example", "x.example"), z).disposition())
        .isEqualTo(Policy.QUARANTINE);
    Zone z2 = new Zone().dmarc("old.example", "v=DMARC1; p=reject; pct=50");
    assertThat(BIS.evaluate(dkim("old.example", "x.example"), z2).disposition())
        .isEqualTo(Policy.REJECT);
  }

  @Test
  void section4_10_noRecordAnywhereIsNone() {
    DmarcResult r = BIS.evaluate(dkim("nothing.example", "x.example"), new Zone());
    assertThat(r.code()).isEqualTo(Code.NONE);
  }

  @Test
  void section4_10_severalRecordsAtOneNameAreAllDiscarded() {
    Zone z =
        new Zone()
            .dmarc("two.example", "v=DMARC1; p=reject")
            .dmarc("two.example", "v=DMARC1; p=none");
    assertThat(BIS.evaluate(dkim("two.example", "x.example"), z).code()).isEqualTo(Code.NONE);
    // A TXT record that is no DMARC record does not count.
    Zone z2 = new Zone().dmarc("one.example", "v=DMARC1; p=reject").dmarc("one.example", "hello");
    assertThat(BIS.evaluate(dkim("one.example", "x.example"), z2).code()).isEqualTo(Code.FAIL);
  }

  @Test
  void section4_10_1_unusablePolicyIsPermerror() {
    Zone z = new Zone().dmarc("bad.example", "v=DMARC1; p=rejekt");
    assertThat(BIS.evaluate(dkim("bad.example", "x.example"), z).code()).isEqualTo(Code.PERMERROR);
  }

  @Test
  void section5_3_6_aDnsFailureIsTemperrorNeitherPassNorFail() {
    Zone z = new Zone().broken("_dmarc.slow.example");
    assertThat(BIS.evaluate(dkim("slow.example", "x.example"), z).code()).isEqualTo(Code.TEMPERROR);
    // A failure while aligning one identifier does not matter when another aligns.
    Zone z2 = new Zone().dmarc("example.com", "v=DMARC1; p=reject").broken("_dmarc.other.example");
    DmarcResult r =
        BIS.evaluate(
            new DmarcInput(
                "example.com",
                new DmarcInput.Spf(SpfResult.Code.PASS, "other.example"),
                List.of("example.com"),
                Optional.empty()),
            z2);
    assertThat(r.code()).isEqualTo(Code.PASS);
    DmarcResult t = BIS.evaluate(spfPass("example.com", "other.example"), z2);
    assertThat(t.code()).isEqualTo(Code.TEMPERROR);
  }

  @Test
  void spfOtherThanPassGivesNoIdentifier() {
    Zone z = new Zone().dmarc("example.com", "v=DMARC1; p=reject");
    DmarcInput softfail =
        DmarcInput.of("example.com", new DmarcInput.Spf(SpfResult.Code.SOFTFAIL, "example.com"));
    assertThat(BIS.evaluate(softfail, z).code()).isEqualTo(Code.FAIL);
  }

  @Test
  void internationalizedAuthorDomainIsLookedUpInALabels() {
    Zone z = new Zone().dmarc("xn--bcher-kva.example", "v=DMARC1; p=reject");
    DmarcResult r = BIS.evaluate(dkim("BÜCHER.example", "xn--bcher-kva.example"), z);
    assertThat(r.code()).isEqualTo(Code.PASS);
    assertThat(r.authorDomain()).isEqualTo("xn--bcher-kva.example");
  }

  @Test
  void rfc7489_pslModeFindsTheOrganizationalDomainRecordWithTwoQueries() {
    DmarcEvaluator psl =
        DmarcEvaluator.create(DmarcEvaluator.Mode.PSL, PublicSuffixList.guava(), List.of());
    Zone z =
        new Zone()
            .dmarc("example.co.uk", "v=DMARC1; p=reject; sp=quarantine")
            .exists("a.b.example.co.uk");
    DmarcResult r = psl.evaluate(dkim("a.b.example.co.uk", "x.example"), z);
    assertThat(r.policyDomain()).contains("example.co.uk");
    assertThat(r.requested()).isEqualTo(Policy.QUARANTINE);
    assertThat(z.asked).containsExactly("_dmarc.a.b.example.co.uk", "_dmarc.example.co.uk");
    // Relaxed alignment by the list: mail.example.co.uk and example.co.uk are one organization.
    assertThat(psl.evaluate(dkim("example.co.uk", "mail.example.co.uk"), z).code())
        .isEqualTo(Code.PASS);
  }

  private static DmarcInput forwarded(String from, ArcEvidence arc) {
    return new DmarcInput(
        from,
        new DmarcInput.Spf(SpfResult.Code.PASS, "lists.example.org"),
        List.of("lists.example.org"),
        Optional.of(arc));
  }

  private static ArcEvidence.Hop hop(int i, String sealer, String dmarc) {
    return new ArcEvidence.Hop(
        i, sealer, List.of(new ArcEvidence.AuthResult("dmarc", dmarc, Optional.of("example.com"))));
  }

  @Test
  void trustedArcSealerThatSawAPassOverridesTheFailure() {
    DmarcEvaluator e =
        DmarcEvaluator.create(
            DmarcEvaluator.Mode.BIS, PublicSuffixList.guava(), List.of("Lists.Example.ORG"));
    Zone z = new Zone().dmarc("example.com", "v=DMARC1; p=reject");
    DmarcResult r =
        e.evaluate(
            forwarded(
                "example.com", new ArcEvidence(true, List.of(hop(1, "lists.example.org", "pass")))),
            z);
    assertThat(r.code()).isEqualTo(Code.FAIL);
    assertThat(r.requested()).isEqualTo(Policy.REJECT);
    assertThat(r.disposition()).isEqualTo(Policy.NONE);
    assertThat(r.arcSealer()).contains("lists.example.org");
  }

  @Test
  void arcDoesNotOverrideForAnUntrustedSealerABrokenChainOrAFailSeenByTheSealer() {
    DmarcEvaluator e =
        DmarcEvaluator.create(
            DmarcEvaluator.Mode.BIS, PublicSuffixList.guava(), List.of("lists.example.org"));
    Zone z = new Zone().dmarc("example.com", "v=DMARC1; p=reject");
    assertThat(disposition(e, z, new ArcEvidence(true, List.of(hop(1, "other.example", "pass")))))
        .isEqualTo(Policy.REJECT);
    assertThat(
            disposition(e, z, new ArcEvidence(false, List.of(hop(1, "lists.example.org", "pass")))))
        .isEqualTo(Policy.REJECT);
    assertThat(
            disposition(e, z, new ArcEvidence(true, List.of(hop(1, "lists.example.org", "fail")))))
        .isEqualTo(Policy.REJECT);
    // An untrusted newer hop could have changed the message after the trusted one sealed it.
    ArcEvidence resealed =
        new ArcEvidence(
            true, List.of(hop(1, "lists.example.org", "pass"), hop(2, "other.example", "fail")));
    assertThat(disposition(e, z, resealed)).isEqualTo(Policy.REJECT);
  }

  private static Policy disposition(DmarcEvaluator e, Zone z, ArcEvidence arc) {
    return e.evaluate(forwarded("example.com", arc), z).disposition();
  }
}
