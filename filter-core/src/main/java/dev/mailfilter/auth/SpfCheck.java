package dev.mailfilter.auth;

import com.google.common.base.Suppliers;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Reply;
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
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * SPF at MAIL FROM ({@code checks.spf}): checks the MAIL FROM identity (for the null sender, {@code
 * postmaster@<helo>}) and reports one symbol per result, with Rspamd's names and default scores so
 * that rules and dashboards written for Rspamd read the same. With {@code reject_fail} a {@code
 * fail} is refused at once with {@code 550 5.7.23} (RFC 7372) and the domain's explanation.
 *
 * <p>With {@code helo} (the default) the HELO identity is checked too, after MAIL FROM, and
 * reported as an informational {@code R_SPF_HELO_*} symbol; for the null sender it is the MAIL FROM
 * evaluation itself. Both results are kept in the transaction ({@link #mailFrom}, {@link #helo})
 * for DMARC and the {@code Authentication-Results} header later in the same transaction.
 */
public final class SpfCheck implements Check {
  /** The MAIL FROM result of the transaction, computed once. */
  static final Key<SpfResult> RESULT = Key.of("spf.mailfrom");

  /** The HELO result of the transaction, computed once when {@code helo} is on. */
  static final Key<SpfResult> HELO_RESULT = Key.of("spf.helo");

  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of("R_SPF_ALLOW", -0.2, "SPF pass: the client may send for the sender domain"),
          SymbolDef.of("R_SPF_FAIL", 1.0, "SPF fail: the sender domain forbids this client (-all)"),
          SymbolDef.of("R_SPF_SOFTFAIL", 0.0, "SPF softfail: probably not authorized (~all)"),
          SymbolDef.of("R_SPF_NEUTRAL", 0.0, "SPF neutral: the domain says nothing (?all)"),
          SymbolDef.of("R_SPF_NA", 0.0, "SPF none: no SPF record, or no valid domain"),
          SymbolDef.of("R_SPF_DNSFAIL", 0.0, "SPF temperror: a DNS lookup failed or timed out"),
          SymbolDef.of("R_SPF_PERMFAIL", 0.0, "SPF permerror: the record is broken or too big"),
          // The HELO identity (RFC 7208 section 2.3), informational: DMARC aligns with MAIL FROM,
          // and a HELO name without a record is the rule, not a sign of spam.
          SymbolDef.of("R_SPF_HELO_ALLOW", 0.0, "SPF pass for the HELO name"),
          SymbolDef.of("R_SPF_HELO_FAIL", 0.0, "SPF fail for the HELO name"),
          SymbolDef.of("R_SPF_HELO_SOFTFAIL", 0.0, "SPF softfail for the HELO name"),
          SymbolDef.of("R_SPF_HELO_NEUTRAL", 0.0, "SPF neutral for the HELO name"),
          SymbolDef.of("R_SPF_HELO_NA", 0.0, "SPF none for the HELO name"),
          SymbolDef.of("R_SPF_HELO_DNSFAIL", 0.0, "SPF temperror for the HELO name"),
          SymbolDef.of("R_SPF_HELO_PERMFAIL", 0.0, "SPF permerror for the HELO name"));

  // The longest explanation quoted in a reply: RFC 5321 limits a reply line to 512 octets.
  private static final int MAX_REPLY_EXPLANATION = 400;

  private final boolean rejectFail;
  private final boolean helo;
  private final SpfSettings settings;
  private final Supplier<SpfVerifier> verifier;

  private SpfCheck(boolean rejectFail, boolean helo, SpfSettings settings, DnsSettings dns) {
    this.rejectFail = rejectFail;
    this.helo = helo;
    this.settings = settings;
    // The resolver is made on first use: creating a check must stay cheap (CheckFactory).
    this.verifier = Suppliers.memoize(() -> SpfVerifier.create(DnsResolver.create(dns), settings));
  }

  /**
   * Factory for {@code checks.spf}: options {@code reject_fail} (default false), {@code receiver}
   * (this host's name for the {@code %{r}} macro, default {@code unknown}), {@code
   * default_explanation} and {@code helo} (also check the HELO identity, default true).
   */
  public static SpfCheck create(CheckSetup setup) {
    ConfigNode o = setup.options();
    SpfSettings s = SpfSettings.DEFAULTS;
    s = s.withReceiver(o.string("receiver", s.receiver()));
    String explanation = o.string("default_explanation", s.defaultExplanation());
    try {
      MacroString.parse(explanation, true);
    } catch (SpfException e) {
      throw o.error("default_explanation", e.getMessage());
    }
    s = s.withDefaultExplanation(explanation);
    boolean reject = o.bool("reject_fail", false);
    boolean helo = o.bool("helo", true);
    return new SpfCheck(reject, helo, s, setup.section(DnsSettings.SECTION));
  }

  @Override
  public String name() {
    return "spf";
  }

  @Override
  public Stage stage() {
    return Stage.MAIL_FROM;
  }

  @Override
  public List<SymbolDef> symbols() {
    return SYMBOLS;
  }

  /** The settings the check evaluates with. */
  public SpfSettings settings() {
    return settings;
  }

  @Override
  public void run(CheckContext ctx) {
    Deadline deadline = new Deadline(System.nanoTime() + ctx.remaining().toNanos());
    SpfResult r =
        ctx.computeIfAbsent(
            RESULT,
            c ->
                verifier
                    .get()
                    .checkMailFrom(
                        c.connection().clientAddress(),
                        c.envelope().helo(),
                        c.envelope().sender(),
                        deadline));
    ctx.addSymbol(symbol("R_SPF_", r.code()), r.domain(), r.reason());
    if (rejectFail && r.code() == SpfResult.Code.FAIL) {
      String why = r.explanation().orElse(r.reason());
      if (why.length() > MAX_REPLY_EXPLANATION) {
        why = why.substring(0, MAX_REPLY_EXPLANATION);
      }
      ctx.forceAction(
          Action.REJECT,
          "SPF fail for " + r.domain(),
          Reply.of(550, "5.7.23", "SPF validation failed: " + why));
      return; // refused: the HELO identity would change nothing
    }
    if (helo) {
      // After MAIL FROM, whose result may refuse: the HELO lookups get what time is left.
      SpfResult h =
          ctx.computeIfAbsent(
              HELO_RESULT,
              c ->
                  c.envelope().sender().isEmpty()
                      // For <> the MAIL FROM identity is postmaster@<helo>: the same evaluation.
                      ? new SpfResult(
                          r.code(),
                          SpfResult.Identity.HELO,
                          r.domain(),
                          r.sender(),
                          r.explanation(),
                          r.reason())
                      : verifier
                          .get()
                          .checkHelo(
                              c.connection().clientAddress(), c.envelope().helo(), deadline));
      ctx.addSymbol(symbol("R_SPF_HELO_", h.code()), h.domain(), h.reason());
    }
  }

  private static String symbol(String prefix, SpfResult.Code code) {
    return prefix
        + switch (code) {
          case PASS -> "ALLOW";
          case FAIL -> "FAIL";
          case SOFTFAIL -> "SOFTFAIL";
          case NEUTRAL -> "NEUTRAL";
          case NONE -> "NA";
          case TEMPERROR -> "DNSFAIL";
          case PERMERROR -> "PERMFAIL";
        };
  }

  /**
   * The transaction's MAIL FROM result, when the {@code spf} check ran (it runs at MAIL FROM,
   * before any check that reads this at a later stage); empty when it is off or did not finish.
   */
  public static Optional<SpfResult> mailFrom(CheckContext ctx) {
    return Optional.ofNullable(ctx.computeIfAbsent(RESULT, c -> null));
  }

  /**
   * The transaction's HELO result, when the {@code spf} check ran with {@code helo} on; empty
   * otherwise.
   */
  public static Optional<SpfResult> helo(CheckContext ctx) {
    return Optional.ofNullable(ctx.computeIfAbsent(HELO_RESULT, c -> null));
  }
}
