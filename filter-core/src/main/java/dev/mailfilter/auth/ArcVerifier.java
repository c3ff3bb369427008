package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import dev.mailfilter.auth.ArcChain.ArcSet;
import dev.mailfilter.auth.ArcResult.ArcInstance;
import dev.mailfilter.auth.ArcResult.Cv;
import dev.mailfilter.auth.ArcResult.Failure;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.mime.ParsedMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates a message's Authenticated Received Chain as RFC 8617 section 5.2 says: the structure of
 * the sets ({@link ArcChain}), then the {@code cv=} each sealer recorded (none at {@code i=1}, pass
 * above it, a {@code fail} anywhere ends the chain), then the newest ARC-Message-Signature (a
 * DKIM-style signature over header and body, without {@code v=}) and every ARC-Seal (relaxed header
 * canonicalization over the sets 1..i in the order AAR, AMS, AS, with the {@code b=} of the seal
 * being checked emptied), newest first. Older message signatures are checked only to find the
 * oldest-pass instance, never to fail the chain: intermediaries are expected to break them.
 *
 * <p>Keys are found through a {@link DkimKeyLookup} (DNS with the stage deadline, or a map in
 * tests); RFC 8301's rules apply as for DKIM: no {@code rsa-sha1}, RSA keys of at least 1024 bits.
 */
public final class ArcVerifier {
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,12}");
  private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]*={0,2}");

  private static final String SEALER_FAILED = "the sealer recorded cv=fail";

  private final DkimKeyLookup keys;

  private ArcVerifier(DkimKeyLookup keys) {
    this.keys = keys;
  }

  /** A verifier finding keys with {@code keys}. */
  public static ArcVerifier create(DkimKeyLookup keys) {
    return new ArcVerifier(requireNonNull(keys, "keys"));
  }

  /** Validates the chain of {@code message}; DNS lookups end by {@code deadline}. */
  public ArcResult verify(ParsedMessage message, Deadline deadline) {
    ArcChain chain = ArcChain.of(message.headers());
    if (chain.failure().isPresent()) {
      return ArcResult.fail(Failure.MALFORMED, chain.failure().get(), List.of());
    }
    List<ArcSet> sets = chain.sets();
    if (sets.isEmpty()) {
      return ArcResult.none();
    }
    List<ArcInstance> instances = new ArrayList<>(sets.size());
    for (ArcSet s : sets) {
      Map<String, String> seal = s.sealTags();
      Cv cv = cv(seal.get("cv"));
      instances.add(
          new ArcInstance(
              s.instance(),
              lower(seal.getOrDefault("d", "")),
              lower(seal.getOrDefault("s", "")),
              lower(s.amsTags().getOrDefault("d", "")),
              cv == null ? Cv.FAIL : cv,
              s.authResults()));
    }
    // Structure and the recorded cv= of every seal before any signature: cheap, no DNS.
    for (ArcSet s : sets) {
      String bad = sealTagProblem(s);
      if (bad != null) {
        Failure kind = bad.equals(SEALER_FAILED) ? Failure.BROKEN : Failure.MALFORMED;
        return ArcResult.fail(kind, "ARC-Seal i=" + s.instance() + ": " + bad, instances);
      }
    }
    ArcSet newest = sets.getLast();
    String bad = amsTagProblem(newest.amsTags());
    if (bad != null) {
      return ArcResult.fail(
          Failure.MALFORMED, "AMS i=" + newest.instance() + ": " + bad, instances);
    }
    List<String> fields = DkimHeaders.rawFields(message);
    Check ams = verifyAms(newest, fields, message, deadline);
    if (!ams.ok()) {
      return fail("AMS i=" + newest.instance() + ": " + ams.reason(), ams, instances);
    }
    for (int k = sets.size(); k >= 1; k--) {
      Check seal = verifySeal(sets, k, deadline);
      if (!seal.ok()) {
        return fail("ARC-Seal i=" + k + ": " + seal.reason(), seal, instances);
      }
    }
    int oldestPass = newest.instance();
    for (int k = sets.size() - 1; k >= 1; k--) {
      ArcSet s = sets.get(k - 1);
      if (amsTagProblem(s.amsTags()) != null || !verifyAms(s, fields, message, deadline).ok()) {
        break;
      }
      oldestPass = k;
    }
    return new ArcResult(
        Cv.PASS,
        Failure.NONE,
        "chain of " + sets.size() + " sealed by " + instances.getLast().sealerDomain(),
        instances,
        oldestPass);
  }

  private static ArcResult fail(String reason, Check check, List<ArcInstance> instances) {
    return ArcResult.fail(
        check.temporary() ? Failure.TEMPORARY : Failure.BROKEN, reason, instances);
  }

  private static Cv cv(String value) {
    if (value == null) {
      return null;
    }
    return switch (value) {
      case "none" -> Cv.NONE;
      case "pass" -> Cv.PASS;
      case "fail" -> Cv.FAIL;
      default -> null;
    };
  }

  /** What is wrong with a seal's tags (RFC 8617 section 4.1.3), or null. */
  private static String sealTagProblem(ArcSet s) {
    Map<String, String> t = s.sealTags();
    String common = commonTagProblem(t);
    if (common != null) {
      return common;
    }
    // RFC 8617 section 4.1.3: the seal covers the sets themselves; an h= tag is an error.
    if (t.containsKey("h")) {
      return "h= is not allowed in an ARC-Seal";
    }
    Cv cv = cv(t.get("cv"));
    if (cv == null) {
      return t.containsKey("cv") ? "bad cv=" + ArcChain.abbreviate(t.get("cv")) : "no cv= tag";
    }
    if (cv == Cv.FAIL) {
      return SEALER_FAILED;
    }
    if (s.instance() == 1 && cv != Cv.NONE) {
      return "cv=" + cv.keyword() + " at i=1 (must be none)";
    }
    if (s.instance() > 1 && cv != Cv.PASS) {
      return "cv=" + cv.keyword() + " above i=1 (must be pass)";
    }
    return null;
  }

  /** What is wrong with an AMS's tags (RFC 8617 section 4.1.2), or null. */
  private static String amsTagProblem(Map<String, String> t) {
    String common = commonTagProblem(t);
    if (common != null) {
      return common;
    }
    for (String required : List.of("bh", "h")) {
      if (!t.containsKey(required)) {
        return "no " + required + "= tag";
      }
    }
    if (!isBase64(t.get("bh"))) {
      return "bh= is not base64";
    }
    // An empty h= is allowed (the suite's ams_fields_h_empty passes): unlike DKIM, RFC 8617 does
    // not require From, and the AMS then covers itself and the body.
    List<String> names = headerNames(t.get("h"));
    // RFC 8617 section 4.1.2: ARC-Seal fields must not be signed by the AMS.
    if (names.contains("arc-seal")) {
      return "h= lists arc-seal";
    }
    if (t.containsKey("c")) {
      try {
        canonicalizations(t.get("c"));
      } catch (DkimException e) {
        return e.getMessage();
      }
    }
    return null;
  }

  private static String commonTagProblem(Map<String, String> t) {
    for (String required : List.of("a", "b", "d", "s")) {
      if (!t.containsKey(required)) {
        return "no " + required + "= tag";
      }
      if (!required.equals("b") && t.get(required).isEmpty()) {
        return "empty " + required + "=";
      }
    }
    try {
      DkimAlgorithm.of(t.get("a"));
    } catch (DkimException e) {
      return e.getMessage();
    }
    String b = TagList.removeFws(t.get("b"));
    if (b.isEmpty() || !isBase64(b)) {
      return "b= is empty or not base64";
    }
    try {
      DkimSignature.checkDomain("d", t.get("d"));
    } catch (DkimException e) {
      return e.getMessage();
    }
    if (t.containsKey("t") && !DIGITS.matcher(t.get("t")).matches()) {
      return "bad t=" + ArcChain.abbreviate(t.get("t"));
    }
    return null;
  }

  private static boolean isBase64(String s) {
    String v = TagList.removeFws(s);
    return !v.isEmpty() && v.length() % 4 == 0 && BASE64.matcher(v).matches();
  }

  static List<String> headerNames(String h) {
    List<String> out = new ArrayList<>();
    for (String n : h.split(":", -1)) {
      String name = TagList.strip(n).toLowerCase(Locale.ROOT);
      if (!name.isEmpty()) {
        out.add(name);
      }
    }
    return out;
  }

  /** Header and body canonicalization of {@code c=}; a single word applies to the header only. */
  static Canonicalization[] canonicalizations(String c) {
    int slash = c.indexOf('/');
    Canonicalization header = Canonicalization.of(slash < 0 ? c : c.substring(0, slash));
    Canonicalization body =
        slash < 0 ? Canonicalization.SIMPLE : Canonicalization.of(c.substring(slash + 1));
    return new Canonicalization[] {header, body};
  }

  /** The outcome of one signature. */
  private record Check(boolean ok, String reason, boolean temporary) {
    static final Check OK = new Check(true, "pass", false);

    static Check fail(String reason) {
      return new Check(false, reason, false);
    }
  }

  private Check verifyAms(
      ArcSet set, List<String> fields, ParsedMessage message, Deadline deadline) {
    Map<String, String> t = set.amsTags();
    Canonicalization[] c;
    try {
      // Without c=, relaxed/relaxed: the ValiMail suite (ams_fields_c_na) and the implementations
      // that run it read it so, although DKIM's own default, which RFC 8617 inherits literally by
      // calling the AMS DKIM-like, would be simple/simple.
      c = canonicalizations(t.getOrDefault("c", "relaxed/relaxed"));
    } catch (DkimException e) {
      return Check.fail(e.getMessage());
    }
    byte[] bh = c[1].bodyHash(message.root().rawBody(), -1);
    byte[] claimed = Base64.getDecoder().decode(TagList.removeFws(t.get("bh")));
    if (!MessageDigest.isEqual(bh, claimed)) {
      return Check.fail("body hash does not match (bh=)");
    }
    StringBuilder data = new StringBuilder();
    for (String f : DkimHeaders.select(fields, headerNames(t.get("h")))) {
      data.append(c[0].header(f));
    }
    String self = c[0].header(DkimSignature.withoutSignatureValue(raw(set.ams())));
    data.append(self, 0, self.length() - 2);
    return verifySignature(t, data, deadline);
  }

  private Check verifySeal(List<ArcSet> sets, int k, Deadline deadline) {
    StringBuilder data = new StringBuilder();
    for (int j = 1; j <= k; j++) {
      ArcSet s = sets.get(j - 1);
      data.append(Canonicalization.RELAXED.header(raw(s.aar())));
      data.append(Canonicalization.RELAXED.header(raw(s.ams())));
      String seal = raw(s.seal());
      if (j < k) {
        data.append(Canonicalization.RELAXED.header(seal));
      } else {
        String self = Canonicalization.RELAXED.header(DkimSignature.withoutSignatureValue(seal));
        data.append(self, 0, self.length() - 2);
      }
    }
    return verifySignature(sets.get(k - 1).sealTags(), data, deadline);
  }

  private Check verifySignature(Map<String, String> t, CharSequence data, Deadline deadline) {
    DkimAlgorithm algorithm = DkimAlgorithm.of(t.get("a"));
    String domain = t.get("d");
    String selector = t.get("s");
    DkimKey key;
    switch (keys.find(selector, domain, deadline)) {
      case DkimKeyLookup.Result.Found f -> key = f.key();
      case DkimKeyLookup.Result.TempError e -> {
        return new Check(false, e.reason(), true);
      }
      case DkimKeyLookup.Result.None n -> {
        return Check.fail(n.reason());
      }
      case DkimKeyLookup.Result.PermError p -> {
        return Check.fail(p.reason());
      }
    }
    if (key.publicKey().isEmpty()) {
      return Check.fail("key " + selector + "._domainkey." + domain + " is revoked");
    }
    if (!key.keyType().equals(algorithm.keyType())) {
      return Check.fail("a=" + algorithm.tag() + " with a k=" + key.keyType() + " key");
    }
    if (!key.allowsHash(algorithm.hashName())) {
      return Check.fail("the key's h= does not allow " + algorithm.hashName());
    }
    PublicKey publicKey = key.publicKey().get();
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(TagList.removeFws(t.get("b")));
    } catch (IllegalArgumentException e) {
      return Check.fail("b= is not base64");
    }
    try {
      boolean ok =
          algorithm.verify(
              publicKey, data.toString().getBytes(StandardCharsets.ISO_8859_1), signature);
      return ok ? Check.OK : Check.fail("signature does not verify (d=" + domain + ")");
    } catch (DkimException e) {
      return Check.fail(e.getMessage());
    }
  }

  private static String raw(HeaderField f) {
    return DkimHeaders.stripLineEnd(f.rawField().latin1());
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
