package dev.mailfilter.checks;

import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;
import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HELO sanity, as Rspamd's hfilter and SpamAssassin's HELO rules: a bare IP address where RFC 5321
 * wants a name or an address literal, a name that is not a fully qualified domain, an address
 * literal that is not the client's, and a client that claims to be this server.
 */
public final class HeloCheck implements Check {
  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of("HELO_BARE_IP", 2.0, "HELO is a bare IP address, not [address] or a name"),
          SymbolDef.of("HELO_NOT_FQDN", 2.0, "HELO name is not a fully qualified domain name"),
          SymbolDef.of("HELO_IP_MISMATCH", 1.0, "HELO address literal is not the client's address"),
          SymbolDef.of("HELO_CLAIMS_US", 4.0, "HELO claims to be this server or localhost"));

  /** Names remembered by {@link #isFqdnCached}; the cache starts over when this many are held. */
  static final int FQDN_CACHE_SIZE = 1024;

  private final Set<String> localNames;
  private final Set<InetAddress> localAddresses;

  // A public-suffix lookup costs a twentieth of classifying a message, and senders repeat their
  // HELO names; the bound keeps a flood of distinct names from growing it.
  private final Map<String, Boolean> fqdnCache = new ConcurrentHashMap<>();

  private HeloCheck(Set<String> localNames, Set<InetAddress> localAddresses) {
    this.localNames = Set.copyOf(localNames);
    this.localAddresses = Set.copyOf(localAddresses);
  }

  /** Factory for {@code checks.helo}: options {@code local_names} and {@code local_addresses}. */
  public static HeloCheck create(CheckSetup setup) {
    LocalHosts local = LocalHosts.read(setup.options());
    return new HeloCheck(local.names(), local.addresses());
  }

  @Override
  public String name() {
    return "helo";
  }

  @Override
  public Stage stage() {
    return Stage.HELO;
  }

  @Override
  public List<SymbolDef> symbols() {
    return SYMBOLS;
  }

  @Override
  public void run(CheckContext ctx) {
    String helo = ctx.envelope().helo().strip();
    if (helo.isEmpty()) {
      return; // unknown (an embedder without the SMTP dialogue); SMTP servers demand HELO anyway
    }
    InetAddress client = ctx.connection().clientAddress();
    boolean clientIsLocal = client.isLoopbackAddress();
    if (helo.startsWith("[") && helo.endsWith("]")) {
      String literal = helo.substring(1, helo.length() - 1);
      if (literal.regionMatches(true, 0, "IPv6:", 0, 5)) {
        literal = literal.substring(5);
      }
      if (!InetAddresses.isInetAddress(literal)) {
        ctx.addSymbol("HELO_NOT_FQDN", helo);
        return;
      }
      InetAddress claimed = InetAddresses.forString(literal);
      if (!clientIsLocal && (localAddresses.contains(claimed) || claimed.isLoopbackAddress())) {
        ctx.addSymbol("HELO_CLAIMS_US", helo);
      } else if (!claimed.equals(client)) {
        ctx.addSymbol("HELO_IP_MISMATCH", helo);
      }
      return;
    }
    if (InetAddresses.isInetAddress(helo)) {
      ctx.addSymbol("HELO_BARE_IP", helo);
      if (!clientIsLocal && localAddresses.contains(InetAddresses.forString(helo))) {
        ctx.addSymbol("HELO_CLAIMS_US", helo);
      }
      return;
    }
    String name = LocalHosts.normalise(helo);
    if (!clientIsLocal
        && (localNames.contains(name)
            || name.equals("localhost")
            || name.equals("localhost.localdomain"))) {
      ctx.addSymbol("HELO_CLAIMS_US", helo);
      return;
    }
    if (!isFqdnCached(name)) {
      ctx.addSymbol("HELO_NOT_FQDN", helo);
    }
  }

  private boolean isFqdnCached(String name) {
    Boolean known = fqdnCache.get(name);
    if (known != null) {
      return known;
    }
    boolean fqdn = isFqdn(name);
    if (fqdnCache.size() >= FQDN_CACHE_SIZE) {
      fqdnCache.clear();
    }
    fqdnCache.put(name, fqdn);
    return fqdn;
  }

  /** A syntactically valid name of two labels or more under a public suffix (Guava's list). */
  private static boolean isFqdn(String name) {
    if (name.indexOf('.') < 0 || !InternetDomainName.isValid(name)) {
      return false;
    }
    InternetDomainName d = InternetDomainName.from(name);
    return d.hasPublicSuffix() && !d.isPublicSuffix();
  }

  /** Computes only (local work bounded by the message): runs on the stage's calling thread. */
  @Override
  public boolean blocking() {
    return false;
  }
}
