package dev.mailfilter.cli;

import dev.mailfilter.cluster.ClusterSettings;
import dev.mailfilter.cluster.admin.AdminSettings;
import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.milter.MilterSettings;
import dev.mailfilter.smtp.SmtpSettings;
import java.util.List;

/**
 * The servers' configuration sections, known to every command: one file can serve a whole node (the
 * gateway, the milter, the admin API, {@code scan} and {@code config check}), and a mistyped key
 * under {@code smtp:}, {@code milter:}, {@code admin:} or {@code cluster:} is found by {@code
 * config check} rather than at the server's next start.
 */
final class ServerSections {
  static final List<ConfigSection<?>> ALL =
      List.of(
          MilterSettings.SECTION,
          SmtpSettings.SECTION,
          AdminSettings.SECTION,
          ClusterSettings.SECTION);

  private ServerSections() {}
}
