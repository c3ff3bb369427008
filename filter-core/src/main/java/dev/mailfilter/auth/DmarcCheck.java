package dev.mailfilter.auth;

import com.google.common.base.Suppliers;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Addresses;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.dns.DnsAnswer;
import dev.mailfilter.dns.DnsResolver;
import dev.mailfilter.dns.DnsSettings;
import dev.mailfilter.dns.QueryType;
import dev.mailfilter.mime.Address;
import dev.mailfilter.mime.Group;
import dev.mailfilter.mime.Mailbox;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.Key;
import dev.mailfilter.spi.SymbolDef;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * DMARC at end of data ({@code checks.dmarc}): evaluates the From domain's policy with the
 * transaction's SPF result, the passing DKIM signatures (the {@code dkim} check's results, or
 * verified here when that check is off) and ARC evidence (see {@link DmarcEvaluator}), reports one
 * of Rspamd's symbols, and applies the policy as an action: {@code reject} refused with {@code 550
 * 5.7.1}, {@code quarantine} held, each switchable. A tenant changes the applied action with {@code
 * action_overrides} like any demanded action.
 *
 * <p>The result is kept in the transaction for {@code Authentication-Results} and the ARC seal's
 * {@code ARC-Authentication-Results}: read it with {@link #result(CheckContext, DmarcCheck)}, which
 * evaluates it once whichever check asks first (checks of one stage run in parallel). With {@code
 * report_dir}, each message with a DMARC record leaves a row for aggregate reports.
 */
public final class DmarcCheck implements Check, AutoCloseable {
  /**
   * The transaction's DMARC result, computed once. Private to {@link #result}: a reader that only
   * looked the value up could cache nothing before this check ran.
   */
  private static final Key<DmarcResult> RESULT = Key.of("dmarc.result");

  /**
   * The ARC chain's evidence for the trusted-sealer override, made from {@link ArcCheck#result} at
   * DATA (only when {@code trusted_arc_sealers} is set: otherwise no key is looked up for it). A
   * check running before DATA may put other evidence here, as the policy tests do.
   */
  static final Key<Optional<ArcEvidence>> ARC_EVIDENCE = Key.of("dmarc.arc-evidence");

  /** The SPF result DMARC evaluated itself because the {@code spf} check did not run. */
  private static final Key<SpfResult> OWN_SPF = Key.of("dmarc.spf");

  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of("DMARC_POLICY_ALLOW", -0.5, "DMARC pass: an aligned identifier passed"),
          SymbolDef.of("DMARC_POLICY_REJECT", 2.0, "DMARC fail, the domain asks to reject"),
          SymbolDef.of("DMARC_POLICY_QUARANTINE", 1.5, "DMARC fail, the domain asks to quarantine"),
          SymbolDef.of(
              "DMARC_POLICY_SOFTFAIL", 0.1, "DMARC fail with no policy applied (p=none, t=y)"),
          SymbolDef.of("DMARC_NA", 0.0, "no DMARC record for the From domain"),
          SymbolDef.of("DMARC_DNSFAIL", 0.0, "DMARC temperror: a DNS lookup failed"),
          SymbolDef.of("DMARC_BAD_POLICY", 0.5, "DMARC permerror: bad policy or several From"),
          SymbolDef.of(
              "DMARC_ARC_OVERRIDE",
              0.0,
              "DMARC fail not applied: a trusted ARC sealer saw it authenticate"));

  private final DmarcEvaluator evaluator;
  private final boolean applyReject;
  private final boolean applyQuarantine;
  private final Supplier<DnsResolver> resolver;
  private final Supplier<SpfVerifier> spf;
  private final Supplier<DkimVerifier> dkim;
  private final Supplier<ArcVerifier> arc;
  private final boolean arcOverride;
  // The report store is opened by prepare(): the factory also runs for a disabled check.
  private final Optional<StoreSpec> storeSpec;
  private volatile DmarcReportStore store = DmarcReportStore.discarding();
  private DailyFileReportStore ownStore;

  /** Where the report rows go, and how to name the key when that fails. */
  private record StoreSpec(Path dir, int capacity, Function<String, RuntimeException> error) {}

  private DmarcCheck(
      DmarcEvaluator evaluator,
      boolean applyReject,
      boolean applyQuarantine,
      DnsSettings dns,
      Supplier<DkimVerifier> dkim,
      Supplier<ArcVerifier> arc,
      boolean arcOverride,
      Optional<StoreSpec> storeSpec) {
    this.evaluator = evaluator;
    this.applyReject = applyReject;
    this.applyQuarantine = applyQuarantine;
    // Made on first use: creating a check must stay cheap (CheckFactory).
    this.resolver = Suppliers.memoize(() -> DnsResolver.create(dns));
    this.spf = Suppliers.memoize(() -> SpfVerifier.create(resolver.get(), SpfSettings.DEFAULTS));
    this.dkim = dkim;
    this.arc = arc;
    this.arcOverride = arcOverride;
    this.storeSpec = storeSpec;
  }

  /**
   * Factory for {@code checks.dmarc}: options {@code mode} ({@code bis} or {@code psl}), {@code
   * public_suffix_list} (a file for {@code psl}; empty = Guava's list), {@code apply_reject},
   * {@code apply_quarantine}, {@code trusted_arc_sealers}, {@code report_dir}, {@code
   * report_queue}.
   */
  public static DmarcCheck create(CheckSetup setup) {
    ConfigNode o = setup.options();
    DmarcEvaluator.Mode mode =
        o.enumValue("mode", DmarcEvaluator.Mode.class, DmarcEvaluator.Mode.BIS);
    String pslPath = o.string("public_suffix_list", "");
    PublicSuffixList psl;
    if (pslPath.isEmpty()) {
      psl = PublicSuffixList.guava();
    } else {
      try {
        psl = PublicSuffixList.read(Path.of(pslPath));
      } catch (IOException e) {
        throw o.error("public_suffix_list", e.getMessage());
      }
    }
    List<String> sealers = o.strings("trusted_arc_sealers");
    for (String s : sealers) {
      if (DmarcEvaluator.normalize(s).isEmpty()) {
        throw o.error("trusted_arc_sealers", "not a domain name: " + s);
      }
    }
    boolean reject = o.bool("apply_reject", true);
    boolean quarantine = o.bool("apply_quarantine", true);
    String dir = o.string("report_dir", "");
    int queue = (int) o.integer("report_queue", 10_000, 1, 1_000_000);
    Optional<StoreSpec> store = Optional.empty();
    if (!dir.isEmpty()) {
      try {
        store = Optional.of(new StoreSpec(Path.of(dir), queue, r -> o.error("report_dir", r)));
      } catch (java.nio.file.InvalidPathException e) {
        throw o.error("report_dir", "not a path: " + dir);
      }
    }
    return new DmarcCheck(
        DmarcEvaluator.create(mode, psl, sealers),
        reject,
        quarantine,
        setup.section(DnsSettings.SECTION),
        DkimCheck.verifierFor(setup),
        ArcCheck.verifierFor(setup),
        !sealers.isEmpty(),
        store);
  }

  /**
   * The transaction's DMARC result, evaluated with {@code dmarc}'s settings by whichever caller
   * asks first and then shared; a caller that comes while another evaluates waits for it. Only at
   * {@link Stage#DATA}. Other checks get {@code dmarc} with {@link
   * dev.mailfilter.spi.CheckSetup#peer(Class)}: empty when DMARC is off, and then there is no
   * result to report.
   */
  public static DmarcResult result(CheckContext ctx, DmarcCheck dmarc) {
    return ctx.computeIfAbsent(RESULT, dmarc::evaluate);
  }

  @Override
  public String name() {
    return "dmarc";
  }

  @Override
  public Stage stage() {
    return Stage.DATA;
  }

  @Override
  public List<SymbolDef> symbols() {
    return SYMBOLS;
  }

  /** The evaluator this check uses. */
  public DmarcEvaluator evaluator() {
    return evaluator;
  }

  @Override
  public void run(CheckContext ctx) {
    DmarcResult r = result(ctx, this);
    String domain = r.authorDomain().isEmpty() ? "(none)" : r.authorDomain();
    switch (r.code()) {
      case PASS -> ctx.addSymbol("DMARC_POLICY_ALLOW", domain, r.reason());
      case NONE -> ctx.addSymbol("DMARC_NA", domain, r.reason());
      case TEMPERROR -> ctx.addSymbol("DMARC_DNSFAIL", domain, r.reason());
      case PERMERROR -> ctx.addSymbol("DMARC_BAD_POLICY", domain, r.reason());
      case FAIL -> {
        String policy = r.source().name().toLowerCase(Locale.ROOT) + "=" + r.requested().keyword();
        switch (r.disposition()) {
          case REJECT -> {
            ctx.addSymbol("DMARC_POLICY_REJECT", domain, policy);
            if (applyReject) {
              ctx.forceAction(
                  Action.REJECT,
                  "DMARC " + policy + " for " + domain,
                  Reply.of(
                      550,
                      "5.7.1",
                      "Email from " + domain + " rejected per DMARC policy (" + policy + ")"));
            }
          }
          case QUARANTINE -> {
            ctx.addSymbol("DMARC_POLICY_QUARANTINE", domain, policy);
            if (applyQuarantine) {
              ctx.forceAction(Action.QUARANTINE, "DMARC " + policy + " for " + domain);
            }
          }
          case NONE -> ctx.addSymbol("DMARC_POLICY_SOFTFAIL", domain, policy);
        }
        r.arcSealer().ifPresent(s -> ctx.addSymbol("DMARC_ARC_OVERRIDE", domain, s));
      }
    }
  }

  private DmarcResult evaluate(CheckContext c) {
    ParsedMessage m = c.message();
    int fields = m.headers().all("From").size();
    if (fields == 0) {
      return DmarcResult.without(DmarcResult.Code.NONE, "", "no From field");
    }
    if (fields > 1) {
      return DmarcResult.without(DmarcResult.Code.PERMERROR, "", fields + " From fields");
    }
    Set<String> domains = new LinkedHashSet<>();
    for (Address a : m.from()) {
      switch (a) {
        case Mailbox mb -> domains.add(mb.domain().toLowerCase(Locale.ROOT));
        case Group g ->
            g.members().forEach(mb -> domains.add(mb.domain().toLowerCase(Locale.ROOT)));
      }
    }
    domains.remove("");
    if (domains.isEmpty()) {
      return DmarcResult.without(DmarcResult.Code.NONE, "", "no domain in From");
    }
    if (domains.size() > 1) {
      // RFC 9989 section 5.3.1: validation is not possible; a known way to dodge it.
      return DmarcResult.without(
          DmarcResult.Code.PERMERROR, "", "several From domains: " + String.join(", ", domains));
    }
    Deadline deadline = new Deadline(System.nanoTime() + c.remaining().toNanos());
    // The spf check's result from MAIL FROM; evaluated here under a key of DMARC's own when that
    // check is off, so that Authentication-Results still reports no SPF it did not check.
    SpfResult spfResult =
        SpfCheck.mailFrom(c)
            .orElseGet(
                () ->
                    c.computeIfAbsent(
                        OWN_SPF,
                        x ->
                            spf.get()
                                .checkMailFrom(
                                    x.connection().clientAddress(),
                                    x.envelope().helo(),
                                    x.envelope().sender(),
                                    deadline)));
    // Shared with the dkim check when it runs; verified here when it is off.
    List<DkimResult> dkimResults = DkimCheck.results(c, dkim.get());
    List<String> dkimPassed = new ArrayList<>();
    for (DkimResult d : dkimResults) {
      if (d.code() == DkimResult.Code.PASS) {
        d.signingDomain().ifPresent(dkimPassed::add);
      }
    }
    DmarcInput input =
        new DmarcInput(
            domains.iterator().next(),
            DmarcInput.Spf.of(spfResult),
            dkimPassed,
            c.computeIfAbsent(ARC_EVIDENCE, this::arcEvidence));
    DmarcResult r = evaluator.evaluate(input, (name, type) -> query(name, type, deadline));
    if (r.record().isPresent()
        && (r.code() == DmarcResult.Code.PASS || r.code() == DmarcResult.Code.FAIL)) {
      store.append(row(c, r, dkimResults, spfResult));
    }
    return r;
  }

  /**
   * The ARC chain's validation ({@link ArcCheck#result}, shared with the arc check) as evidence.
   */
  private Optional<ArcEvidence> arcEvidence(CheckContext c) {
    if (!arcOverride) {
      return Optional.empty();
    }
    return evidence(ArcCheck.result(c, arc.get()));
  }

  /**
   * What DMARC needs of a validated chain: whether it passed, and each set's sealer with the
   * results its {@code ARC-Authentication-Results} recorded ({@code header.from} of {@code dmarc},
   * {@code header.d} of {@code dkim}, the domain of {@code smtp.mailfrom} of {@code spf}). A set
   * whose AAR cannot be read records nothing, so it vouches for nothing. Empty for no chain.
   */
  static Optional<ArcEvidence> evidence(ArcResult r) {
    if (r.cv() == ArcResult.Cv.NONE) {
      return Optional.empty();
    }
    List<ArcEvidence.Hop> hops = new ArrayList<>();
    for (ArcResult.ArcInstance i : r.instances()) {
      List<ArcEvidence.AuthResult> results = new ArrayList<>();
      AuthResults aar;
      try {
        aar = AuthResults.parse(i.authResults());
      } catch (IllegalArgumentException e) {
        aar = null;
      }
      if (aar != null) {
        for (MethodResult m : aar.results()) {
          Optional<String> domain =
              switch (m.methodKey()) {
                case "dmarc" -> m.property("header", "from");
                case "dkim" -> m.property("header", "d");
                case "spf" ->
                    m.property("smtp", "mailfrom")
                        .map(s -> s.contains("@") ? Addresses.domain(s) : s);
                default -> Optional.empty();
              };
          results.add(new ArcEvidence.AuthResult(m.method(), m.result(), domain));
        }
      }
      hops.add(new ArcEvidence.Hop(i.instance(), i.sealerDomain(), results));
    }
    return Optional.of(new ArcEvidence(r.cv() == ArcResult.Cv.PASS, hops));
  }

  private DnsAnswer query(String name, QueryType type, Deadline deadline) {
    try {
      return resolver.get().query(name, type, deadline).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new DnsAnswer(
          name,
          type,
          DnsAnswer.Status.TIMEOUT,
          List.of(),
          List.of(),
          List.of(),
          Duration.ZERO,
          false,
          Duration.ZERO);
    } catch (ExecutionException e) {
      throw new IllegalStateException("resolver future failed for " + name, e);
    }
  }

  private static DmarcReportRow row(
      CheckContext c, DmarcResult r, List<DkimResult> dkimResults, SpfResult spfResult) {
    DmarcRecord rec = r.record().orElseThrow();
    Optional<String> override = Optional.empty();
    if (r.arcSealer().isPresent()) {
      override = Optional.of("trusted_forwarder");
    } else if (r.disposition() != r.requested()) {
      override = Optional.of("policy_test_mode");
    }
    List<String> dkim = new ArrayList<>();
    for (DkimResult d : dkimResults) {
      d.signingDomain().ifPresent(domain -> dkim.add(domain + "=" + d.code().tag()));
    }
    List<String> rcpts = c.envelope().recipients();
    String to = rcpts.isEmpty() ? "" : Addresses.domain(rcpts.get(0));
    String sender = c.envelope().sender();
    return new DmarcReportRow(
        Instant.now(),
        c.connection().clientAddress().getHostAddress(),
        r.authorDomain(),
        sender.isEmpty() ? "" : Addresses.domain(sender),
        to,
        r.policyDomain().orElse(""),
        DmarcReportRow.Published.of(rec),
        r.disposition().keyword(),
        r.dkimAligned().isPresent() ? "pass" : "fail",
        r.spfAligned().isPresent() ? "pass" : "fail",
        override,
        dkim,
        spfResult.domain(),
        spfResult.code().keyword());
  }

  /** Opens the report store, when one is configured. */
  @Override
  public synchronized void prepare() {
    if (storeSpec.isEmpty() || ownStore != null) {
      return;
    }
    StoreSpec spec = storeSpec.get();
    try {
      ownStore = DailyFileReportStore.open(spec.dir(), spec.capacity());
    } catch (IOException e) {
      throw spec.error().apply("cannot create " + spec.dir() + ": " + e);
    }
    store = ownStore;
  }

  @Override
  public synchronized void close() {
    if (ownStore != null) {
      ownStore.close();
      ownStore = null;
      store = DmarcReportStore.discarding();
    }
  }
}
