package dev.mailfilter.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Long options of one command: {@code --name value} (repeatable) and {@code --flag}; anything else
 * is an error naming the bad argument.
 */
final class Options {
  private final Map<String, List<String>> values = new LinkedHashMap<>();

  private Options() {}

  /**
   * Parses {@code args}; options in {@code withValue} take the next argument (several values may
   * follow until the next option), those in {@code flags} take none.
   */
  static Options parse(List<String> args, Set<String> withValue, Set<String> flags) {
    Options o = new Options();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (flags.contains(a)) {
        o.values.computeIfAbsent(a, k -> new ArrayList<>());
      } else if (withValue.contains(a)) {
        List<String> list = o.values.computeIfAbsent(a, k -> new ArrayList<>());
        int before = list.size();
        while (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
          list.add(args.get(++i));
        }
        if (list.size() == before) {
          throw new IllegalArgumentException("option " + a + " needs a value");
        }
      } else {
        throw new IllegalArgumentException("unknown option '" + a + "'");
      }
    }
    return o;
  }

  /**
   * The model settings: the {@code model:} section of {@code --config FILE} if given, else the
   * built-in defaults.
   */
  dev.mailfilter.learn.ModelSettings modelSettings() throws java.io.IOException {
    String config = single("--config", null);
    if (config == null) {
      return dev.mailfilter.learn.ModelSettings.defaults();
    }
    return dev.mailfilter.FilterConfig.load(
            Path.of(config), ServerSections.CHECKS, ServerSections.ALL)
        .section(dev.mailfilter.learn.ModelSettings.SECTION);
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  /** Every value given for a repeatable option, in order; empty when it was not given. */
  List<String> values(String name) {
    return values.getOrDefault(name, List.of());
  }

  List<Path> paths(String name) {
    return values.getOrDefault(name, List.of()).stream().map(Path::of).toList();
  }

  String single(String name, String fallback) {
    List<String> v = values.get(name);
    if (v == null) {
      return fallback;
    }
    if (v.size() != 1) {
      throw new IllegalArgumentException("option " + name + " takes one value: " + v);
    }
    return v.get(0);
  }

  int integer(String name, int fallback, int min, int max) {
    String v = single(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new IllegalArgumentException(
            "option " + name + " must be in [" + min + ", " + max + "]: " + v);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option " + name + " is not a number: " + v, e);
    }
  }

  double decimal(String name, double fallback) {
    String v = single(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option " + name + " is not a number: " + v, e);
    }
  }
}
