package dev.mailfilter.tenant;

import dev.mailfilter.api.Thresholds;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.DidYouMean;
import dev.mailfilter.config.IpRange;
import java.net.IDN;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Builds a {@link TenantDirectory} from the configuration file's {@code tenants} tree, its flat
 * {@code domains} mapping and {@code trusted_networks}, resolving every domain's and user's
 * effective policy at load so that a recipient costs one or two hash lookups.
 */
public final class TenantConfig {
  /** Depth of each level in the layering: a more specific level has a higher depth. */
  static final int RESELLER = 1;

  static final int CUSTOMER = 2;
  static final int DOMAIN = 3;
  static final int USER = 4;

  private final boolean subdomains;
  private final LevelSettings.Names names;
  private final Map<String, Loaded> domains = new HashMap<>();
  private final Map<String, Loaded> users = new HashMap<>();
  private final Map<String, RecipientVerification> verifications = new HashMap<>();

  /** A domain's or user's resolution. */
  private record Entry(String tenant, TenantPolicy policy, Optional<Route> route) {}

  /**
   * An entry while loading, with where it was configured for a duplicate's error: the key path is
   * made only then, as most of a provider's 50,000 domains are never named in an error.
   */
  private record Loaded(Entry entry, Supplier<String> where) {}

  private TenantConfig(boolean subdomains, LevelSettings.Names names) {
    this.subdomains = subdomains;
    this.names = names;
  }

  /**
   * Parses the tenant keys of the configuration.
   *
   * @param tenants the {@code tenants} node: {@code resellers} and {@code customers}
   * @param flatDomains the {@code domains} node: domain name to its settings
   * @param domainList the {@code domains} key when it is a plain list of names (then {@code
   *     flatDomains} is empty): each with the global policy and no route
   * @param trustedNetworks the {@code trusted_networks} list: addresses and CIDR ranges
   * @param trustedPath the key path of that list, for errors
   * @param global the configuration's thresholds, the root of the layering
   * @param subdomains whether domain entries of tenant lists match subdomains ({@code
   *     lists.subdomains})
   * @param symbolNames the symbols of the configured checks, for validating names
   * @param groupNames the configured checks' names (a symbol's group is its check)
   * @throws ConfigException naming the key path of the first bad value
   */
  public static TenantDirectory parse(
      ConfigNode tenants,
      ConfigNode flatDomains,
      List<String> domainList,
      List<String> trustedNetworks,
      String trustedPath,
      Thresholds global,
      boolean subdomains,
      Set<String> symbolNames,
      Set<String> groupNames) {
    TenantConfig c = new TenantConfig(subdomains, new LevelSettings.Names(symbolNames, groupNames));
    Layers root = new Layers(global);
    TenantPolicy rootPolicy = root.policy("default");
    ConfigNode resellers = tenants.section("resellers");
    for (String name : resellers.keys()) {
      ConfigNode r = resellers.section(name);
      c.tenantNode(r, name, root, rootPolicy, Optional.empty(), RESELLER);
    }
    ConfigNode customers = tenants.section("customers");
    for (String name : customers.keys()) {
      c.tenantNode(customers.section(name), name, root, rootPolicy, Optional.empty(), CUSTOMER);
    }
    for (String d : flatDomains.keys()) {
      c.domainNode(flatDomains, d, "", root, rootPolicy, Optional.empty());
    }
    for (int i = 0; i < domainList.size(); i++) {
      int index = i;
      Supplier<String> path = () -> flatDomains.path() + "[" + index + "]";
      String domain = domainName(domainList.get(i), path);
      Loaded earlier =
          c.domains.put(domain, new Loaded(new Entry(domain, rootPolicy, Optional.empty()), path));
      if (earlier != null) {
        throw new ConfigException(
            path.get(),
            "domain " + domain + " is configured twice (also " + earlier.where().get() + ")");
      }
    }
    List<IpRange> trusted = new ArrayList<>();
    for (int i = 0; i < trustedNetworks.size(); i++) {
      try {
        trusted.add(IpRange.parse(trustedNetworks.get(i)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(trustedPath + "[" + i + "]", e.getMessage());
      }
    }
    // A misspelt key is the likelier mistake than a tree without domains: name it first.
    tenants.rejectUnread(List.of());
    flatDomains.rejectUnread(List.of());
    if (c.domains.isEmpty()) {
      if (!tenants.keys().isEmpty()) {
        throw new ConfigException(
            tenants.path(),
            "tenants without any domain: every recipient would be refused (add domains under a"
                + " customer, or remove tenants)");
      }
      if (!trusted.isEmpty()) {
        throw new ConfigException(
            trustedPath,
            "trusted networks without any domain: relay control applies only once domains are"
                + " configured");
      }
      return TenantDirectory.none();
    }
    return new Static(
        entries(c.domains),
        entries(c.users),
        List.copyOf(trusted),
        Collections.unmodifiableMap(c.verifications));
  }

  private static Map<String, Entry> entries(Map<String, Loaded> loaded) {
    Map<String, Entry> out = HashMap.newHashMap(loaded.size());
    loaded.forEach((k, v) -> out.put(k, v.entry()));
    return Collections.unmodifiableMap(out);
  }

  /** A reseller or a customer: its own settings and route, then its children. */
  private void tenantNode(
      ConfigNode n,
      String name,
      Layers parent,
      TenantPolicy parentPolicy,
      Optional<Route> parentRoute,
      int depth) {
    LevelSettings s = LevelSettings.parse(n, subdomains, names);
    Layers layers = s.isEmpty() ? parent : parent.with(s, depth);
    TenantPolicy policy = s.isEmpty() ? parentPolicy : layers.policy(name);
    Optional<Route> route = route(n, name).or(() -> parentRoute);
    if (depth == RESELLER) {
      ConfigNode customers = n.section("customers");
      for (String c : customers.keys()) {
        tenantNode(customers.section(c), name + "/" + c, layers, policy, route, CUSTOMER);
      }
    } else {
      ConfigNode ds = n.section("domains");
      for (String d : ds.keys()) {
        domainNode(ds, d, name + "/", layers, policy, route);
      }
    }
  }

  private void domainNode(
      ConfigNode parentNode,
      String key,
      String prefix,
      Layers parent,
      TenantPolicy parentPolicy,
      Optional<Route> parentRoute) {
    String domain = domainName(parentNode, key);
    ConfigNode n = parentNode.section(key);
    Loaded earlier = domains.get(domain);
    if (earlier != null) {
      throw new ConfigException(
          n.path(),
          "domain " + domain + " is configured twice (also " + earlier.where().get() + ")");
    }
    LevelSettings s = LevelSettings.parse(n, subdomains, names);
    String tenant = prefix + domain;
    Layers layers = s.isEmpty() ? parent : parent.with(s, DOMAIN);
    TenantPolicy policy = s.isEmpty() ? parentPolicy : layers.policy(tenant);
    Optional<Route> route = route(n, domain).or(() -> parentRoute);
    domains.put(domain, new Loaded(new Entry(tenant, policy, route), n::path));
    if (n.keys().isEmpty()) {
      return;
    }
    ConfigNode us = n.section("users");
    if (n.has("verify_recipients")) {
      verifications.put(
          domain, verification(n.section("verify_recipients"), domain, us.keys(), route));
    }
    for (String local : us.keys()) {
      if (local.isEmpty() || local.indexOf('@') >= 0 || !local.strip().equals(local)) {
        throw us.error(
            local, "expected the local part of an address (before @), got \"" + local + "\"");
      }
      String lower = local.toLowerCase(Locale.ROOT);
      ConfigNode u = us.section(local);
      LevelSettings us2 = LevelSettings.parse(u, subdomains, names);
      String userTenant = tenant + "/" + lower;
      TenantPolicy up = us2.isEmpty() ? policy : layers.with(us2, USER).policy(userTenant);
      Loaded user = new Loaded(new Entry(userTenant, up, route), u::path);
      if (users.put(lower + "@" + domain, user) != null) {
        throw us.error(local, "user configured twice (local parts compare case-insensitively)");
      }
    }
  }

  /**
   * A domain's {@code verify_recipients}: {@code list} of valid local parts (or addresses of the
   * domain), to which its {@code users} are added; or {@code callout: true} with {@code
   * positive_ttl} and {@code negative_ttl}.
   */
  private static RecipientVerification verification(
      ConfigNode v, String domain, java.util.Collection<String> users, Optional<Route> route) {
    // A misspelt key would otherwise be reported as a missing list, which misleads.
    List<String> known = List.of("list", "callout", "positive_ttl", "negative_ttl");
    for (String key : v.keys()) {
      if (!known.contains(key)) {
        throw v.error(key, "unknown key" + DidYouMean.suggest(key, known));
      }
    }
    boolean callout = v.bool("callout", false);
    boolean hasList = v.has("list");
    if (callout && hasList) {
      throw new ConfigException(v.path(), "list and callout exclude each other: choose one");
    }
    if (!callout) {
      if (v.has("positive_ttl") || v.has("negative_ttl")) {
        throw v.error(
            v.has("positive_ttl") ? "positive_ttl" : "negative_ttl",
            "cache times apply to a callout only (callout: true)");
      }
      if (!hasList) {
        throw new ConfigException(
            v.path(), "needs a list of valid local parts (list: [...]) or callout: true");
      }
      List<String> entries = v.strings("list");
      if (entries.isEmpty()) {
        throw v.error("list", "an empty list would refuse every recipient of " + domain);
      }
      Set<String> valid = new java.util.HashSet<>();
      for (int i = 0; i < entries.size(); i++) {
        String e = entries.get(i).strip();
        int at = e.lastIndexOf('@');
        if (at >= 0) {
          Optional<String> d = normalised(e.substring(at + 1));
          if (d.isEmpty() || !d.get().equals(domain)) {
            throw v.error(
                "list[" + i + "]",
                "\"" + entries.get(i) + "\" is not an address of " + domain + " nor a local part");
          }
          e = e.substring(0, at);
        }
        if (e.isEmpty() || e.indexOf(' ') >= 0 || e.indexOf('@') >= 0) {
          throw v.error("list[" + i + "]", "not a local part: \"" + entries.get(i) + "\"");
        }
        valid.add(e.toLowerCase(Locale.ROOT));
      }
      for (String u : users) {
        valid.add(u.toLowerCase(Locale.ROOT));
      }
      return new RecipientVerification.ValidList(valid);
    }
    if (route.isEmpty()) {
      throw v.error(
          "callout", "a callout asks the domain's route, and " + domain + " has no route");
    }
    try {
      return new RecipientVerification.Callout(
          v.duration("positive_ttl", RecipientVerification.Callout.DEFAULT_POSITIVE_TTL),
          v.duration("negative_ttl", RecipientVerification.Callout.DEFAULT_NEGATIVE_TTL));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(v.path(), e.getMessage());
    }
  }

  private static Optional<Route> route(ConfigNode n, String owner) {
    if (n.keys().isEmpty()) {
      return Optional.empty();
    }
    if (!n.has("route")) {
      n.section("route");
      return Optional.empty();
    }
    ConfigNode r = n.section("route");
    String host = r.string("host", "").strip();
    if (host.isEmpty()) {
      throw r.error("host", "a route needs a host (the server to hand " + owner + "'s mail to)");
    }
    boolean mx = r.bool("mx", false);
    int port = (int) r.integer("port", 25, 1, 65535);
    TlsPolicy tls = r.enumValue("tls", TlsPolicy.class, TlsPolicy.MAY);
    return Optional.of(new Route(host, mx, port, tls));
  }

  /** A configured domain name, lower case, in A-labels, without a trailing dot. */
  private static String domainName(ConfigNode n, String key) {
    return normalised(key).orElseThrow(() -> n.error(key, notADomain(key)));
  }

  /** {@link #domainName(ConfigNode, String)} for a name in a list, at its key path. */
  private static String domainName(String key, Supplier<String> path) {
    return normalised(key).orElseThrow(() -> new ConfigException(path.get(), notADomain(key)));
  }

  private static String notADomain(String key) {
    return "not a domain name: \"" + key + "\"";
  }

  /** Lower case, A-labels, no trailing dot; empty when the text is no domain name. */
  private static Optional<String> normalised(String key) {
    String d = key.strip();
    if (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    Optional<String> ascii = toAscii(d);
    if (d.isEmpty() || d.indexOf('@') >= 0 || ascii.isEmpty() || ascii.get().indexOf('.') < 0) {
      return Optional.empty();
    }
    return ascii;
  }

  /** Lower case A-labels, or empty when the name is no valid domain. */
  static Optional<String> toAscii(String domain) {
    boolean ascii = true;
    for (int i = 0; i < domain.length(); i++) {
      if (domain.charAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    String d = domain;
    if (!ascii) {
      try {
        d = IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    d = d.toLowerCase(Locale.ROOT);
    if (d.isEmpty() || d.length() > 253 || d.indexOf(' ') >= 0) {
      return Optional.empty();
    }
    return Optional.of(d);
  }

  /** The directory of a configuration: immutable hash maps, built once per load. */
  private record Static(
      Map<String, Entry> domains,
      Map<String, Entry> users,
      List<IpRange> trusted,
      Map<String, RecipientVerification> verifications)
      implements TenantDirectory {
    @Override
    public Optional<RecipientVerification> verification(String domain) {
      return Optional.ofNullable(verifications.get(domain));
    }

    @Override
    public boolean relayControl() {
      return true;
    }

    @Override
    public Optional<Recipient> resolve(String address) {
      int at = address.lastIndexOf('@');
      if (at <= 0 || at == address.length() - 1) {
        return Optional.empty();
      }
      String raw = address.substring(at + 1);
      if (raw.endsWith(".")) {
        raw = raw.substring(0, raw.length() - 1);
      }
      Optional<String> domain = toAscii(raw);
      if (domain.isEmpty()) {
        return Optional.empty();
      }
      Entry d = domains.get(domain.get());
      if (d == null) {
        return Optional.empty();
      }
      Entry u = null;
      if (!users.isEmpty()) {
        String local = address.substring(0, at).toLowerCase(Locale.ROOT);
        u = users.get(local + "@" + domain.get());
        int plus = local.indexOf('+');
        if (u == null && plus > 0) {
          u = users.get(local.substring(0, plus) + "@" + domain.get());
        }
      }
      Entry e = u != null ? u : d;
      return Optional.of(new Recipient(address, domain.get(), e.tenant(), e.policy(), e.route()));
    }

    @Override
    public boolean trusted(InetAddress client) {
      for (IpRange r : trusted) {
        if (r.contains(client)) {
          return true;
        }
      }
      return false;
    }
  }
}
