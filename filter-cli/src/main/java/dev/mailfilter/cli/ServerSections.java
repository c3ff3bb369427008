package dev.mailfilter.cli;

import dev.mailfilter.BuiltIns;
import dev.mailfilter.cluster.ClusterSettings;
import dev.mailfilter.cluster.admin.AdminSettings;
import dev.mailfilter.cluster.events.EventSettings;
import dev.mailfilter.cluster.events.EventsCheck;
import dev.mailfilter.cluster.state.SharedStateChecks;
import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.milter.MilterSettings;
import dev.mailfilter.ops.OpsSettings;
import dev.mailfilter.smtp.SmtpSettings;
import dev.mailfilter.spi.CheckRegistry;
import dev.mailfilter.web.WebSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The servers' configuration sections, known to every command: one file can serve a whole node (the
 * gateway, the milter, the admin API, {@code scan} and {@code config check}), and a mistyped key
 * under {@code smtp:}, {@code milter:}, {@code admin:} or {@code cluster:} is found by {@code
 * config check} rather than at the server's next start.
 */
final class ServerSections {
  static final List<ConfigSection<?>> ALL = all();

  /**
   * The checks every command knows: the built-in ones and the cluster's shared-state checks ({@code
   * checks.greylist}, {@code checks.ratelimit}, {@code checks.reputation}, off unless enabled), so
   * that one file configures a node whichever command reads it.
   */
  static final CheckRegistry CHECKS = SharedStateChecks.registry(BuiltIns.checks());

  /**
   * The checks of the mail servers ({@code smtp}, {@code milter}): {@link #CHECKS} and the verdict
   * events ({@code events:}), which record every verdict for the spam-source map and message
   * tracking. Not for {@code scan} or {@code eval}, whose verdicts are no traffic to map.
   */
  static final CheckRegistry SERVER_CHECKS = EventsCheck.registry(CHECKS);

  private ServerSections() {}

  private static List<ConfigSection<?>> all() {
    List<ConfigSection<?>> all =
        new ArrayList<>(
            List.of(
                MilterSettings.SECTION,
                SmtpSettings.SECTION,
                AdminSettings.SECTION,
                WebSettings.SECTION,
                dev.mailfilter.web.quarantine.DigestSettings.SECTION,
                ClusterSettings.SECTION,
                OpsSettings.SECTION));
    all.addAll(SharedStateChecks.SECTIONS);
    all.add(EventSettings.SECTION);
    return List.copyOf(all);
  }
}
