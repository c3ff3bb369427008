package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The expected parses shipped with Stalwart's mail-parser ({@code X.crlf.json} beside {@code
 * X.eml}, describing the parse of the message with LF turned into CRLF): the part tree (multiparts,
 * embedded messages, leaves), each part's header field names in order, and the header, body and end
 * offsets of every part of the outer message must match ours, except for the messages listed in
 * {@code known-differences.md}.
 */
class StalwartExpectedParsesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void stalwartExpectedTreesAndOffsetsMatchOurs() throws Exception {
    Path root = Corpus.root().resolve("mime/stalwartlabs-mail-parser/resources/eml");
    List<Path> jsons;
    try (Stream<Path> s = Files.walk(root)) {
      jsons =
          s.filter(p -> p.toString().endsWith(".crlf.json"))
              .filter(p -> Files.exists(emlFor(p)))
              .sorted()
              .toList();
    }
    assertThat(jsons).as("expected parses found").hasSizeGreaterThan(40);
    Set<String> known = KnownDifferences.stalwart();
    List<String> failures = new ArrayList<>();
    int compared = 0;
    for (Path json : jsons) {
      Path eml = emlFor(json);
      String name = Corpus.name(eml);
      if (known.contains(name)) {
        continue;
      }
      compared++;
      JsonNode expected = JSON.readTree(json.toFile());
      byte[] crlf = toCrlf(Files.readAllBytes(eml));
      ParsedMessage m = MessageParser.create(MimeLimits.PERMISSIVE).parse(crlf);
      String want = describe(expected.get("parts"), 0, true);
      String got = describe(m.root(), true);
      if (!want.equals(got)) {
        failures.add(name + "\n  expected " + want + "\n  ours     " + got);
      }
    }
    System.out.println("Stalwart expected parses: " + compared + " compared");
    assertThat(failures).isEmpty();
  }

  private static String describe(JsonNode parts, int index, boolean outer) {
    JsonNode p = parts.get(index);
    StringBuilder sb = new StringBuilder();
    JsonNode body = p.get("body");
    List<String> names = new ArrayList<>();
    for (JsonNode h : p.get("headers")) {
      JsonNode n = h.get("name");
      names.add(
          n.isTextual()
              ? n.asText()
              : n.properties().iterator().next().getValue().asText().toLowerCase(Locale.ROOT));
    }
    String kind =
        body != null && body.has("Multipart")
            ? "M"
            : body != null && body.has("Message") ? "R" : "L";
    sb.append(kind).append(names);
    if (outer) {
      sb.append('@')
          .append(p.get("offset_header").asLong())
          .append('/')
          .append(p.get("offset_body").asLong())
          .append('/')
          .append(p.get("offset_end").asLong());
    }
    if (kind.equals("M")) {
      sb.append('(');
      for (JsonNode c : body.get("Multipart")) {
        sb.append(describe(parts, c.asInt(), outer)).append(' ');
      }
      sb.append(')');
    } else if (kind.equals("R")) {
      sb.append('(').append(describe(body.get("Message").get("parts"), 0, false)).append(')');
    }
    return sb.toString();
  }

  private static String describe(MimePart p, boolean outer) {
    StringBuilder sb = new StringBuilder();
    List<String> names = new ArrayList<>();
    for (HeaderField f : p.headers()) {
      names.add(normalise(f.name()));
    }
    boolean message = p.isMessage() && p.embeddedMessage().isPresent();
    String kind = p.isMultipart() ? "M" : message ? "R" : "L";
    sb.append(kind).append(names);
    if (outer) {
      sb.append('@')
          .append(p.start())
          .append('/')
          .append(p.bodyStart())
          .append('/')
          .append(p.bodyEnd());
    }
    if (p.isMultipart()) {
      sb.append('(');
      for (MimePart c : p.children()) {
        sb.append(describe(c, outer)).append(' ');
      }
      sb.append(')');
    } else if (message) {
      sb.append('(').append(describe(p.embeddedMessage().orElseThrow(), false)).append(')');
    }
    return sb.toString();
  }

  /** Stalwart names well-known fields in snake case and keeps others as written (lower case). */
  private static String normalise(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return switch (lower) {
      case "mime-version",
          "content-type",
          "content-transfer-encoding",
          "content-disposition",
          "content-id",
          "content-language",
          "content-location",
          "content-description",
          "message-id",
          "return-path",
          "dkim-signature",
          "in-reply-to",
          "reply-to",
          "list-id",
          "list-unsubscribe",
          "list-post",
          "list-help",
          "list-subscribe",
          "list-owner",
          "list-archive",
          "resent-from",
          "resent-to",
          "resent-cc",
          "resent-bcc",
          "resent-date",
          "resent-message-id",
          "resent-sender" ->
          lower.replace('-', '_');
      default -> lower;
    };
  }

  static byte[] toCrlf(byte[] in) {
    java.io.ByteArrayOutputStream out =
        new java.io.ByteArrayOutputStream(in.length + in.length / 20);
    for (int i = 0; i < in.length; i++) {
      if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) {
        out.write('\r');
      }
      out.write(in[i]);
    }
    return out.toByteArray();
  }

  private static Path emlFor(Path json) {
    String n = json.getFileName().toString();
    return json.resolveSibling(n.substring(0, n.length() - ".crlf.json".length()) + ".eml");
  }
}
