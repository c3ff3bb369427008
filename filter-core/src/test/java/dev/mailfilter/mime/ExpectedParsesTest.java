package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The expected parses shipped with mime4j's test messages ({@code X.xml} beside {@code X.msg}): the
 * entity tree (messages, multiparts, parts, leaf bodies) and each entity's field names must match
 * ours, except for the messages listed in {@code known-differences.md}.
 */
class ExpectedParsesTest {
  @Test
  void mime4jExpectedTreesMatchOurs() throws Exception {
    Path root = Corpus.root().resolve("mime/apache-james-mime4j/core/src/test/resources");
    List<Path> xmls;
    try (Stream<Path> s = Files.walk(root)) {
      xmls =
          s.filter(p -> p.toString().endsWith(".xml") && !p.toString().endsWith("_decoded.xml"))
              .filter(p -> Files.exists(msgFor(p)))
              .sorted()
              .toList();
    }
    assertThat(xmls.size()).as("expected parses found").isEqualTo(80);
    Set<String> known = KnownDifferences.mime4j();
    List<String> failures = new ArrayList<>();
    int compared = 0;
    for (Path xml : xmls) {
      Path msg = msgFor(xml);
      String name = Corpus.name(msg);
      if (known.contains(name)) {
        continue;
      }
      compared++;
      String expected = describeXml(Files.readString(xml, StandardCharsets.ISO_8859_1));
      ParsedMessage m = MessageParser.create(MimeLimits.PERMISSIVE).parse(Files.readAllBytes(msg));
      String actual = "msg{" + ours(m.root()) + "}";
      if (!expected.equals(actual)) {
        failures.add(name + "\n  expected " + expected + "\n  ours     " + actual);
      }
    }
    System.out.println("mime4j expected parses: " + compared + " compared");
    assertThat(failures).isEmpty();
  }

  private static Path msgFor(Path xml) {
    String n = xml.getFileName().toString();
    return xml.resolveSibling(n.substring(0, n.length() - 4) + ".msg");
  }

  private static String ours(MimePart p) {
    StringBuilder sb = new StringBuilder(fields(p));
    if (p.isMultipart()) {
      sb.append("multi(");
      for (MimePart c : p.children()) {
        sb.append("part{").append(ours(c)).append('}');
      }
      sb.append(')');
    } else if (p.isMessage()) {
      sb.append("msg{").append(ours(p.embeddedMessage().orElseThrow())).append('}');
    } else {
      sb.append("body");
    }
    return sb.toString();
  }

  private static String fields(MimePart p) {
    StringBuilder sb = new StringBuilder("[");
    for (HeaderField f : p.headers()) {
      sb.append(f.name().strip().toLowerCase(java.util.Locale.ROOT)).append(',');
    }
    return sb.append(']').toString();
  }

  private static final Pattern TAG =
      Pattern.compile("<(/?)(message|header|field|multipart|body-part|body|preamble|epilogue)>");

  /**
   * The tree of mime4j's event XML in our notation. The files use only these tags and escape markup
   * in text, so a tag scanner is enough (the core module does not read java.xml).
   */
  private static String describeXml(String xml) {
    StringBuilder sb = new StringBuilder();
    Matcher m = TAG.matcher(xml);
    int fieldStart = -1;
    boolean inHeader = false;
    while (m.find()) {
      boolean close = !m.group(1).isEmpty();
      switch (m.group(2)) {
        case "message" -> sb.append(close ? "}" : "msg{");
        case "body-part" -> sb.append(close ? "}" : "part{");
        case "multipart" -> sb.append(close ? ")" : "multi(");
        case "body" -> {
          if (!close) {
            sb.append("body");
          }
        }
        case "header" -> {
          inHeader = !close;
          sb.append(close ? "]" : "[");
        }
        case "field" -> {
          if (!close) {
            fieldStart = m.end();
          } else if (inHeader && fieldStart >= 0) {
            String raw = xml.substring(fieldStart, m.start()).strip();
            int colon = raw.indexOf(':');
            sb.append(
                    (colon < 0 ? raw : raw.substring(0, colon))
                        .strip()
                        .toLowerCase(java.util.Locale.ROOT))
                .append(',');
            fieldStart = -1;
          }
        }
        default -> {}
      }
    }
    return sb.toString();
  }
}
