package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The {@code --config FILE} option every command takes, and loading it with a clear error. */
final class ConfigOption {
  private ConfigOption() {}

  /**
   * Removes {@code --config FILE} (or {@code --config=FILE}) from the arguments and returns the
   * file, if given.
   *
   * @throws IllegalArgumentException when the option has no value
   */
  static Optional<Path> extract(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--config")) {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException("--config needs a FILE");
        }
        Path p = Path.of(args.get(i + 1));
        args.remove(i + 1);
        args.remove(i);
        return Optional.of(p);
      }
      if (a.startsWith("--config=")) {
        args.remove(i);
        return Optional.of(Path.of(a.substring("--config=".length())));
      }
    }
    return Optional.empty();
  }

  /** Loads the file or the built-in defaults; prints why and returns empty when it cannot. */
  static Optional<FilterConfig> load(Optional<Path> file, PrintStream err) {
    return load(file, null, err);
  }

  /**
   * Loads the file or the built-in defaults, with {@code model.path} set to {@code model} unless it
   * is null; prints why and returns empty when it cannot.
   */
  static Optional<FilterConfig> load(Optional<Path> file, Path model, PrintStream err) {
    if (file.isEmpty() && model == null) {
      return Optional.of(FilterConfig.defaults());
    }
    try {
      if (model == null) {
        return Optional.of(
            FilterConfig.load(file.get(), ServerSections.CHECKS, ServerSections.ALL));
      }
      FilterConfig.Builder b = FilterConfig.builder();
      ServerSections.ALL.forEach(b::section);
      b.registry(ServerSections.CHECKS);
      if (file.isPresent()) {
        b.yaml(Files.readString(file.get(), StandardCharsets.UTF_8));
      }
      return Optional.of(b.set("model.path", model.toString()).build());
    } catch (ConfigException e) {
      err.println(
          "mailfilter: " + file.map(Path::toString).orElse("--model") + ": " + e.getMessage());
      return Optional.empty();
    } catch (NoSuchFileException e) {
      err.println("mailfilter: " + file.get() + ": no such file");
    } catch (IOException e) {
      err.println("mailfilter: " + file.get() + ": cannot read: " + e.getMessage());
    }
    return Optional.empty();
  }
}
