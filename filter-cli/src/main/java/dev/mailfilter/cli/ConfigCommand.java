package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.spi.CheckSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code mailfilter config check FILE} validates a configuration file: it parses it and builds a
 * filter from it, as a server would at start, so that a {@code model.path} naming no valid model is
 * found too. Exit 0 when valid, 2 when not (the key path and the reason on stderr) or on a usage
 * error. {@code mailfilter config show [--config FILE]} prints the configuration in effect as YAML.
 */
final class ConfigCommand {
  private static final String USAGE =
      "usage: mailfilter config check FILE | mailfilter config show [--config FILE]";

  private ConfigCommand() {}

  static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.contains("--help") || args.contains("-h")) {
      out.println(USAGE);
      out.println("  check FILE  validate a file: every key, and that a filter builds from it");
      out.println("  show        print the configuration in effect: the built-in defaults with");
      out.println("              --config FILE laid over them");
      out.println("exit status: 0 valid, 2 invalid or a usage error");
      return 0;
    }
    List<String> rest = new ArrayList<>(args);
    Optional<Path> option;
    try {
      option = ConfigOption.extract(rest);
    } catch (IllegalArgumentException e) {
      err.println("mailfilter config: " + e.getMessage());
      return 2;
    }
    if (rest.size() == 1 && rest.get(0).equals("show")) {
      Optional<FilterConfig> config = ConfigOption.load(option, err);
      if (config.isEmpty()) {
        return 2;
      }
      out.print(config.get().toYaml());
      return 0;
    }
    if (option.isPresent() && rest.size() == 1) {
      rest.add(option.get().toString());
    }
    if (rest.size() != 2 || !rest.get(0).equals("check")) {
      err.println(USAGE);
      return 2;
    }
    Path file = Path.of(rest.get(1));
    FilterConfig config;
    try {
      config = FilterConfig.load(file, ServerSections.CHECKS, ServerSections.ALL);
      MailFilter.builder().config(config).build().close();
    } catch (NoSuchFileException e) {
      err.println(file + ": no such file");
      return 2;
    } catch (IOException e) {
      err.println(file + ": cannot read: " + e.getMessage());
      return 2;
    } catch (ConfigException e) {
      err.println(file + ": " + e.getMessage());
      return 2;
    }
    for (String w : config.scoreWarnings()) {
      err.println(file + ": warning: scores.files: " + w);
    }
    List<String> names = new ArrayList<>();
    for (CheckSettings c : config.checks()) {
      names.add(c.check().name());
    }
    out.println(
        file + ": ok (checks: " + (names.isEmpty() ? "none" : String.join(", ", names)) + ")");
    return 0;
  }
}
