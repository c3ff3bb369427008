package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The user documentation points only at what the repository has: every relative link of README,
 * CHANGELOG and docs/ names an existing file (and, with {@code #anchor}, one of its headings),
 * every repository path written as code ({@code filter-core/src/...}) exists, and no configuration
 * key has two rows (which drift apart and contradict each other).
 */
class DocLinksTest {
  private static final Path ROOT = Path.of("..");

  /** {@code [text](target)}, the target without a title. */
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

  /** A code span that starts with a top-level folder of the repository. */
  private static final Pattern REPO_PATH =
      Pattern.compile(
          "`((?:filter-core|filter-cli|examples|benchmarks|docs|bin|\\.ci)/[A-Za-z0-9_./-]*)`");

  /** A table row naming a configuration key: {@code | `section.key` |}. */
  private static final Pattern KEY_ROW =
      Pattern.compile("^\\| `([a-z_]+(?:\\.[a-z_<>\\[\\]]+)+)` \\|");

  private static List<Path> docs() throws IOException {
    List<Path> out =
        new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("CHANGELOG.md")));
    try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
    }
    return out;
  }

  @Test
  void relativeLinksNameExistingFilesAndHeadings() throws IOException {
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path doc : docs()) {
      String text = Files.readString(doc, StandardCharsets.UTF_8);
      Matcher m = LINK.matcher(text);
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("^[a-z]+:.*")) {
          continue; // https:, mailto:
        }
        checked++;
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
        if (!Files.exists(resolved)) {
          broken.add(doc.getFileName() + ": " + target + " (no such file)");
          continue;
        }
        if (hash >= 0 && resolved.toString().endsWith(".md")) {
          String anchor = target.substring(hash + 1);
          if (!anchors(resolved).contains(anchor)) {
            broken.add(doc.getFileName() + ": " + target + " (no such heading)");
          }
        }
      }
    }
    assertThat(checked).isGreaterThan(10);
    assertThat(broken).as("broken links").isEmpty();
  }

  @Test
  void repositoryPathsWrittenAsCodeExist() throws IOException {
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (Path doc : docs()) {
      String text = Files.readString(doc, StandardCharsets.UTF_8);
      Matcher m = REPO_PATH.matcher(text);
      while (m.find()) {
        String path = m.group(1);
        if (path.contains("/target/")) {
          continue; // build output, there after a build
        }
        checked++;
        if (!Files.exists(ROOT.resolve(path))) {
          missing.add(doc.getFileName() + ": " + path);
        }
      }
    }
    assertThat(checked).isGreaterThan(5);
    assertThat(missing).as("paths the repository does not have").isEmpty();
  }

  @Test
  void noConfigurationKeyHasTwoRows() throws IOException {
    Map<String, String> first = new HashMap<>();
    List<String> twice = new ArrayList<>();
    for (Path doc : docs()) {
      List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = KEY_ROW.matcher(lines.get(i));
        if (m.find()) {
          String where = doc.getFileName() + ":" + (i + 1);
          String before = first.putIfAbsent(m.group(1), where);
          if (before != null) {
            twice.add(m.group(1) + " at " + before + " and " + where);
          }
        }
      }
    }
    assertThat(first).hasSizeGreaterThan(50);
    assertThat(twice).as("keys with two rows").isEmpty();
  }

  /**
   * GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped, - for space.
   */
  private static Set<String> anchors(Path md) throws IOException {
    Set<String> out = new HashSet<>();
    boolean fence = false;
    for (String line : Files.readAllLines(md, StandardCharsets.UTF_8)) {
      if (line.startsWith("```")) {
        fence = !fence;
      }
      if (fence || !line.startsWith("#")) {
        continue;
      }
      String title = line.replaceFirst("^#+\\s*", "").strip().toLowerCase(Locale.ROOT);
      StringBuilder a = new StringBuilder();
      for (int i = 0; i < title.length(); i++) {
        char c = title.charAt(i);
        if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
          a.append(c);
        } else if (c == ' ') {
          a.append('-');
        }
      }
      out.add(a.toString());
    }
    return out;
  }
}
