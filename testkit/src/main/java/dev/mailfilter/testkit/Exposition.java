package dev.mailfilter.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of a Prometheus scrape: the text format 0.0.4, or OpenMetrics 1.0 text. The
 * Prometheus Java client writes these formats but cannot read them, so the tests read them here and
 * check what a scraper relies on: names and label names by the grammar, label values by the
 * escaping rules, one {@code # TYPE} per family before its samples, a family's samples together,
 * the sample names its type allows, no sample twice, and per histogram series buckets by ascending
 * {@code le} with counts that never fall and a {@code +Inf} bucket equal to {@code _count}. Any
 * breach is an {@link IllegalArgumentException} naming the line.
 */
public final class Exposition {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES =
      Set.of("counter", "gauge", "histogram", "summary", "untyped", "info", "stateset", "unknown");

  /** One sample: its full name ({@code x_bucket}), labels and value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** One family: its name as in {@code # TYPE}, its type, help and samples in order. */
  public record Family(String name, String type, String help, List<Sample> samples) {}

  private final Map<String, Family> families;

  private Exposition(Map<String, Family> families) {
    this.families = families;
  }

  /** Parses the text format 0.0.4 ({@code text/plain; version=0.0.4}). */
  public static Exposition parseText(String text) {
    return parse(text, false);
  }

  /** Parses OpenMetrics 1.0 text ({@code application/openmetrics-text}), which ends in # EOF. */
  public static Exposition parseOpenMetrics(String text) {
    return parse(text, true);
  }

  /** The families by name, in the order of the scrape. */
  public Map<String, Family> families() {
    return Collections.unmodifiableMap(families);
  }

  /** The family of this name. */
  public Family family(String name) {
    Family f = families.get(name);
    if (f == null) {
      throw new AssertionError("no family " + name + " among " + families.keySet());
    }
    return f;
  }

  /** The value of the one sample {@code name} with exactly these labels ({@code "k", "v", ...}). */
  public double value(String name, String... labels) {
    Map<String, String> want = new TreeMap<>();
    for (int i = 0; i + 1 < labels.length; i += 2) {
      want.put(labels[i], labels[i + 1]);
    }
    for (Family f : families.values()) {
      for (Sample s : f.samples()) {
        if (s.name().equals(name) && new TreeMap<>(s.labels()).equals(want)) {
          return s.value();
        }
      }
    }
    throw new AssertionError("no sample " + name + want);
  }

  /** Whether some sample {@code name} has these labels among its labels. */
  public boolean has(String name, String... labels) {
    for (Family f : families.values()) {
      for (Sample s : f.samples()) {
        if (s.name().equals(name) && matches(s, labels)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The sum of the samples {@code name} that have these labels among theirs. */
  public double sum(String name, String... labels) {
    double total = 0;
    for (Family f : families.values()) {
      for (Sample s : f.samples()) {
        if (s.name().equals(name) && matches(s, labels)) {
          total += s.value();
        }
      }
    }
    return total;
  }

  private static boolean matches(Sample s, String... labels) {
    for (int i = 0; i + 1 < labels.length; i += 2) {
      if (!Objects.equals(s.labels().get(labels[i]), labels[i + 1])) {
        return false;
      }
    }
    return true;
  }

  private static Exposition parse(String text, boolean openMetrics) {
    Map<String, String> types = new LinkedHashMap<>();
    Map<String, String> helps = new LinkedHashMap<>();
    Map<String, List<Sample>> samples = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    String current = null; // the family whose samples come now
    Set<String> closed = new HashSet<>(); // families whose samples ended
    String[] lines = text.split("\n", -1);
    int end = lines.length;
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("the exposition does not end with a newline");
    }
    end--; // the empty string after the last newline
    if (openMetrics) {
      if (end == 0 || !lines[end - 1].equals("# EOF")) {
        throw new IllegalArgumentException("OpenMetrics must end with # EOF");
      }
      end--;
    }
    for (int n = 0; n < end; n++) {
      String line = lines[n];
      String where = "line " + (n + 1) + ": " + line;
      if (line.isEmpty()) {
        if (openMetrics) {
          throw new IllegalArgumentException("empty line in OpenMetrics, " + where);
        }
        continue;
      }
      if (line.startsWith("#")) {
        String[] parts = line.split(" ", 4);
        if (parts.length < 3 || !parts[0].equals("#")) {
          if (openMetrics) {
            throw new IllegalArgumentException("bad comment, " + where);
          }
          continue; // 0.0.4 allows other comments
        }
        String kind = parts[1];
        String family = parts[2];
        if (!kind.equals("TYPE") && !kind.equals("HELP") && !kind.equals("UNIT")) {
          if (openMetrics) {
            throw new IllegalArgumentException("unknown descriptor, " + where);
          }
          continue;
        }
        name(family, where);
        if (closed.contains(family)
            || (current != null && !current.equals(family) && samples.containsKey(family))) {
          throw new IllegalArgumentException("family " + family + " is split, " + where);
        }
        if (current != null && !current.equals(family)) {
          closed.add(current);
        }
        current = family;
        switch (kind) {
          case "TYPE" -> {
            if (parts.length != 4 || !TYPES.contains(parts[3])) {
              throw new IllegalArgumentException("bad type, " + where);
            }
            if (types.put(family, parts[3]) != null) {
              throw new IllegalArgumentException("second TYPE for " + family + ", " + where);
            }
            if (samples.containsKey(family)) {
              throw new IllegalArgumentException("TYPE after samples of " + family + ", " + where);
            }
          }
          case "HELP" -> {
            if (helps.put(family, parts.length == 4 ? parts[3] : "") != null) {
              throw new IllegalArgumentException("second HELP for " + family + ", " + where);
            }
          }
          default -> {
            // UNIT: OpenMetrics only; the family name must end with it
            if (parts.length != 4 || !family.endsWith("_" + parts[3])) {
              throw new IllegalArgumentException("bad unit, " + where);
            }
          }
        }
        continue;
      }
      Sample s = sample(line, where);
      String family = familyOf(s.name(), types, openMetrics);
      if (family == null) {
        throw new IllegalArgumentException("sample without a # TYPE family, " + where);
      }
      if (closed.contains(family)) {
        throw new IllegalArgumentException("family " + family + " is split, " + where);
      }
      if (current != null && !current.equals(family)) {
        closed.add(current);
      }
      current = family;
      String key = s.name() + new TreeMap<>(s.labels());
      if (!seen.add(key)) {
        throw new IllegalArgumentException("sample twice, " + where);
      }
      samples.computeIfAbsent(family, k -> new ArrayList<>()).add(s);
    }
    Map<String, Family> out = new LinkedHashMap<>();
    types.forEach(
        (name, type) -> {
          List<Sample> ss = samples.getOrDefault(name, List.of());
          if (type.equals("histogram")) {
            histograms(name, ss);
          }
          out.put(name, new Family(name, type, helps.getOrDefault(name, ""), List.copyOf(ss)));
        });
    return new Exposition(out);
  }

  /** The family a sample name belongs to by the suffixes its type allows. */
  private static String familyOf(String sample, Map<String, String> types, boolean openMetrics) {
    String type = types.get(sample);
    if (type != null) {
      boolean plain =
          switch (type) {
            case "gauge", "untyped", "unknown", "stateset" -> true;
            case "counter" -> !openMetrics;
            case "summary" -> true; // the quantile samples
            default -> false;
          };
      if (plain) {
        return sample;
      }
    }
    for (String suffix : List.of("_total", "_created", "_bucket", "_sum", "_count", "_info")) {
      if (sample.endsWith(suffix)) {
        String family = sample.substring(0, sample.length() - suffix.length());
        String t = types.get(family);
        if (t == null) {
          continue;
        }
        boolean ok =
            switch (t) {
              case "counter" ->
                  openMetrics && (suffix.equals("_total") || suffix.equals("_created"));
              case "histogram" ->
                  suffix.equals("_bucket")
                      || suffix.equals("_sum")
                      || suffix.equals("_count")
                      || (openMetrics && suffix.equals("_created"));
              case "summary" ->
                  suffix.equals("_sum")
                      || suffix.equals("_count")
                      || (openMetrics && suffix.equals("_created"));
              case "info" -> openMetrics && suffix.equals("_info");
              default -> false;
            };
        if (ok) {
          return family;
        }
      }
    }
    return null;
  }

  private static void histograms(String family, List<Sample> samples) {
    Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
    Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
    for (Sample s : samples) {
      if (s.name().endsWith("_bucket")) {
        Map<String, String> series = new TreeMap<>(s.labels());
        if (series.remove("le") == null) {
          throw new IllegalArgumentException(family + ": a bucket without le: " + s);
        }
        buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
      } else if (s.name().endsWith("_count")) {
        counts.put(new TreeMap<>(s.labels()), s.value());
      }
    }
    if (!buckets.keySet().equals(counts.keySet())) {
      throw new IllegalArgumentException(family + ": buckets and _count name other series");
    }
    buckets.forEach(
        (series, bs) -> {
          double lastLe = Double.NEGATIVE_INFINITY;
          double lastCount = 0;
          for (Sample b : bs) {
            double le = number(b.labels().get("le"), family + " le");
            if (!(le > lastLe)) {
              throw new IllegalArgumentException(family + series + ": le not ascending at " + le);
            }
            if (b.value() < lastCount) {
              throw new IllegalArgumentException(family + series + ": bucket count falls at " + le);
            }
            lastLe = le;
            lastCount = b.value();
          }
          if (lastLe != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(family + series + ": no +Inf bucket");
          }
          if (lastCount != counts.get(series)) {
            throw new IllegalArgumentException(
                family + series + ": +Inf " + lastCount + " != _count " + counts.get(series));
          }
        });
  }

  private static Sample sample(String line, String where) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    name(name, where);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        if (eq < 0) {
          throw new IllegalArgumentException("label without =, " + where);
        }
        String label = line.substring(i, eq);
        if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
          throw new IllegalArgumentException("bad label name " + label + ", " + where);
        }
        i = eq + 1;
        if (line.charAt(i) != '"') {
          throw new IllegalArgumentException("label value not quoted, " + where);
        }
        i++;
        StringBuilder v = new StringBuilder();
        while (true) {
          char c = line.charAt(i++);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            char e = line.charAt(i++);
            switch (e) {
              case '\\' -> v.append('\\');
              case '"' -> v.append('"');
              case 'n' -> v.append('\n');
              default -> throw new IllegalArgumentException("bad escape \\" + e + ", " + where);
            }
          } else {
            v.append(c);
          }
        }
        if (labels.put(label, v.toString()) != null) {
          throw new IllegalArgumentException("label " + label + " twice, " + where);
        }
        if (line.charAt(i) == ',') {
          i++;
        } else if (line.charAt(i) != '}') {
          throw new IllegalArgumentException("expected , or }, " + where);
        }
      }
      i++;
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw new IllegalArgumentException("no value, " + where);
    }
    String[] rest = line.substring(i + 1).split(" ");
    if (rest.length < 1 || rest.length > 2) {
      throw new IllegalArgumentException("expected a value and at most a timestamp, " + where);
    }
    double value = number(rest[0], where);
    if (rest.length == 2) {
      number(rest[1], where);
    }
    return new Sample(name, labels, value);
  }

  private static void name(String name, String where) {
    if (!METRIC_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("bad metric name " + name + ", " + where);
    }
  }

  private static double number(String text, String where) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("not a number: " + text + ", " + where, e);
        }
      }
    };
  }
}
