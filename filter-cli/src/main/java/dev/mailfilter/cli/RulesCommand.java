package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.sa.Problem;
import dev.mailfilter.sa.RuleSet;
import dev.mailfilter.sa.SpamAssassinSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code mailfilter rules check [--config FILE]} reads the SpamAssassin rules the configuration
 * names ({@code spamassassin.paths}) and reports how many loaded, then every rule that could not be
 * loaded and every directive skipped one by one with {@code file:line} and the reason, then the
 * other skipped lines counted by reason. Exit 0 when the paths were read, whatever the rules; 2
 * when a path or an included file cannot be read, or on a usage or configuration error.
 */
final class RulesCommand {
  private static final String USAGE = "usage: mailfilter rules check [--config FILE]";
  private static final String RULES_LOG_LEVEL = "org.slf4j.simpleLogger.log.dev.mailfilter.sa";

  private RulesCommand() {}

  static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.contains("--help") || args.contains("-h")) {
      out.println(USAGE);
      out.println("  check  load the SpamAssassin rules of spamassassin.paths and list what");
      out.println("         cannot be loaded (file:line: rule: reason) and what was skipped");
      out.println("exit status: 0 read, 2 a path unreadable or a usage error");
      return 0;
    }
    List<String> rest = new ArrayList<>(args);
    Optional<Path> option;
    try {
      option = ConfigOption.extract(rest);
    } catch (IllegalArgumentException e) {
      err.println("mailfilter rules: " + e.getMessage());
      return 2;
    }
    if (rest.size() != 1 || !rest.getFirst().equals("check")) {
      err.println(USAGE);
      return 2;
    }
    // The check's own load line would repeat the summary below.
    if (System.getProperty(RULES_LOG_LEVEL) == null) {
      System.setProperty(RULES_LOG_LEVEL, "warn");
    }
    Optional<FilterConfig> config = ConfigOption.load(option, err);
    if (config.isEmpty()) {
      return 2;
    }
    List<Path> paths = config.get().section(SpamAssassinSettings.SECTION).paths();
    if (paths.isEmpty()) {
      out.println("SpamAssassin rules: off (spamassassin.paths is empty, or none of the default");
      out.println(
          "paths "
              + SpamAssassinSettings.SHIPPED_RULES
              + " and "
              + SpamAssassinSettings.SITE_RULES
              + " exists)");
      return 0;
    }
    RuleSet rules = RuleSet.load(paths);
    int skippedLines = rules.skippedCounts().values().stream().mapToInt(Integer::intValue).sum();
    out.println(
        "SpamAssassin rules from "
            + paths
            + ": "
            + rules.loaded()
            + " loaded ("
            + rules.symbols().size()
            + " scored) from "
            + rules.files().size()
            + " files, "
            + rules.unsupported().size()
            + " unsupported, "
            + skippedLines
            + " lines skipped");
    out.println(
        "plugins counted as loaded: "
            + String.join(", ", rules.plugins().stream().sorted().toList()));
    if (!rules.unsupported().isEmpty()) {
      out.println();
      out.println("unsupported rules (" + rules.unsupported().size() + "):");
      for (Problem p : rules.unsupported()) {
        out.println("  " + p);
      }
    }
    if (!rules.skipped().isEmpty()) {
      out.println();
      out.println("skipped directives (" + rules.skipped().size() + "):");
      for (Problem p : rules.skipped()) {
        out.println("  " + p);
      }
    }
    out.println();
    out.println("skipped lines by reason:");
    rules.skippedCounts().entrySet().stream()
        .sorted(
            Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> out.printf("  %6d  %s%n", e.getValue(), e.getKey()));
    if (!rules.errors().isEmpty()) {
      for (Problem p : rules.errors()) {
        err.println("mailfilter rules: " + p);
      }
      return 2;
    }
    return 0;
  }
}
