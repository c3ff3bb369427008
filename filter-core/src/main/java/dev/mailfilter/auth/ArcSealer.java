package dev.mailfilter.auth;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import dev.mailfilter.auth.ArcChain.ArcSet;
import dev.mailfilter.auth.ArcResult.Cv;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.mime.ParsedMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Adds this host's ARC set to a message as an intermediary (RFC 8617 section 5.1): an
 * ARC-Authentication-Results carrying our {@code Authentication-Results}, an ARC-Message-Signature
 * over the header fields configured and the body, and an ARC-Seal over all the sets, with the
 * {@code cv=} of the chain as we validated it.
 *
 * <p>Output form as the ValiMail signing suite fixes it: tags in alphabetical order,
 * relaxed/relaxed for the AMS; the algorithm is the key's ({@code rsa-sha256} for RSA keys, as the
 * suite uses, or {@code ed25519-sha256}). Signing goes through {@link DkimSigner#signedValue}, the
 * code path of DKIM signatures.
 */
public final class ArcSealer {
  private final String domain;
  private final String selector;
  private final SigningKey key;
  private final List<String> headers;

  private ArcSealer(String domain, String selector, SigningKey key, List<String> headers) {
    this.domain = domain;
    this.selector = selector;
    this.key = key;
    this.headers = headers;
  }

  /**
   * A sealer for {@code d=domain}, {@code s=selector}.
   *
   * @param headers the header names the AMS signs ({@code h=}); must not name {@code arc-seal} (RFC
   *     8617 section 4.1.2)
   * @throws IllegalArgumentException for an empty domain, selector or header list, or one naming
   *     {@code arc-seal}
   */
  public static ArcSealer create(
      String domain, String selector, SigningKey key, List<String> headers) {
    requireNonNull(key, "key");
    checkArgument(!domain.isBlank(), "empty sealing domain");
    checkArgument(!selector.isBlank(), "empty selector for %s", domain);
    List<String> h = headers.stream().map(n -> n.strip().toLowerCase(Locale.ROOT)).toList();
    checkArgument(!h.isEmpty() && !h.contains(""), "bad AMS header list: %s", headers);
    checkArgument(!h.contains("arc-seal"), "the AMS must not sign arc-seal: %s", headers);
    return new ArcSealer(
        domain.toLowerCase(Locale.ROOT), selector.toLowerCase(Locale.ROOT), key, List.copyOf(h));
  }

  /**
   * The three fields of a new ARC set, to prepend in the order {@link #fields()} gives.
   *
   * @param seal the ARC-Seal value
   * @param messageSignature the ARC-Message-Signature value
   * @param authResults the ARC-Authentication-Results value
   */
  public record ArcFields(String seal, String messageSignature, String authResults) {
    /** Validates. */
    public ArcFields {
      requireNonNull(seal, "seal");
      requireNonNull(messageSignature, "messageSignature");
      requireNonNull(authResults, "authResults");
    }

    /**
     * Name and value pairs, topmost first: ARC-Seal, ARC-Message-Signature,
     * ARC-Authentication-Results (RFC 8617 section 4.1 keeps a set together, newest on top).
     */
    public List<Map.Entry<String, String>> fields() {
      return List.of(
          Map.entry(ArcChain.SEAL, seal),
          Map.entry(ArcChain.AMS, messageSignature),
          Map.entry(ArcChain.AAR, authResults));
    }
  }

  /**
   * Seals {@code message}.
   *
   * @param chain the chain as validated on receipt ({@link ArcVerifier})
   * @param authResults our {@code Authentication-Results} payload: authserv-id and results, without
   *     {@code i=} (it becomes the AAR)
   * @param time the signatures' {@code t=}
   * @return the new set; empty when RFC 8617 says not to add one: the newest seal already recorded
   *     {@code cv=fail} (section 5.1.1 step 1: the chain is dead), the chain is too malformed to
   *     number a new set, or it already has 50 sets (section 4.2.1)
   */
  public Optional<ArcFields> seal(
      ParsedMessage message, ArcResult chain, String authResults, Instant time) {
    requireNonNull(chain, "chain");
    requireNonNull(time, "time");
    ArcChain existing = ArcChain.of(message.headers());
    if (chain.cv() == Cv.FAIL && chain.instances().isEmpty()) {
      return Optional.empty();
    }
    if (existing.failure().isPresent()) {
      return Optional.empty();
    }
    List<ArcSet> sets = existing.sets();
    if (!sets.isEmpty() && "fail".equals(sets.getLast().sealTags().get("cv"))) {
      return Optional.empty();
    }
    if (sets.size() >= ArcChain.MAX_INSTANCES) {
      return Optional.empty();
    }
    int i = sets.size() + 1;
    Cv cv = i == 1 ? Cv.NONE : chain.cv() == Cv.PASS ? Cv.PASS : Cv.FAIL;
    String t = Long.toString(time.getEpochSecond());
    String instance = Integer.toString(i);

    String aar = "i=" + i + "; " + authResults.strip();
    String aarField = ArcChain.AAR + ": " + aar;

    List<String> fields = new ArrayList<>();
    fields.add(aarField);
    fields.addAll(DkimHeaders.rawFields(message));
    List<String[]> amsTags = new ArrayList<>();
    amsTags.add(new String[] {"a", key.algorithm().tag()});
    amsTags.add(new String[] {"b", ""});
    amsTags.add(new String[] {"bh", DkimSigner.bodyHash(message)});
    amsTags.add(new String[] {"c", "relaxed/relaxed"});
    amsTags.add(new String[] {"d", domain});
    amsTags.add(new String[] {"h", String.join(":", headers)});
    amsTags.add(new String[] {"i", instance});
    amsTags.add(new String[] {"s", selector});
    amsTags.add(new String[] {"t", t});
    String ams =
        DkimSigner.signedValue(ArcChain.AMS, amsTags, DkimHeaders.select(fields, headers), key);

    List<String> sealed = new ArrayList<>();
    // A seal recording cv=fail covers only its own set: the rule of draft-ietf-dmarc-arc-protocol
    // (section 5.1.2, "as if this newest ARC Set was the only set present") that the ValiMail suite
    // expects (i1_base_fail, i2_base_fail). A validator stops at a cv=fail seal without checking
    // its signature, so the scope only matters to those who reproduce the suite's bytes.
    for (ArcSet s : cv == Cv.FAIL ? List.<ArcSet>of() : sets) {
      sealed.add(raw(s.aar()));
      sealed.add(raw(s.ams()));
      sealed.add(raw(s.seal()));
    }
    sealed.add(aarField);
    sealed.add(ArcChain.AMS + ": " + ams);
    List<String[]> sealTags = new ArrayList<>();
    sealTags.add(new String[] {"a", key.algorithm().tag()});
    sealTags.add(new String[] {"b", ""});
    sealTags.add(new String[] {"cv", cv.keyword()});
    sealTags.add(new String[] {"d", domain});
    sealTags.add(new String[] {"i", instance});
    sealTags.add(new String[] {"s", selector});
    sealTags.add(new String[] {"t", t});
    String seal = DkimSigner.signedValue(ArcChain.SEAL, sealTags, sealed, key);
    return Optional.of(new ArcFields(seal, ams, aar));
  }

  private static String raw(HeaderField f) {
    return DkimHeaders.stripLineEnd(f.rawField().latin1());
  }
}
