package dev.mailfilter.dns;

import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckFactory;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.url.MessageUrls;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The blocklist check of one stage ({@code checks.dnsbl_connect}, {@code dnsbl_helo}, {@code
 * dnsbl_mail_from}, {@code dnsbl_data}): runs every list of section {@code dnsbl} configured for
 * that stage, in parallel, within the stage's deadline. Listings score the list's weight (override
 * per symbol under {@code checks.dnsbl_<stage>.scores}); {@code RBL_TIMEOUT}, {@code RBL_SERVFAIL},
 * {@code RBL_BLOCKED} and {@code RBL_FAIL} score 0.
 */
public final class DnsblCheck implements Check, AutoCloseable {
  private static final List<SymbolDef> FAILURES =
      List.of(
          SymbolDef.of("RBL_TIMEOUT", 0, "a blocklist did not answer in time (never a listing)"),
          SymbolDef.of("RBL_SERVFAIL", 0, "a blocklist's server failed (never a listing)"),
          SymbolDef.of(
              "RBL_BLOCKED", 0, "a blocklist answered an error code such as 127.255.255.254"),
          SymbolDef.of("RBL_FAIL", 0, "a blocklist could not be asked (unreachable, refused)"));

  private final Stage stage;
  private final DnsSettings dns;
  private final DnsblSettings dnsbl;
  private final List<MirrorSettings> mirrors;
  private final List<SymbolDef> symbols;

  private DnsblCheck(
      Stage stage, DnsSettings dns, DnsblSettings dnsbl, List<MirrorSettings> mirrors) {
    this.stage = stage;
    this.dns = dns;
    this.dnsbl = dnsbl;
    this.mirrors = mirrors;
    Map<String, SymbolDef> defs = new LinkedHashMap<>();
    for (DnsblList l : dnsbl.lists()) {
      if (l.stage() != stage) {
        continue;
      }
      String what = "listed in " + l.zone();
      if (l.returnCodes().isEmpty()) {
        defs.putIfAbsent(l.symbol(), SymbolDef.of(l.symbol(), l.weight(), what));
      }
      l.returnCodes()
          .forEach(
              (code, sym) ->
                  defs.putIfAbsent(
                      sym, SymbolDef.of(sym, l.weight(), what + " as " + code.getHostAddress())));
    }
    for (SymbolDef f : FAILURES) {
      defs.putIfAbsent(f.name(), f);
    }
    this.symbols = List.copyOf(defs.values());
  }

  /** The factory of the check for {@code stage}. */
  public static CheckFactory factory(Stage stage) {
    return setup ->
        new DnsblCheck(
            stage,
            setup.section(DnsSettings.SECTION),
            setup.section(DnsblSettings.SECTION),
            setup.section(MirrorSettings.SECTION));
  }

  @Override
  public String name() {
    return "dnsbl_" + stage.configName();
  }

  @Override
  public Stage stage() {
    return stage;
  }

  @Override
  public List<SymbolDef> symbols() {
    return symbols;
  }

  @Override
  public void run(CheckContext ctx) throws IOException {
    boolean any = false;
    for (DnsblList l : dnsbl.lists()) {
      any |= l.stage() == stage;
    }
    if (!any) {
      return;
    }
    Dnsbl d = dnsbl.runtime(dns, mirrors);
    InetAddress client = ctx.connection().clientAddress();
    Optional<String> helo =
        ctx.envelope().helo().isBlank() ? Optional.empty() : Optional.of(ctx.envelope().helo());
    Optional<String> sender =
        ctx.envelope().sender().isBlank() ? Optional.empty() : Optional.of(ctx.envelope().sender());
    Optional<String> from = Optional.empty();
    List<String> hosts = new ArrayList<>();
    if (stage == Stage.DATA) {
      MessageDomains.Found f = MessageDomains.extract(ctx.message(), MessageUrls.of(ctx));
      from = f.fromDomain();
      hosts = f.urlHosts();
    }
    DnsblRequest req = new DnsblRequest(Optional.of(client), helo, sender, from, hosts);
    long left = ctx.remaining().toNanos();
    DnsblReport r = d.check(stage, req, new Deadline(System.nanoTime() + left));
    for (DnsblHit h : r.hits()) {
      ctx.addSymbol(h.symbol(), h.reason());
    }
  }

  @Override
  public void close() {
    dnsbl.close();
  }
}
