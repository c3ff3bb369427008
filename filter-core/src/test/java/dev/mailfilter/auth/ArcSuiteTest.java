package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.auth.ArcResult.Cv;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The ValiMail ARC validation suite (every entry of {@code arc-draft-validation-tests.yml}) and
 * Stalwart's two real chains, against keys served from the suites' own TXT records.
 *
 * <p>The suite was written against draft-ietf-dmarc-arc-protocol-18 with late-2018 fixes, a year
 * before RFC 8617; where they differ we follow the RFC and the suite agrees with it in every entry:
 * rsa-sha1 fails (RFC 8301), {@code c=} of the AMS is optional, {@code t=} of the seal is optional,
 * {@code h=} in a seal fails. An expected {@code cv} left empty (three {@code cv_fail_*} entries,
 * written as a block holding one blank line) counts as Fail, as Mail::DKIM's harness reads it and
 * as the newest seal of those chains (cv=fail) demands. Expected values are compared trimmed and
 * lower-cased, as upstream's harness does.
 */
class ArcSuiteTest {
  static final Deadline NO_DNS = Deadline.after(Duration.ofMinutes(1));

  static Cv expected(String cv) {
    String v = cv.strip().toLowerCase(Locale.ROOT);
    return v.isEmpty() ? Cv.FAIL : Cv.valueOf(v.toUpperCase(Locale.ROOT));
  }

  @TestFactory
  Stream<DynamicTest> validationSuite() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (ArcSuites.Scenario s : ArcSuites.load("arc-draft-validation-tests.yml")) {
      ArcVerifier verifier = ArcVerifier.create(DkimKeyLookup.fromRecords(s.txt()));
      for (ArcSuites.Case c : s.cases()) {
        tests.add(
            DynamicTest.dynamicTest(
                s.description() + ": " + c.id(),
                () -> {
                  ArcResult r = verifier.verify(ArcSuites.parse(c.get("message")), NO_DNS);
                  assertThat(r.cv())
                      .as("%s (%s): %s", c.id(), c.get("description").strip(), r.reason())
                      .isEqualTo(expected(c.get("cv")));
                }));
      }
    }
    return tests.stream();
  }

  @Test
  void validationSuiteHas175EntriesAnd171DistinctIds() throws IOException {
    int entries = 0;
    Set<String> ids = new HashSet<>();
    int pass = 0;
    int fail = 0;
    int none = 0;
    for (ArcSuites.Scenario s : ArcSuites.load("arc-draft-validation-tests.yml")) {
      for (ArcSuites.Case c : s.cases()) {
        entries++;
        ids.add(c.id());
        switch (expected(c.get("cv"))) {
          case PASS -> pass++;
          case FAIL -> fail++;
          case NONE -> none++;
        }
      }
    }
    assertThat(entries).isEqualTo(175);
    assertThat(ids).hasSize(171);
    // 109 Fail plus the 3 empty ones.
    assertThat(List.of(pass, fail, none)).containsExactly(58, 112, 5);
  }

  @Test
  void stalwartGoogleChainPasses() throws IOException {
    ArcResult r = verifyStalwart("001.txt");
    assertThat(r.cv()).as(r.reason()).isEqualTo(Cv.PASS);
    assertThat(r.instances())
        .extracting(ArcResult.ArcInstance::sealerDomain)
        .containsExactly("google.com");
    assertThat(r.oldestPass()).isEqualTo(1);
  }

  @Test
  void stalwartTwoHopChainWithEd25519SealPasses() throws IOException {
    ArcResult r = verifyStalwart("002.txt");
    assertThat(r.cv()).as(r.reason()).isEqualTo(Cv.PASS);
    assertThat(r.instances())
        .extracting(ArcResult.ArcInstance::sealerDomain)
        .containsExactly("scamorza.org", "manchego.org");
    assertThat(r.instances().getFirst().sealCv()).isEqualTo(Cv.NONE);
    assertThat(r.instances().getLast().sealCv()).isEqualTo(Cv.PASS);
  }

  private static ArcResult verifyStalwart(String name) throws IOException {
    ArcSuites.Stalwart s = ArcSuites.stalwart(name);
    ParsedMessage m = MessageParser.create().parse(s.message());
    return ArcVerifier.create(DkimKeyLookup.fromRecords(s.txt())).verify(m, NO_DNS);
  }
}
