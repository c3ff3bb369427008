package dev.mailfilter.auth;

import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Reads the ValiMail ARC suites and Stalwart's ARC chains from the shared corpora. The YAML is read
 * as a node graph rather than as maps, so the four test ids that appear twice in the validation
 * file ({@code as_fields_b_head_case} and three more) are both run instead of the later one
 * silently replacing the earlier.
 */
final class ArcSuites {
  private ArcSuites() {}

  /** One test entry of a scenario. */
  record Case(String scenario, String id, Map<String, String> fields) {
    String get(String key) {
      return fields.getOrDefault(key, "");
    }
  }

  /** One scenario: its entries (duplicates kept), its DNS and its scenario-level keys. */
  record Scenario(
      String description,
      List<Case> cases,
      Map<String, List<String>> txt,
      Map<String, String> top) {}

  static Path arcDir() {
    Path shared = Path.of(System.getProperty("mailfilter.shared", "../shared"));
    if (!shared.isAbsolute() && !Files.isDirectory(shared.resolve("corpora"))) {
      shared = Path.of("..").resolve(shared);
    }
    return shared.resolve("corpora/auth/arc").normalize();
  }

  static List<Scenario> load(String file) throws IOException {
    Path path = arcDir().resolve("ValiMail-arc_test_suite/tests").resolve(file);
    String text = emptyBlocksAsEmptyStrings(Files.readString(path, StandardCharsets.UTF_8));
    LoadSettings settings = LoadSettings.builder().setAllowDuplicateKeys(true).build();
    Composer composer =
        new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text)));
    List<Scenario> out = new ArrayList<>();
    while (composer.hasNext()) {
      MappingNode doc = (MappingNode) composer.next();
      String description = "";
      List<Case> cases = new ArrayList<>();
      Map<String, List<String>> txt = new LinkedHashMap<>();
      Map<String, String> top = new LinkedHashMap<>();
      MappingNode tests = null;
      for (NodeTuple t : doc.getValue()) {
        String key = scalar(t.getKeyNode());
        switch (key) {
          case "description" -> description = scalar(t.getValueNode()).strip();
          case "tests" -> tests = (MappingNode) t.getValueNode();
          case "txt-records" -> {
            for (NodeTuple r : ((MappingNode) t.getValueNode()).getValue()) {
              txt.put(
                  scalar(r.getKeyNode()).toLowerCase(java.util.Locale.ROOT),
                  List.of(scalar(r.getValueNode())));
            }
          }
          default -> {
            if (t.getValueNode() instanceof ScalarNode s) {
              top.put(key, s.getValue());
            }
          }
        }
      }
      if (tests != null) {
        for (NodeTuple t : tests.getValue()) {
          Map<String, String> fields = new LinkedHashMap<>();
          for (NodeTuple f : ((MappingNode) t.getValueNode()).getValue()) {
            fields.put(scalar(f.getKeyNode()), scalar(f.getValueNode()));
          }
          cases.add(new Case(description, scalar(t.getKeyNode()), fields));
        }
      }
      out.add(new Scenario(description, cases, txt, top));
    }
    return out;
  }

  private static final Pattern BLOCK_KEY = Pattern.compile("( *)([A-Za-z-]+):\\s*\\|\\s*");

  /**
   * Rewrites a literal block that holds only blank lines ({@code cv: |} and the empty {@code AS},
   * {@code AMS}, {@code AAR} of {@code no_additional_sig}) as {@code ""}. Its blank lines carry
   * more spaces than the key that follows, which PyYAML reads as an empty value but YAML 1.2 (and
   * snakeyaml-engine) refuses as an indentation error; the value is the same empty string.
   */
  static String emptyBlocksAsEmptyStrings(String text) {
    String[] lines = text.split("\n", -1);
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < lines.length; i++) {
      Matcher m = BLOCK_KEY.matcher(lines[i]);
      if (m.matches()) {
        int j = i + 1;
        while (j < lines.length && lines[j].isBlank()) {
          j++;
        }
        int indent = j < lines.length ? lines[j].length() - lines[j].stripLeading().length() : 0;
        if (j > i + 1 && indent <= m.group(1).length()) {
          out.append(m.group(1)).append(m.group(2)).append(": \"\"\n");
          i = j - 1;
          continue;
        }
      }
      out.append(lines[i]);
      if (i < lines.length - 1) {
        out.append('\n');
      }
    }
    return out.toString();
  }

  private static String scalar(Node n) {
    return n instanceof ScalarNode s ? s.getValue() : "";
  }

  /** The suite's messages are LF-terminated YAML text: the wire form has CRLF line ends. */
  static byte[] crlf(String lfText) {
    return lfText.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
  }

  static ParsedMessage parse(String lfText) {
    return MessageParser.create().parse(crlf(lfText));
  }

  /** A Stalwart file: {@code name value} DNS lines, an empty line, then the message. */
  record Stalwart(Map<String, List<String>> txt, byte[] message) {}

  static Stalwart stalwart(String name) throws IOException {
    Path path = arcDir().resolve("stalwartlabs-mail-auth/resources/arc").resolve(name);
    String text = Files.readString(path, StandardCharsets.ISO_8859_1);
    int split = text.indexOf("\n\n");
    Map<String, List<String>> txt = new LinkedHashMap<>();
    for (String line : text.substring(0, split).split("\n")) {
      int space = line.indexOf(' ');
      String key = line.substring(0, space).toLowerCase(java.util.Locale.ROOT);
      if (key.endsWith(".")) {
        key = key.substring(0, key.length() - 1);
      }
      txt.computeIfAbsent(key, k -> new ArrayList<>()).add(line.substring(space + 1));
    }
    return new Stalwart(txt, crlf(text.substring(split + 2)));
  }
}
