package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.api.Reply;
import dev.mailfilter.cluster.Brand;
import dev.mailfilter.cluster.ClusterSettings;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.TenantStoreException;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.smtp.Outbound;
import dev.mailfilter.smtp.Quarantine;
import dev.mailfilter.smtp.SmtpSettings;
import dev.mailfilter.web.quarantine.Digest;
import dev.mailfilter.web.quarantine.DigestSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code mailfilter digest --config FILE}: sends each recipient the messages held for them since
 * the last run, with release and block-sender links (docs/web.md, "Digest"), through the gateway's
 * relay leg to their domain's route. Run it once a day from a timer on one node. Brands come from
 * the tenant store ({@code cluster.store}) when the file names one. Exit 0 sent, 1 some route
 * refused (those recipients get theirs next run), 2 a usage or configuration error.
 */
final class DigestCommand {
  static final String USAGE = "usage: mailfilter digest --config FILE";

  private DigestCommand() {}

  static int run(List<String> argList, PrintStream out, PrintStream err) {
    List<String> args = new ArrayList<>(argList);
    Optional<Path> configFile;
    try {
      configFile = ConfigOption.extract(args);
    } catch (IllegalArgumentException e) {
      err.println("mailfilter digest: " + e.getMessage());
      return 2;
    }
    if (args.contains("--help") || args.contains("-h")) {
      out.println(USAGE);
      out.println("  mail each recipient its messages held since the last run, with release and");
      out.println("  block-sender links (digest.base_url); run daily from a timer on one node");
      out.println("exit status: 0 sent, 1 a route refused some (sent next run), 2 a usage error");
      return 0;
    }
    if (!args.isEmpty()) {
      err.println(USAGE);
      return 2;
    }
    if (configFile.isEmpty()) {
      err.println("mailfilter digest: --config FILE is required: it names smtp.quarantine.dir");
      return 2;
    }
    TenantStore store = null;
    try {
      if (!Files.isRegularFile(configFile.get())) {
        throw new NoSuchFileException(configFile.get() + ": no such file");
      }
      FilterConfig.Builder b = FilterConfig.builder();
      ServerSections.ALL.forEach(b::section);
      b.registry(ServerSections.CHECKS);
      FilterConfig config = b.yaml(Files.readString(configFile.get())).build();
      DigestSettings d = config.section(DigestSettings.SECTION);
      SmtpSettings smtp = config.section(SmtpSettings.SECTION);
      if (d.baseUrl().isEmpty()) {
        throw new IllegalArgumentException(
            "digest.base_url is required: the links point to the web pages there");
      }
      Quarantine q = QuarantineWeb.open(config);
      ClusterSettings cluster = config.section(ClusterSettings.SECTION);
      Brand fallback =
          new Brand(
              d.brandName(),
              d.supportAddress().orElse("postmaster@" + smtp.hostName()),
              Optional.empty(),
              Map.of(),
              List.of());
      if (cluster.store().isPresent()) {
        store = cluster.openStore(config.section(dev.mailfilter.cluster.RedisSettings.SECTION));
      }
      TenantStore brands = store;
      Path state = d.stateDirFor(q.directory());
      try (Outbound outbound =
          Outbound.open(
              smtp.hostName(),
              smtp.relay(),
              config.section(dev.mailfilter.dns.DnsSettings.SECTION).servers())) {
        Digest.Result r =
            Digest.create(
                    q,
                    QuarantineWeb.tokens(config, q),
                    outbound,
                    brands == null ? e -> fallback : Digest.brands(brands, fallback),
                    new Digest.Settings(
                        d.from().orElse("quarantine@" + smtp.hostName()),
                        d.baseUrl().get(),
                        d.linkLifetime(),
                        state.resolve("digest.state")),
                    Clock.systemUTC())
                .run();
        out.println(
            "digest: "
                + r.mailed()
                + " recipient(s) mailed, "
                + r.listed()
                + " message(s) listed, "
                + r.failed().size()
                + " refused");
        for (Map.Entry<String, Reply> f : r.failed().entrySet()) {
          err.println(
              "mailfilter digest: "
                  + f.getKey()
                  + ": "
                  + f.getValue().toWire().strip().replace("\r\n", " ")
                  + " (sent next run)");
        }
        return r.failed().isEmpty() ? 0 : 1;
      }
    } catch (IllegalArgumentException | ConfigException | TenantStoreException e) {
      err.println("mailfilter digest: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("mailfilter digest: " + e.getMessage());
      return 2;
    } finally {
      if (store != null) {
        store.close();
      }
    }
  }
}
