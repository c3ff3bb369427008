package dev.mailfilter.mime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;

/**
 * The messages listed in {@code known-differences.md}, by the reference they differ from: sections
 * headed {@code ## S...} concern Stalwart's expected parses, all others mime4j.
 */
final class KnownDifferences {
  private KnownDifferences() {}

  static Set<String> mime4j() {
    return listed(false);
  }

  static Set<String> stalwart() {
    return listed(true);
  }

  private static Set<String> listed(boolean stalwart) {
    Set<String> out = new TreeSet<>();
    String text;
    try (InputStream in = KnownDifferences.class.getResourceAsStream("/known-differences.md")) {
      if (in == null) {
        return out;
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    boolean inStalwart = false;
    for (String line : text.split("\n")) {
      if (line.startsWith("## ")) {
        inStalwart = line.startsWith("## S");
      } else if (line.startsWith("- `") && inStalwart == stalwart) {
        out.add(line.substring(3, line.indexOf('`', 3)));
      }
    }
    return out;
  }
}
