package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Preconditions;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.mime.ByteView;
import dev.mailfilter.mime.ParsedMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * DKIM verification (RFC 6376 section 6, with RFC 8301 and RFC 8463): every {@code DKIM-Signature}
 * of a message, top down, each giving its own {@link DkimResult}. Keys come from a {@link
 * DkimKeyLookup} within the caller's {@link Deadline}; the body is hashed in place, once per
 * canonicalisation and {@code l=}.
 *
 * <p>Thread-safe and immutable.
 */
public final class DkimVerifier {
  /** The default of how many signatures one message may have verified. */
  public static final int DEFAULT_MAX_SIGNATURES = 10;

  private final DkimKeyLookup keys;
  private final Clock clock;
  private final int maxSignatures;

  private DkimVerifier(DkimKeyLookup keys, Clock clock, int maxSignatures) {
    this.keys = requireNonNull(keys, "keys");
    this.clock = requireNonNull(clock, "clock");
    Preconditions.checkArgument(
        maxSignatures >= 1 && maxSignatures <= 100,
        "max signatures not in [1, 100]: %s",
        maxSignatures);
    this.maxSignatures = maxSignatures;
  }

  /**
   * A verifier.
   *
   * @param keys where key records come from
   * @param clock for {@code x=} (expiry)
   * @param maxSignatures how many signatures of one message are verified; the rest get {@code
   *     policy} without a key lookup, so a message cannot make us do unbounded DNS and RSA work
   */
  public static DkimVerifier create(DkimKeyLookup keys, Clock clock, int maxSignatures) {
    return new DkimVerifier(keys, clock, maxSignatures);
  }

  /**
   * The results for every {@code DKIM-Signature} of {@code message}, top down; empty if none. The
   * body is the parsed bytes: for a message the parser's size limit cut, use {@link
   * #verify(ParsedMessage, ByteView, Deadline)} with the whole message.
   */
  public List<DkimResult> verify(ParsedMessage message, Deadline deadline) {
    return verify(message, message.bytes(), deadline);
  }

  /**
   * As {@link #verify(ParsedMessage, Deadline)}, the body taken from {@code raw}: the whole message
   * as received, which {@code message} was parsed from.
   */
  public List<DkimResult> verify(ParsedMessage message, ByteView raw, Deadline deadline) {
    long start = message.root().bodyStart();
    ByteView body = start >= raw.size() ? ByteView.empty() : raw.slice((int) start, raw.size());
    return verify(DkimHeaders.rawFields(message), body, deadline);
  }

  /**
   * The results for every {@code DKIM-Signature} among {@code fields}.
   *
   * @param fields the header fields as received, top down, without final line breaks
   * @param body the body as received (CRLF line ends)
   */
  public List<DkimResult> verify(List<String> fields, ByteView body, Deadline deadline) {
    List<DkimResult> out = new ArrayList<>();
    Map<String, Canonicalization.BodyHash> bodyHashes = new HashMap<>();
    for (int i = 0; i < fields.size(); i++) {
      String field = fields.get(i);
      if (!DkimHeaders.name(field).equalsIgnoreCase(DkimSignature.FIELD)) {
        continue;
      }
      if (out.size() >= maxSignatures) {
        DkimResult r = failed(field, DkimResult.Code.POLICY, "");
        out.add(
            withReason(
                r, "not verified: more than " + maxSignatures + " signatures on the message"));
        continue;
      }
      out.add(verifyOne(field, without(fields, i), body, bodyHashes, deadline));
    }
    return List.copyOf(out);
  }

  /**
   * The fields without the signature being verified: it did not exist when it was made, so an
   * {@code h=} that names {@code DKIM-Signature} means other signatures, never this one.
   */
  private static List<String> without(List<String> fields, int index) {
    List<String> rest = new ArrayList<>(fields);
    rest.remove(index);
    return rest;
  }

  private DkimResult verifyOne(
      String field,
      List<String> fields,
      ByteView body,
      Map<String, Canonicalization.BodyHash> bodyHashes,
      Deadline deadline) {
    DkimSignature sig;
    try {
      sig = DkimSignature.parse(field);
    } catch (DkimException e) {
      return failed(field, DkimResult.Code.PERMERROR, e.getMessage());
    }
    long now = clock.instant().getEpochSecond();
    if (sig.expiration().isPresent() && sig.expiration().getAsLong() < now) {
      return result(sig, DkimResult.Code.PERMERROR, "signature expired", false, false);
    }
    DkimKeyLookup.Result found = keys.find(sig.selector(), sig.domain(), deadline);
    DkimKey key;
    switch (found) {
      case DkimKeyLookup.Result.Found f -> key = f.key();
      case DkimKeyLookup.Result.TempError e -> {
        return result(sig, DkimResult.Code.TEMPERROR, e.reason(), false, false);
      }
      case DkimKeyLookup.Result.None n -> {
        return result(sig, DkimResult.Code.PERMERROR, n.reason(), false, false);
      }
      case DkimKeyLookup.Result.PermError p -> {
        return result(sig, DkimResult.Code.PERMERROR, p.reason(), false, false);
      }
    }
    boolean testing = key.testing();
    if (key.revoked()) {
      return result(sig, DkimResult.Code.PERMERROR, "key revoked", false, testing);
    }
    if (!key.keyType().equals(sig.algorithm().keyType())) {
      return result(
          sig,
          DkimResult.Code.PERMERROR,
          "key type " + key.keyType() + " does not suit a=" + sig.algorithm().tag(),
          false,
          testing);
    }
    if (!key.allowsHash(sig.algorithm().hashName())) {
      return result(sig, DkimResult.Code.PERMERROR, "key h= does not allow sha256", false, testing);
    }
    if (!key.allowsEmail()) {
      return result(
          sig,
          DkimResult.Code.POLICY,
          "key s= " + key.services() + " excludes email",
          false,
          testing);
    }
    if (key.strict() && !auidDomain(sig).equals(sig.domain())) {
      return result(
          sig,
          DkimResult.Code.POLICY,
          "key t=s and i= is a sub-domain of d=" + sig.domain(),
          false,
          testing);
    }
    long limit = sig.length().orElse(-1);
    String bodyKey = sig.bodyCanon() + "/" + limit;
    Canonicalization.BodyHash bh =
        bodyHashes.computeIfAbsent(bodyKey, k -> sig.bodyCanon().hashBody(body, limit));
    if (sig.length().isPresent() && sig.length().getAsLong() > bh.canonicalLength()) {
      return result(
          sig,
          DkimResult.Code.PERMERROR,
          "l="
              + sig.length().getAsLong()
              + " exceeds the body's "
              + bh.canonicalLength()
              + " octets",
          false,
          testing);
    }
    boolean partial = bh.partial();
    if (!MessageDigest.isEqual(bh.hash(), sig.bodyHash())) {
      return testingOr(sig, "body hash did not verify", partial, testing);
    }
    byte[] data = headerData(fields, sig);
    PublicKey pub = key.publicKey().orElseThrow();
    boolean ok;
    try {
      ok = sig.algorithm().verify(pub, data, sig.signature());
    } catch (DkimException e) {
      return result(sig, DkimResult.Code.PERMERROR, e.getMessage(), partial, testing);
    }
    if (!ok) {
      return testingOr(sig, "signature did not verify", partial, testing);
    }
    return result(
        sig,
        DkimResult.Code.PASS,
        partial
            ? "signature verified; l= leaves "
                + (bh.canonicalLength() - bh.hashedLength())
                + " of "
                + bh.canonicalLength()
                + " body octets unsigned"
            : "signature verified",
        partial,
        testing);
  }

  /**
   * The octets the signature covers (section 3.7): the fields {@code h=} selects, canonicalised,
   * then the signature's own field with {@code b=} emptied and without its final CRLF.
   *
   * @param fields the header fields without the signature's own field
   */
  static byte[] headerData(List<String> fields, DkimSignature sig) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    Canonicalization c = sig.headerCanon();
    for (String f : DkimHeaders.select(fields, sig.headers())) {
      out.writeBytes(c.header(f).getBytes(StandardCharsets.ISO_8859_1));
    }
    String self = c.header(DkimSignature.withoutSignatureValue(sig.rawField()));
    out.writeBytes(self.substring(0, self.length() - 2).getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  private static String auidDomain(DkimSignature sig) {
    String i = sig.identity();
    return i.substring(i.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
  }

  private static DkimResult testingOr(
      DkimSignature sig, String reason, boolean partial, boolean testing) {
    // RFC 6376 section 3.6.1: a failure under a key in testing mode must not count against the
    // message, so it is reported as neutral.
    return testing
        ? result(sig, DkimResult.Code.NEUTRAL, reason + " (key in testing mode)", partial, true)
        : result(sig, DkimResult.Code.FAIL, reason, partial, false);
  }

  private static DkimResult result(
      DkimSignature s, DkimResult.Code code, String reason, boolean partial, boolean testing) {
    return new DkimResult(
        code,
        reason,
        s.domain(),
        s.selector(),
        s.algorithm().tag(),
        s.identity(),
        s.signatureText(),
        s.length(),
        partial,
        testing);
  }

  /** A result for a field that did not parse: whatever tags can still be read, for reporting. */
  private static DkimResult failed(String field, DkimResult.Code code, String reason) {
    Map<String, String> tags = Map.of();
    try {
      int colon = field.indexOf(':');
      tags = TagList.parse(field.substring(colon + 1));
    } catch (DkimException | IndexOutOfBoundsException e) {
      // nothing readable: report without tags
    }
    return new DkimResult(
        code,
        reason,
        tags.getOrDefault("d", "").toLowerCase(Locale.ROOT),
        tags.getOrDefault("s", ""),
        tags.getOrDefault("a", ""),
        tags.getOrDefault("i", ""),
        TagList.removeFws(tags.getOrDefault("b", "")),
        OptionalLong.empty(),
        false,
        false);
  }

  private static DkimResult withReason(DkimResult r, String reason) {
    return new DkimResult(
        r.code(),
        reason,
        r.domain(),
        r.selector(),
        r.algorithm(),
        r.identity(),
        r.signatureText(),
        r.length(),
        r.partialBody(),
        r.testing());
  }
}
