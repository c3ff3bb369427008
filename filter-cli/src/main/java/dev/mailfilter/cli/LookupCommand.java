package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.dns.DnsResolver;
import dev.mailfilter.dns.DnsSettings;
import dev.mailfilter.dns.Dnsbl;
import dev.mailfilter.dns.DnsblList;
import dev.mailfilter.dns.DnsblSettings;
import dev.mailfilter.dns.ListAnswer;
import dev.mailfilter.dns.ListStatus;
import dev.mailfilter.dns.MirrorSettings;
import dev.mailfilter.dns.mirror.Mirror;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code mailfilter lookup IP|DOMAIN [--config FILE] [--self-test]}: every configured blocklist's
 * answer for one address or domain, where it came from (mirror, DNS, DNS cache) and how long it
 * took, as {@code rspamadm} and {@code dig} show it. Exit 0 when listed nowhere, 1 when listed, 2
 * on a usage or configuration error or when {@code --self-test} finds a list failing.
 */
final class LookupCommand {
  private static final String USAGE =
      "usage: mailfilter lookup IP|DOMAIN [--config FILE] [--self-test]";

  private LookupCommand() {}

  static int run(List<String> argList, PrintStream out, PrintStream err) {
    List<String> args = new ArrayList<>(argList);
    Optional<Path> configFile;
    try {
      configFile = ConfigOption.extract(args);
    } catch (IllegalArgumentException e) {
      err.println("mailfilter lookup: " + e.getMessage());
      return 2;
    }
    if (args.contains("--help") || args.contains("-h")) {
      out.println(USAGE);
      out.println("  asks every list of dnsbl.lists (local mirrors first) and prints its answer,");
      out.println("  source and time; --self-test also asks each list's RFC 5782 test points.");
      out.println("exit status: 0 listed nowhere, 1 listed, 2 a usage or configuration error or");
      out.println("  a failing self-test (a list that answers its test points wrongly)");
      return 0;
    }
    boolean selfTest = args.remove("--self-test");
    if (args.size() != 1 || args.get(0).startsWith("-")) {
      err.println(USAGE);
      return 2;
    }
    String subject = args.get(0);
    Optional<FilterConfig> config = ConfigOption.load(configFile, err);
    if (config.isEmpty()) {
      return 2;
    }
    DnsSettings dns = config.get().section(DnsSettings.SECTION);
    List<DnsblList> lists = config.get().section(DnsblSettings.SECTION).lists();
    List<MirrorSettings> mirrors = config.get().section(MirrorSettings.SECTION);
    if (lists.isEmpty()) {
      err.println(
          "mailfilter lookup: no blocklists configured (dnsbl.lists is empty; see"
              + " docs/configuration.md, \"DNS blocklists\")");
      return 2;
    }
    DnsResolver resolver = DnsResolver.create(dns);
    try (Dnsbl dnsbl = Dnsbl.create(resolver, lists, mirrors)) {
      out.printf(
          Locale.ROOT,
          "lookup %s: resolver %s, deadline %s, retries %d%n",
          subject,
          resolver.servers().stream()
              .map(a -> a.getAddress().getHostAddress() + ":" + a.getPort())
              .toList(),
          human(dns.deadline()),
          dns.retries());
      List<ListAnswer> answers = dnsbl.lookupAll(subject, true, Deadline.after(dns.deadline()));
      if (answers.isEmpty()) {
        out.println(
            "  no list takes "
                + (Dnsbl.isIpAddress(subject) ? "IP addresses" : "domains")
                + " (check dnsbl.lists[].kind)");
      }
      boolean listed = false;
      for (ListAnswer a : answers) {
        listed |= a.outcome() == ListAnswer.Outcome.LISTED;
        print(out, a, dnsbl.mirror(a.list().zone()));
      }
      boolean failing = false;
      if (selfTest) {
        out.println("RFC 5782 test points:");
        Map<String, ListStatus> status = dnsbl.selfTest(dns.deadline().multipliedBy(2));
        for (Map.Entry<String, ListStatus> e : status.entrySet()) {
          ListStatus s = e.getValue();
          failing |= !s.healthy();
          out.printf(
              Locale.ROOT,
              "  %-28s %-8s %s%n",
              e.getKey(),
              s.healthy() ? "ok" : "FAILING",
              s.detail());
        }
      }
      if (failing) {
        // A list that answers its test points wrongly cannot be trusted either way: its answer
        // above is no result, so neither 0 nor 1.
        err.println("mailfilter lookup: self-test failed (see FAILING above)");
        return 2;
      }
      return listed ? 1 : 0;
    } catch (IOException e) {
      err.println("mailfilter lookup: " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException e) {
      err.println("mailfilter lookup: " + e.getMessage());
      return 2;
    }
  }

  private static void print(PrintStream out, ListAnswer a, Optional<Mirror> mirror) {
    List<String> codes = new ArrayList<>();
    for (Inet4Address c : a.codes()) {
      String sym =
          a.listings().stream()
              .filter(l -> l.code().equals(c))
              .map(ListAnswer.Listing::symbol)
              .findFirst()
              .orElse("(filtered)");
      codes.add(c.getHostAddress() + " " + sym);
    }
    String source =
        switch (a.source()) {
          case MIRROR -> "mirror";
          case DNS -> "dns";
          case DNS_CACHED -> "dns (cached)";
        };
    out.printf(
        Locale.ROOT,
        "%-20s %-22s %-10s %-12s %9s  %s%n",
        a.list().symbol(),
        a.list().zone(),
        a.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' '),
        source,
        human(a.elapsed()),
        String.join(", ", codes));
    out.println("    query " + a.query());
    for (String t : a.txt()) {
      out.println("    txt   \"" + t + "\"");
    }
    mirror.ifPresent(
        m ->
            out.printf(
                Locale.ROOT,
                "    from  %s (%s, %d entries, loaded %s)%n",
                m.path(),
                m.kind(),
                m.data().entryCount(),
                m.loadedAt()));
  }

  static String human(Duration d) {
    long micros = d.toNanos() / 1000;
    if (micros < 1000) {
      return micros + " us";
    }
    if (micros < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
    }
    return String.format(Locale.ROOT, "%.1f s", micros / 1e6);
  }
}
