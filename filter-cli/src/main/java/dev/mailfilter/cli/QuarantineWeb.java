package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.smtp.Quarantine;
import dev.mailfilter.smtp.SmtpSettings;
import dev.mailfilter.web.WebPage;
import dev.mailfilter.web.quarantine.DigestKey;
import dev.mailfilter.web.quarantine.DigestLinkPage;
import dev.mailfilter.web.quarantine.DigestSettings;
import dev.mailfilter.web.quarantine.DigestTokens;
import dev.mailfilter.web.quarantine.QuarantinePage;
import dev.mailfilter.web.quarantine.UsedTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * The quarantine's part of the commands: the store a configuration names, opened to release where
 * the gateway would relay (its relay settings, name servers and result field names), and the pages
 * and digest tokens over it.
 */
final class QuarantineWeb {
  private QuarantineWeb() {}

  /**
   * The store of {@code smtp.quarantine.dir}, which must exist.
   *
   * @throws IllegalArgumentException when the file configures no quarantine or its directory is
   *     missing (a typo should not look like an empty quarantine)
   */
  static Quarantine open(FilterConfig config) throws IOException {
    SmtpSettings s = config.section(SmtpSettings.SECTION);
    Quarantine.Settings q =
        s.quarantine()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "the configuration names no quarantine (smtp.quarantine.dir)"));
    if (!Files.isDirectory(q.dir())) {
      throw new IllegalArgumentException("no quarantine directory " + q.dir());
    }
    return Quarantine.open(
            q.dir(),
            q.lifetime(),
            s.hostName(),
            s.relay(),
            config.section(dev.mailfilter.dns.DnsSettings.SECTION).servers())
        .withResultFields(QuarantineCommand.resultFields(config.headers()));
  }

  /** The link tokens of the digest, with their key and used set beside the quarantine. */
  static DigestTokens tokens(FilterConfig config, Quarantine q) throws IOException {
    DigestSettings d = config.section(DigestSettings.SECTION);
    Path state = d.stateDirFor(q.directory());
    return DigestTokens.create(
        DigestKey.loadOrCreate(d.keyFileFor(q.directory())),
        UsedTokens.directory(state.resolve("used"), Clock.systemUTC()),
        Clock.systemUTC());
  }

  /** The quarantine pages, when the configuration has a quarantine; else none. */
  static List<WebPage> pages(FilterConfig config, TenantStore store) throws IOException {
    if (config.section(SmtpSettings.SECTION).quarantine().isEmpty()) {
      return List.of();
    }
    Quarantine q = open(config);
    return List.of(QuarantinePage.of(q, store), DigestLinkPage.of(q, store, tokens(config, q)));
  }
}
