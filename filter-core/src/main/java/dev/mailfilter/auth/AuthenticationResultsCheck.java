package dev.mailfilter.auth;

import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.mime.ByteView;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code Authentication-Results} ({@code checks.authentication_results}, RFC 8601) at end of data:
 * removes every such field from outside that claims our authserv-id (section 5; the other hosts'
 * fields stay) and puts ours at the top of the header with the transaction's results: SPF for the
 * MAIL FROM and the HELO identity, and the other methods' results as their checks give them.
 *
 * <p>The results come from the method checks' static accessors on the {@link CheckContext}, which
 * read the transaction's cached results, so the order of checks does not matter; a method whose
 * check is off is left out. Each method is one line of {@link #methods}.
 */
public final class AuthenticationResultsCheck implements Check {
  /** The check's name, its key under {@code checks}. */
  public static final String NAME = "authentication_results";

  /**
   * Where the method results come from, in the order the field lists them: one entry per method
   * family. SPF is read as the {@code spf} check left it at MAIL FROM (nothing when it is off);
   * DKIM and ARC through their checks' accessors, which compute the transaction's results once,
   * whichever DATA check asks first, so they are reported whether or not their own checks are on.
   * DMARC through {@link DmarcCheck#result} with the {@code dmarc} check's own settings (its policy
   * and trusted sealers decide the result), so only when that check is on. A new method is one more
   * line here: its check's accessor turned into {@link MethodResult}s. The ARC seal's {@code
   * ARC-Authentication-Results} is built from the same lines.
   */
  static List<Function<CheckContext, List<MethodResult>>> methods(CheckSetup setup) {
    Supplier<DkimVerifier> dkim = DkimCheck.verifierFor(setup);
    Supplier<ArcVerifier> arc = ArcCheck.verifierFor(setup);
    Supplier<Optional<DmarcCheck>> dmarc = setup.peer(DmarcCheck.class);
    return List.of(
        AuthenticationResultsCheck::spf,
        ctx -> dkim(DkimCheck.results(ctx, dkim.get())),
        ctx -> List.of(arc(ArcCheck.result(ctx, arc.get()))),
        ctx -> dmarc.get().map(d -> List.of(dmarc(DmarcCheck.result(ctx, d)))).orElse(List.of()));
  }

  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of(
              "AUTH_RESULTS_FORGED",
              0.0,
              "an Authentication-Results from outside claimed our authserv-id (removed)"));

  private final String authservId;
  private final List<Function<CheckContext, List<MethodResult>>> methods;

  private AuthenticationResultsCheck(
      String authservId, List<Function<CheckContext, List<MethodResult>>> methods) {
    this.authservId = authservId;
    this.methods = methods;
  }

  /**
   * Factory for {@code checks.authentication_results}: option {@code authserv_id}, this host's
   * authserv-id (RFC 8601 section 2.5, usually its host name), required when the check is enabled;
   * there is no default, because a wrong one either lets forged fields through or removes genuine
   * ones.
   */
  public static AuthenticationResultsCheck create(CheckSetup setup) {
    ConfigNode o = setup.options();
    String id = o.optionalString("authserv_id").orElse("").strip();
    if (o.bool("enabled", true) && id.isEmpty()) {
      throw o.error("authserv_id", "required when the check is enabled: this host's name");
    }
    if (!id.isEmpty() && !MethodResult.isText(id)) {
      throw o.error("authserv_id", "has a control character: " + id);
    }
    return new AuthenticationResultsCheck(id, methods(setup));
  }

  /** This host's authserv-id. */
  public String authservId() {
    return authservId;
  }

  @Override
  public String name() {
    return NAME;
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
    int forged = 0;
    for (int index : claimingUs(ctx.rawBytes(), authservId)) {
      ctx.removeHeader(AuthResults.FIELD, index);
      forged++;
    }
    if (forged > 0) {
      ctx.addSymbol("AUTH_RESULTS_FORGED", forged + " removed");
    }
    ctx.addHeader(AuthResults.FIELD, results(ctx).format());
  }

  /** Our field's value for this transaction: every method's results, as {@link #methods} lists. */
  public AuthResults results(CheckContext ctx) {
    return results(ctx, authservId, methods);
  }

  /** The results of {@code methods} for this transaction, under {@code authservId}. */
  static AuthResults results(
      CheckContext ctx,
      String authservId,
      List<Function<CheckContext, List<MethodResult>>> methods) {
    List<MethodResult> all = new ArrayList<>();
    for (Function<CheckContext, List<MethodResult>> m : methods) {
      all.addAll(m.apply(ctx));
    }
    return AuthResults.of(authservId, all);
  }

  /**
   * The positions (1-based among the fields of that name, as milter's {@code SMFIR_CHGHEADER}
   * counts) of the {@code Authentication-Results} fields in the header of {@code message} whose
   * authserv-id is {@code id}, compared without case (RFC 8601 sections 2.5 and 5). The header is
   * read here rather than from the parsed message, whose limits skip fields past a count: every
   * field counts, as the MTA counts them. A field whose id cannot be read claims nobody.
   */
  static List<Integer> claimingUs(ByteView message, String id) {
    List<Integer> out = new ArrayList<>();
    int n = message.size();
    int i = 0;
    int occurrence = 0;
    while (i < n) {
      if (message.byteAt(i) == '\n'
          || (message.byteAt(i) == '\r' && i + 1 < n && message.byteAt(i + 1) == '\n')) {
        break; // the empty line: end of the header
      }
      int end = i;
      do {
        while (end < n && message.byteAt(end) != '\n') {
          end++;
        }
        end = Math.min(end + 1, n);
      } while (end < n && (message.byteAt(end) == ' ' || message.byteAt(end) == '\t'));
      int colon = i;
      while (colon < end && message.byteAt(colon) != ':') {
        colon++;
      }
      if (colon < end && isAuthResults(message.slice(i, colon).latin1().strip())) {
        occurrence++;
        String value = message.slice(colon + 1, end).latin1();
        if (AuthResults.authservId(value).filter(a -> AuthResults.sameId(a, id)).isPresent()) {
          out.add(occurrence);
        }
      }
      i = end;
    }
    return out;
  }

  private static boolean isAuthResults(String name) {
    return name.equalsIgnoreCase(AuthResults.FIELD);
  }

  /** SPF for the MAIL FROM identity ({@code smtp.mailfrom}), then the HELO ({@code smtp.helo}). */
  static List<MethodResult> spf(CheckContext ctx) {
    List<MethodResult> out = new ArrayList<>(2);
    SpfCheck.mailFrom(ctx)
        .ifPresent(
            r ->
                out.add(
                    MethodResult.of("spf", r.code().keyword())
                        .withReason(printable(r.reason()))
                        .with("smtp", "mailfrom", printable(r.sender()))));
    SpfCheck.helo(ctx)
        .ifPresent(
            r ->
                out.add(
                    MethodResult.of("spf", r.code().keyword())
                        .withReason(printable(r.reason()))
                        .with("smtp", "helo", printable(ctx.envelope().helo()))));
    return out;
  }

  /**
   * One result per DKIM signature, top down, with RFC 8601's and RFC 6008's properties ({@code
   * header.d}, {@code header.s}, {@code header.i}, {@code header.a}, {@code header.b} as its first
   * 8 characters, enough to tell signatures of one domain apart); {@code dkim=none} when the
   * message has no signature.
   */
  static List<MethodResult> dkim(List<DkimResult> results) {
    if (results.isEmpty()) {
      return List.of(MethodResult.of("dkim", "none").withReason("no signature"));
    }
    List<MethodResult> out = new ArrayList<>(results.size());
    for (DkimResult r : results) {
      MethodResult m = MethodResult.of("dkim", r.code().tag()).withReason(printable(r.reason()));
      if (r.testing()) {
        m = m.withComment("key in test mode");
      }
      m = withIfPresent(m, "header", "d", r.domain());
      m = withIfPresent(m, "header", "s", r.selector());
      m = withIfPresent(m, "header", "i", r.identity());
      m = withIfPresent(m, "header", "a", r.algorithm());
      m = withIfPresent(m, "header", "b", r.signaturePrefix(8));
      out.add(m);
    }
    return out;
  }

  /**
   * The ARC chain's validation ({@code arc=pass|fail|none}, RFC 8617 section 4.4), with {@code
   * header.oldest-pass} when the chain passed.
   */
  static MethodResult arc(ArcResult r) {
    MethodResult m = MethodResult.of("arc", r.cv().keyword()).withReason(printable(r.reason()));
    if (r.cv() == ArcResult.Cv.PASS) {
      m = m.with("header", "oldest-pass", Integer.toString(r.oldestPass()));
    }
    return m;
  }

  /**
   * The DMARC result with {@code header.from} (the Author Domain) and, when a record applied,
   * {@code policy.dmarc} (the Domain Owner's policy for this message: the one that failed, or
   * {@code p} on a pass) and {@code policy.applied-disposition} (what this receiver applied, lower
   * than asked for under {@code t=y} or a trusted ARC sealer's override, named in a comment).
   */
  static MethodResult dmarc(DmarcResult r) {
    MethodResult m = MethodResult.of("dmarc", r.code().keyword()).withReason(printable(r.reason()));
    if (r.arcSealer().isPresent()) {
      m = m.withComment("ARC override by " + printable(r.arcSealer().get()));
    }
    m = withIfPresent(m, "header", "from", r.authorDomain());
    if (r.record().isPresent()) {
      DmarcRecord.Policy asked =
          r.code() == DmarcResult.Code.FAIL ? r.requested() : r.record().get().p();
      m = m.with("policy", "dmarc", asked.keyword());
      m = m.with("policy", "applied-disposition", r.disposition().keyword());
    }
    return m;
  }

  private static MethodResult withIfPresent(
      MethodResult m, String type, String name, String value) {
    return value.isEmpty() ? m : m.with(type, name, printable(value));
  }

  /** Text from the client or DNS, kept to one line of printable characters. */
  static String printable(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append((c < 0x20 && c != '\t') || c == 0x7f ? '?' : c);
    }
    return sb.toString();
  }
}
