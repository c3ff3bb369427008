package dev.mailfilter.auth;

import com.google.common.base.Suppliers;
import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.dns.DnsResolver;
import dev.mailfilter.dns.DnsSettings;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.Key;
import dev.mailfilter.spi.SymbolDef;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * ARC at end of data ({@code checks.arc}): validates the message's Authenticated Received Chain and
 * reports it with Rspamd's symbols and default scores; with a {@code seal} section it also adds
 * this host's ARC set, as a forwarding gateway must so that the next hop can trust what it saw
 * here.
 *
 * <p>The result is kept in the transaction ({@link #RESULT}) for DMARC's trusted-sealer override
 * and the {@code Authentication-Results} header: read it with {@link #result(CheckContext,
 * ArcVerifier)}, which computes it once whichever check asks first.
 */
public final class ArcCheck implements Check {
  /** The chain's validation, computed once per transaction. */
  static final Key<ArcResult> RESULT = Key.of("arc.chain");

  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of("ARC_ALLOW", -1.0, "ARC pass: every seal and the newest AMS verify"),
          SymbolDef.of(
              "ARC_REJECT", 1.0, "ARC fail: a signature does not verify or a sealer recorded fail"),
          SymbolDef.of("ARC_INVALID", 0.5, "ARC fail: the chain's structure or tags are invalid"),
          SymbolDef.of("ARC_DNSFAIL", 0.0, "ARC: a key lookup failed or timed out"),
          SymbolDef.of("ARC_NA", 0.0, "no ARC sets"));

  /** The header fields the AMS signs unless {@code seal.headers} says otherwise. */
  public static final List<String> DEFAULT_SEAL_HEADERS;

  static {
    List<String> h = new ArrayList<>(DkimSigner.DEFAULT_HEADERS);
    // Also the signatures the message arrived with: a later hop sees that they were not altered.
    h.add("dkim-signature");
    DEFAULT_SEAL_HEADERS = List.copyOf(h);
  }

  /**
   * How this host seals: the sealer, and the authserv-id and method results of the AAR (the lines
   * of {@code Authentication-Results}, so both say the same).
   */
  record Seal(
      ArcSealer sealer,
      String authservId,
      List<Function<CheckContext, List<MethodResult>>> methods) {}

  private final Supplier<ArcVerifier> verifier;
  private final Optional<Seal> seal;
  private final Clock clock;

  private ArcCheck(Supplier<ArcVerifier> verifier, Optional<Seal> seal, Clock clock) {
    this.verifier = verifier;
    this.seal = seal;
    this.clock = clock;
  }

  /**
   * Factory for {@code checks.arc}: an optional {@code seal} section with {@code domain}, {@code
   * selector}, {@code key} (PEM file, read now), {@code authserv_id}, {@code headers} and {@code
   * algorithm} (checked against the key).
   *
   * @throws dev.mailfilter.config.ConfigException naming the key of a missing or bad setting
   */
  public static ArcCheck create(CheckSetup setup) {
    ConfigNode o = setup.options();
    Optional<Seal> seal = Optional.empty();
    ConfigNode s = o.section("seal");
    if (!s.keys().isEmpty()) {
      String domain = required(s, "domain");
      String selector = required(s, "selector");
      String authservId = required(s, "authserv_id");
      List<String> headers = s.strings("headers");
      SigningKey key = SigningKey.fromConfig(s);
      try {
        seal =
            Optional.of(
                new Seal(
                    ArcSealer.create(
                        domain, selector, key, headers.isEmpty() ? DEFAULT_SEAL_HEADERS : headers),
                    authservId,
                    AuthenticationResultsCheck.methods(setup)));
      } catch (IllegalArgumentException e) {
        throw s.error("headers", e.getMessage());
      }
    }
    return new ArcCheck(verifierFor(setup), seal, Clock.systemUTC());
  }

  private static String required(ConfigNode o, String key) {
    String v = o.string(key, "").strip();
    if (v.isEmpty()) {
      throw o.error(key, "required for sealing");
    }
    return v;
  }

  /**
   * A verifier on the {@code dns} section's resolver, made on first use: for other checks that read
   * {@link #result(CheckContext, ArcVerifier)}.
   */
  public static Supplier<ArcVerifier> verifierFor(CheckSetup setup) {
    DnsSettings dns = setup.section(DnsSettings.SECTION);
    return Suppliers.memoize(() -> ArcVerifier.create(DkimKeyLookup.dns(DnsResolver.create(dns))));
  }

  /**
   * The validation of the transaction's message, computed with {@code verifier} by whichever caller
   * asks first and then shared. Only at {@link Stage#DATA}.
   */
  public static ArcResult result(CheckContext ctx, ArcVerifier verifier) {
    return ctx.computeIfAbsent(
        RESULT,
        c ->
            verifier.verify(
                c.message(), new Deadline(System.nanoTime() + c.remaining().toNanos())));
  }

  @Override
  public String name() {
    return "arc";
  }

  @Override
  public Stage stage() {
    return Stage.DATA;
  }

  @Override
  public List<SymbolDef> symbols() {
    return SYMBOLS;
  }

  @Override
  public void run(CheckContext ctx) {
    ArcResult r = result(ctx, verifier.get());
    String symbol =
        switch (r.failure()) {
          case NONE -> r.cv() == ArcResult.Cv.PASS ? "ARC_ALLOW" : "ARC_NA";
          case MALFORMED -> "ARC_INVALID";
          case BROKEN -> "ARC_REJECT";
          case TEMPORARY -> "ARC_DNSFAIL";
        };
    List<String> options = new ArrayList<>();
    r.newest().ifPresent(n -> options.add(n.sealerDomain() + ":i=" + n.instance()));
    options.add(r.reason());
    ctx.addSymbol(symbol, options.toArray(String[]::new));
    if (seal.isPresent()) {
      Seal s = seal.get();
      // The AAR payload: our results as Authentication-Results gives them (DKIM computed here if
      // the dkim check has not yet, DMARC when that check is on), ARC's own included.
      String aar = AuthenticationResultsCheck.results(ctx, s.authservId(), s.methods()).format();
      s.sealer()
          .seal(ctx.message(), ctx.rawBytes(), r, aar, clock.instant())
          .ifPresent(
              f -> {
                for (Map.Entry<String, String> e : f.fields()) {
                  ctx.addHeader(e.getKey(), e.getValue());
                }
              });
    }
  }
}
