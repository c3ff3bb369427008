package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.auth.ArcResult.Cv;
import dev.mailfilter.auth.ArcSealer.ArcFields;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The ValiMail ARC signing suite ({@code arc-draft-sign-tests.yml}, 17 entries): our sealer's three
 * fields against the expected ones, compared as upstream's harness does (all white space removed,
 * the {@code ;}-separated tags as sets), then the sealed message validated by our verifier.
 *
 * <p>The chain status each entry seals with is our own validation of the incoming chain against the
 * scenario's keys, not the {@code arc=} the suite stamps into the newest Authentication-Results;
 * the test also checks that the two agree. The AAR is the suite's consolidation of every
 * Authentication-Results with the authserv-id (README, "AR Consolidation"), which our check does
 * not need: it writes the AAR from its own results.
 *
 * <p>{@code no_additional_sig} and {@code i1_base_fail} together show RFC 8617 section 5.1.1: an
 * incoming chain whose newest seal already says {@code cv=fail} gets no new set, while a chain that
 * merely fails our validation (its newest seal says {@code cv=none}) is sealed with {@code
 * cv=fail}, so the next hop sees the break. "A failed chain gets no set" holds only in the first
 * sense.
 */
class ArcSealSuiteTest {

  @TestFactory
  Stream<DynamicTest> signingSuite() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (ArcSuites.Scenario s : ArcSuites.load("arc-draft-sign-tests.yml")) {
      SigningKey key = SigningKey.fromPem(s.top().get("privatekey"), "suite key");
      DkimKeyLookup keys = DkimKeyLookup.fromRecords(s.txt());
      for (ArcSuites.Case c : s.cases()) {
        tests.add(
            DynamicTest.dynamicTest(s.description() + ": " + c.id(), () -> run(s, c, key, keys)));
      }
    }
    assertThat(tests).hasSize(17);
    return tests.stream();
  }

  private static void run(
      ArcSuites.Scenario s, ArcSuites.Case c, SigningKey key, DkimKeyLookup keys) {
    ParsedMessage m = ArcSuites.parse(c.get("message"));
    ArcResult chain = ArcVerifier.create(keys).verify(m, ArcSuiteTest.NO_DNS);
    String srvId = c.get("srv-id").strip();
    List<String> ar = authResults(m, srvId);
    stampedArc(ar).ifPresent(stamped -> assertThat(chain.cv().keyword()).isEqualTo(stamped));
    ArcSealer sealer =
        ArcSealer.create(
            s.top().get("domain"),
            s.top().get("sel"),
            key,
            Arrays.asList(c.get("sig-headers").strip().split(":")));
    Optional<ArcFields> sealed =
        sealer.seal(
            m, chain, consolidate(ar, srvId), Instant.ofEpochSecond(Long.parseLong(c.get("t"))));
    if (c.get("AS").isBlank()) {
      assertThat(sealed).as("no set for a chain already failed").isEmpty();
      return;
    }
    assertThat(sealed).isPresent();
    ArcFields f = sealed.get();
    assertThat(tags(f.authResults())).as("AAR").isEqualTo(tags(c.get("AAR")));
    assertThat(tags(f.messageSignature())).as("AMS").isEqualTo(tags(c.get("AMS")));
    assertThat(tags(f.seal())).as("AS").isEqualTo(tags(c.get("AS")));

    ParsedMessage out = MessageParser.create().parse(prepend(f, m));
    ArcResult again = ArcVerifier.create(keys).verify(out, ArcSuiteTest.NO_DNS);
    Cv want = chain.cv() == Cv.FAIL ? Cv.FAIL : Cv.PASS;
    assertThat(again.cv()).as(again.reason()).isEqualTo(want);
  }

  /** The message with the set on top, as a delivering MTA writes it. */
  static byte[] prepend(ArcFields f, ParsedMessage m) {
    StringBuilder top = new StringBuilder();
    for (Map.Entry<String, String> e : f.fields()) {
      top.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
    }
    byte[] head = top.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] rest = m.bytes().toByteArray();
    byte[] out = Arrays.copyOf(head, head.length + rest.length);
    System.arraycopy(rest, 0, out, head.length, rest.length);
    return out;
  }

  private static Set<String> tags(String value) {
    return Arrays.stream(value.replaceAll("\\s", "").split(";"))
        .filter(t -> !t.isEmpty())
        .collect(Collectors.toSet());
  }

  /** The payloads (after the authserv-id) of the A-R fields with {@code srvId}, top first. */
  private static List<String> authResults(ParsedMessage m, String srvId) {
    List<String> out = new ArrayList<>();
    for (HeaderField h : m.headers().all("Authentication-Results")) {
      String v = h.value();
      int semi = v.indexOf(';');
      String id = (semi < 0 ? v : v.substring(0, semi)).strip();
      if (id.equalsIgnoreCase(srvId)) {
        out.add(semi < 0 ? "" : v.substring(semi + 1));
      }
    }
    return out;
  }

  private static Optional<String> stampedArc(List<String> payloads) {
    for (String p : payloads) {
      for (String r : p.split(";")) {
        String t = r.strip();
        if (t.startsWith("arc=")) {
          return Optional.of(t.substring(4).strip());
        }
      }
    }
    return Optional.empty();
  }

  /** The suite's consolidation: every result of every A-R with our id, in order, one per line. */
  private static String consolidate(List<String> payloads, String srvId) {
    List<String> results = new ArrayList<>();
    results.add(srvId);
    for (String p : payloads) {
      for (String r : p.split(";")) {
        if (!r.isBlank()) {
          results.add(r.strip());
        }
      }
    }
    return String.join(";\r\n\t", results);
  }
}
