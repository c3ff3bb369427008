package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.spi.CheckSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code mailfilter config check FILE}: validates a configuration file. Exit 0 when valid, 1 when
 * invalid (the key path and the reason on stderr), 2 on a usage error.
 */
final class ConfigCommand {
  private ConfigCommand() {}

  static int run(List<String> args, PrintStream out, PrintStream err) {
    List<String> rest = new ArrayList<>(args);
    java.util.Optional<Path> option;
    try {
      option = ConfigOption.extract(rest);
    } catch (IllegalArgumentException e) {
      err.println("mailfilter config: " + e.getMessage());
      return 2;
    }
    if (option.isPresent() && rest.size() == 1) {
      rest.add(option.get().toString());
    }
    if (rest.size() != 2 || !rest.get(0).equals("check")) {
      err.println("usage: mailfilter config check FILE");
      return 2;
    }
    Path file = Path.of(rest.get(1));
    FilterConfig config;
    try {
      config = FilterConfig.load(file);
    } catch (NoSuchFileException e) {
      err.println(file + ": no such file");
      return 1;
    } catch (IOException e) {
      err.println(file + ": cannot read: " + e.getMessage());
      return 1;
    } catch (ConfigException e) {
      err.println(file + ": " + e.getMessage());
      return 1;
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
