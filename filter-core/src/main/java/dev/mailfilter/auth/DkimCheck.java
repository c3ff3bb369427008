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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * DKIM at end of data ({@code checks.dkim}): verifies every {@code DKIM-Signature} and reports
 * Rspamd's symbols with Rspamd's default scores, plus {@code DKIM_PARTIAL_BODY} for a passing
 * signature whose {@code l=} leaves part of the body unsigned (content can be appended to it).
 *
 * <p>The results are kept in the transaction ({@link #RESULTS}) for DMARC and the {@code
 * Authentication-Results} header: read them with {@link #results(CheckContext, DkimVerifier)},
 * which computes them once whichever check asks first (checks of one stage run in parallel).
 */
public final class DkimCheck implements Check {
  /** Every signature's result, top down, computed once per transaction. */
  static final Key<List<DkimResult>> RESULTS = Key.of("dkim.results");

  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of("R_DKIM_ALLOW", -0.2, "DKIM pass: a signature verified"),
          SymbolDef.of("R_DKIM_REJECT", 1.0, "DKIM fail: a signature or body hash did not verify"),
          SymbolDef.of("R_DKIM_TEMPFAIL", 0.0, "DKIM temperror: the key lookup failed"),
          SymbolDef.of(
              "R_DKIM_PERMFAIL",
              0.0,
              "DKIM permerror, neutral or policy: a signature that cannot be verified"),
          SymbolDef.of("R_DKIM_NA", 0.0, "no DKIM signature"),
          SymbolDef.of(
              "DKIM_PARTIAL_BODY",
              0.5,
              "DKIM pass with l=: part of the body is not covered by the signature"));

  private final Supplier<DkimVerifier> verifier;

  private DkimCheck(Supplier<DkimVerifier> verifier) {
    this.verifier = verifier;
  }

  /** Factory for {@code checks.dkim}: option {@code max_signatures} (default 10, 1 to 100). */
  public static DkimCheck create(CheckSetup setup) {
    ConfigNode o = setup.options();
    int max = (int) o.integer("max_signatures", DkimVerifier.DEFAULT_MAX_SIGNATURES, 1, 100);
    return new DkimCheck(verifier(setup.section(DnsSettings.SECTION), max));
  }

  /**
   * A verifier on the {@code dns} section's resolver, made on first use (creating a check must stay
   * cheap): for other checks that read {@link #results(CheckContext, DkimVerifier)}, with the
   * default signature limit.
   */
  public static Supplier<DkimVerifier> verifierFor(CheckSetup setup) {
    return verifier(setup.section(DnsSettings.SECTION), DkimVerifier.DEFAULT_MAX_SIGNATURES);
  }

  private static Supplier<DkimVerifier> verifier(DnsSettings dns, int maxSignatures) {
    return Suppliers.memoize(
        () ->
            DkimVerifier.create(
                DkimKeyLookup.dns(DnsResolver.create(dns)), Clock.systemUTC(), maxSignatures));
  }

  /**
   * The DKIM results of the transaction's message, top down (empty: no signature), computed with
   * {@code verifier} by whichever caller asks first and then shared. Only at {@link Stage#DATA}.
   */
  public static List<DkimResult> results(CheckContext ctx, DkimVerifier verifier) {
    return ctx.computeIfAbsent(
        RESULTS,
        c ->
            verifier.verify(
                c.message(),
                c.rawBytes(),
                new Deadline(System.nanoTime() + c.remaining().toNanos())));
  }

  @Override
  public String name() {
    return "dkim";
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
    List<DkimResult> results = results(ctx, verifier.get());
    if (results.isEmpty()) {
      ctx.addSymbol("R_DKIM_NA");
      return;
    }
    // One symbol per kind, with every signature of that kind as an option: a symbol added twice
    // would count its score twice.
    Map<String, List<String>> bySymbol = new LinkedHashMap<>();
    for (DkimResult r : results) {
      String id = (r.domain().isEmpty() ? "?" : r.domain()) + ":s=" + r.selector();
      String symbol =
          switch (r.code()) {
            case PASS -> "R_DKIM_ALLOW";
            case FAIL -> "R_DKIM_REJECT";
            case TEMPERROR -> "R_DKIM_TEMPFAIL";
            case PERMERROR, NEUTRAL, POLICY -> "R_DKIM_PERMFAIL";
          };
      bySymbol
          .computeIfAbsent(symbol, k -> new ArrayList<>())
          .add(
              r.code() == DkimResult.Code.PASS
                  ? id
                  : id + " " + r.code().tag() + ": " + r.reason());
      if (r.code() == DkimResult.Code.PASS && r.partialBody()) {
        bySymbol
            .computeIfAbsent("DKIM_PARTIAL_BODY", k -> new ArrayList<>())
            .add(id + " " + r.reason());
      }
    }
    bySymbol.forEach((symbol, options) -> ctx.addSymbol(symbol, options.toArray(String[]::new)));
  }
}
