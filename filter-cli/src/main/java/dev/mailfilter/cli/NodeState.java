package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.config.YamlTree;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a node's configuration says its state is, for {@code backup} and {@code restore}: the files
 * the configuration names (as it spells them), the model file, the quarantine directory and the
 * directory of persisted statistics.
 *
 * @param configText the configuration file's text
 * @param configFiles files the configuration names that are the site's own: score files, the site's
 *     SpamAssassin rules (not those under {@code /usr} or {@code /var/lib/spamassassin}, which the
 *     packages and sa-update own), DKIM and ARC keys, the public suffix list, the gateway's TLS
 *     certificate, key and trust bundle
 * @param ruleDirs the site's own entries of {@code spamassassin.paths}, as written: a restore puts
 *     back the rule files of a directory that does not exist yet on a fresh node
 * @param model {@code model.path}
 * @param quarantine {@code smtp.quarantine.dir}
 * @param reportDir {@code checks.dmarc.report_dir}
 */
record NodeState(
    String configText,
    List<String> configFiles,
    List<String> ruleDirs,
    Optional<Path> model,
    Optional<Path> quarantine,
    Optional<Path> reportDir) {

  /** Distribution-owned rule trees: reinstalled with the package, not the site's own. */
  private static final List<Path> NOT_OURS =
      List.of(Path.of("/usr"), Path.of("/var/lib/spamassassin"));

  /**
   * Reads the state a configuration names; with {@code build}, validates the configuration as every
   * command does (which reads the files it names: a restore, before they are back, reads the YAML
   * tree only).
   *
   * @param label the file name for error messages
   * @throws dev.mailfilter.config.ConfigException when the configuration is not valid
   */
  static NodeState of(String configText, String label, boolean build) throws IOException {
    Map<String, Object> tree = YamlTree.read(configText, label);
    Set<String> files = new LinkedHashSet<>();
    List<String> ruleDirs = new ArrayList<>();
    strings(get(tree, "scores", "files")).forEach(files::add);
    Object sa = get(tree, "spamassassin", "paths");
    for (String p : strings(sa)) {
      Path path = Path.of(p).toAbsolutePath().normalize();
      if (NOT_OURS.stream().anyMatch(path::startsWith)) {
        continue;
      }
      ruleDirs.add(p);
      if (Files.isDirectory(path)) {
        // What the rule loader reads of a directory: its *.pre and *.cf files.
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(path, "*.{pre,cf}")) {
          List<String> inDir = new ArrayList<>();
          for (Path f : ds) {
            if (Files.isRegularFile(f)) {
              inDir.add(Path.of(p).resolve(f.getFileName()).toString());
            }
          }
          inDir.stream().sorted().forEach(files::add);
        }
      } else {
        files.add(p);
      }
    }
    Object dkim = get(tree, "checks", "dkim_sign", "keys");
    if (dkim instanceof List<?> keys) {
      for (Object k : keys) {
        if (k instanceof Map<?, ?> m && m.get("key") instanceof String s) {
          files.add(s);
        }
      }
    }
    string(get(tree, "checks", "arc", "seal", "key")).ifPresent(files::add);
    string(get(tree, "checks", "dmarc", "public_suffix_list")).ifPresent(files::add);
    string(get(tree, "smtp", "tls", "certificate")).ifPresent(files::add);
    string(get(tree, "smtp", "tls", "key")).ifPresent(files::add);
    string(get(tree, "smtp", "relay", "trust_certificates")).ifPresent(files::add);
    Optional<Path> model = string(get(tree, "model", "path")).map(Path::of);
    Optional<Path> quarantine = string(get(tree, "smtp", "quarantine", "dir")).map(Path::of);
    if (build) {
      FilterConfig.Builder b = FilterConfig.builder();
      ServerSections.ALL.forEach(b::section);
      FilterConfig config = b.yaml(configText).build();
      // The same paths as the built configuration's, which the tree's must not contradict.
      model = config.section(dev.mailfilter.learn.ModelSettings.SECTION).path();
      quarantine =
          config
              .section(dev.mailfilter.smtp.SmtpSettings.SECTION)
              .quarantine()
              .map(dev.mailfilter.smtp.Quarantine.Settings::dir);
    }
    Optional<Path> reportDir = string(get(tree, "checks", "dmarc", "report_dir")).map(Path::of);
    return new NodeState(
        configText, List.copyOf(files), List.copyOf(ruleDirs), model, quarantine, reportDir);
  }

  /**
   * Whether a restore may write {@code source}: a file the configuration names, or a rule file in
   * one of its rule directories.
   */
  boolean names(String source) {
    if (configFiles.contains(source)) {
      return true;
    }
    Path parent = Path.of(source).getParent();
    return parent != null
        && (source.endsWith(".cf") || source.endsWith(".pre"))
        && ruleDirs.stream().anyMatch(d -> Path.of(d).equals(parent));
  }

  static NodeState of(Path configFile) throws IOException {
    return of(Files.readString(configFile, UTF_8), configFile.toString(), true);
  }

  private static Object get(Map<String, Object> tree, String... keys) {
    Object o = tree;
    for (String k : keys) {
      if (!(o instanceof Map<?, ?> m)) {
        return null;
      }
      o = m.get(k);
    }
    return o;
  }

  private static List<String> strings(Object o) {
    if (o instanceof List<?> l) {
      return l.stream().filter(String.class::isInstance).map(String.class::cast).toList();
    }
    return List.of();
  }

  private static Optional<String> string(Object o) {
    return o instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
  }
}
