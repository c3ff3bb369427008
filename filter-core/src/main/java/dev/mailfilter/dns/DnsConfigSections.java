package dev.mailfilter.dns;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.dns.mirror.MirrorKind;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Parsers of the configuration sections {@code dns}, {@code dnsbl} and {@code mirrors}. */
final class DnsConfigSections {
  private DnsConfigSections() {}

  static DnsSettings dns(ConfigNode n) {
    DnsSettings.Builder b = DnsSettings.builder();
    List<String> servers = n.strings("servers");
    for (int i = 0; i < servers.size(); i++) {
      b.addServer(server(n, i, servers.get(i)));
    }
    DnsSettings d = DnsSettings.defaults();
    b.deadline(n.duration("deadline", d.deadline()))
        .retries((int) n.integer("retries", d.retries(), 0, 10))
        .cacheSize(n.integer("cache_size", d.cacheSize(), 0, 10_000_000))
        .maxCacheTtl(n.duration("max_cache_ttl", d.maxCacheTtl()));
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(n.path(), e.getMessage());
    }
  }

  private static InetSocketAddress server(ConfigNode n, int i, String s) {
    String path = n.path("servers") + "[" + i + "]";
    try {
      HostAndPort hp = HostAndPort.fromString(s.strip()).withDefaultPort(53);
      if (!InetAddresses.isInetAddress(hp.getHost())) {
        throw new ConfigException(
            path, "expected an IP address with an optional port, got \"" + s + "\"");
      }
      return new InetSocketAddress(InetAddresses.forString(hp.getHost()), hp.getPort());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          path, "expected an IP address with an optional port, got \"" + s + "\"");
    }
  }

  static DnsblSettings dnsbl(ConfigNode n) {
    boolean selfTest = n.bool("self_test", true);
    List<DnsblList> lists = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (ConfigNode c : n.sections("lists")) {
      DnsblList list = list(c);
      if (!seen.add(list.symbol() + "@" + list.zone() + "/" + list.kind())) {
        throw new ConfigException(
            c.path(), "list " + list.symbol() + " for " + list.zone() + " given twice");
      }
      lists.add(list);
    }
    return new DnsblSettings(lists, selfTest);
  }

  private static DnsblList list(ConfigNode c) {
    try {
      DnsblList.Builder b;
      var preset = c.optionalString("preset");
      if (preset.isPresent()) {
        DnsblList p =
            switch (preset.get()) {
              case "spamhaus_zen" -> DnsblList.spamhausZen();
              case "spamhaus_dbl" -> DnsblList.spamhausDbl();
              case "spamhaus_dbl_uri" -> DnsblList.spamhausDblUri();
              default ->
                  throw c.error(
                      "preset",
                      "expected one of spamhaus_zen, spamhaus_dbl, spamhaus_dbl_uri, got \""
                          + preset.get()
                          + "\"");
            };
        b = DnsblList.builder(c.string("symbol", p.symbol()), c.string("zone", p.zone()), p.kind());
        p.returnCodes().forEach((code, sym) -> b.returnCode(code.getHostAddress(), sym));
        b.weight(p.weight()).stage(p.stage());
        if (c.has("kind")) {
          throw c.error(
              "kind",
              "a preset's kind is fixed (" + p.kind().name().toLowerCase(Locale.ROOT) + ")");
        }
      } else {
        if (!c.has("zone") || !c.has("symbol")) {
          throw c.error(
              c.has("zone") ? "symbol" : "zone", "a list needs zone and symbol (or a preset)");
        }
        ListKind kind = c.enumValue("kind", ListKind.class, ListKind.IP);
        b = DnsblList.builder(c.string("symbol", ""), c.string("zone", ""), kind);
      }
      if (c.has("weight")) {
        b.weight(c.number("weight", 1));
      }
      if (c.has("stage")) {
        b.stage(c.enumValue("stage", Stage.class, Stage.CONNECT));
      }
      ConfigNode rc = c.section("return_codes");
      for (String code : rc.keys()) {
        if (!InetAddresses.isInetAddress(code)
            || !(InetAddresses.forString(code) instanceof Inet4Address)) {
          throw rc.error(code, "expected an IPv4 answer such as 127.0.0.2 as the key");
        }
        String sym = rc.optionalString(code).orElseThrow(() -> rc.error(code, "expected a symbol"));
        b.returnCode(code, sym);
      }
      if (c.has("error_codes")) {
        List<String> codes = c.strings("error_codes");
        Set<Inet4Address> set = new LinkedHashSet<>();
        for (int i = 0; i < codes.size(); i++) {
          if (!(InetAddresses.isInetAddress(codes.get(i))
              && InetAddresses.forString(codes.get(i)) instanceof Inet4Address a)) {
            throw new ConfigException(
                c.path("error_codes") + "[" + i + "]",
                "expected an IPv4 address, got \"" + codes.get(i) + "\"");
          }
          set.add(a);
        }
        b.errorCodes(set);
      }
      b.testPoints(c.bool("test_points", true));
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(c.path(), e.getMessage());
    }
  }

  static List<MirrorSettings> mirrors(ConfigNode n) {
    List<MirrorSettings> out = new ArrayList<>();
    Set<String> zones = new LinkedHashSet<>();
    for (ConfigNode c : n.sections("files")) {
      try {
        String zone = c.optionalString("zone").orElseThrow(() -> c.error("zone", "required"));
        String path = c.optionalString("path").orElseThrow(() -> c.error("path", "required"));
        String kind = c.optionalString("kind").orElseThrow(() -> c.error("kind", "required"));
        MirrorKind k;
        try {
          k = MirrorKind.parse(kind);
        } catch (IllegalArgumentException e) {
          throw c.error("kind", e.getMessage());
        }
        Path p = Path.of(path);
        if (!Files.isReadable(p)) {
          throw c.error("path", "cannot read " + p.toAbsolutePath());
        }
        MirrorSettings m =
            new MirrorSettings(zone, p, k, c.duration("reload_interval", Duration.ofSeconds(30)));
        if (!zones.add(m.zone())) {
          throw c.error("zone", "a second mirror for " + m.zone());
        }
        out.add(m);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(c.path(), e.getMessage());
      }
    }
    return List.copyOf(out);
  }
}
