package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.junit.jupiter.api.Test;

/**
 * Parses every message of the shared corpora with mime4j's {@link MimeTokenStream} and with ours
 * and compares the part tree, media types, boundaries, header fields and raw bodies, preambles and
 * epilogues byte for byte. A message that differs must be listed in {@code known-differences.md}
 * with the reason; a listed message that no longer differs fails too, so the file stays true.
 */
class Mime4jDifferentialTest {
  private static final MimeConfig MIME4J =
      MimeConfig.custom()
          .setMaxLineLen(-1)
          .setMaxHeaderCount(-1)
          .setMaxHeaderLen(-1)
          .setMaxContentLen(-1)
          .setMalformedHeaderStartsBody(true)
          .build();

  @Test
  void everyCorpusMessageParsesLikeMime4jOrIsAKnownDifference() throws Exception {
    List<Path> messages = Corpus.messages();
    assertThat(messages.size()).as("corpus size").isGreaterThan(3000);
    Map<String, String> differences = new LinkedHashMap<>();
    for (Path file : messages) {
      byte[] bytes = Files.readAllBytes(file);
      String ours = describeOurs(MessageParser.create(MimeLimits.PERMISSIVE).parse(bytes));
      String theirs;
      try {
        theirs = describeMime4j(forMime4j(bytes));
      } catch (IOException | MimeException | RuntimeException e) {
        // mime4j gives up on some inputs that ours parses; that is a difference to list.
        theirs = "mime4j failed: " + e;
      }
      if (!ours.equals(theirs)) {
        differences.put(Corpus.name(file), firstDifference(ours, theirs));
      }
    }
    Set<String> listed = KnownDifferences.mime4j();
    List<String> unlisted = new ArrayList<>();
    differences.forEach(
        (name, diff) -> {
          if (!listed.contains(name)) {
            unlisted.add(name + "\n" + diff);
          }
        });
    Set<String> stale = new TreeSet<>(listed);
    stale.removeAll(differences.keySet());
    System.out.println(
        "mime4j differential: "
            + messages.size()
            + " messages, "
            + differences.size()
            + " known differences");
    assertThat(unlisted).as("differences not in known-differences.md").isEmpty();
    assertThat(stale).as("listed in known-differences.md but parse the same now").isEmpty();
  }

  /**
   * The input as mime4j should see it: without an mbox "From " line, which is not part of the
   * message (ours skips it; mime4j would read it as the start of the body).
   */
  static byte[] forMime4j(byte[] bytes) {
    if (bytes.length > 5 && new String(bytes, 0, 5, StandardCharsets.ISO_8859_1).equals("From ")) {
      int lf = 0;
      while (lf < bytes.length && bytes[lf] != '\n') {
        lf++;
      }
      return java.util.Arrays.copyOfRange(bytes, Math.min(lf + 1, bytes.length), bytes.length);
    }
    return bytes;
  }

  private static String firstDifference(String ours, String theirs) {
    String[] a = ours.split("\n", -1);
    String[] b = theirs.split("\n", -1);
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      String x = i < a.length ? a[i] : "<none>";
      String y = i < b.length ? b[i] : "<none>";
      if (!x.equals(y)) {
        return "  line " + i + "\n  ours:   " + clip(x) + "\n  mime4j: " + clip(y);
      }
    }
    return "  (same lines)";
  }

  private static String clip(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  static String describeOurs(ParsedMessage m) {
    StringBuilder sb = new StringBuilder();
    describe(m.root(), sb);
    return sb.toString();
  }

  private static void describe(MimePart p, StringBuilder sb) {
    sb.append("entity ").append(p.mediaType()).append('\n');
    for (HeaderField f : p.headers()) {
      sb.append("field ").append(f.name()).append(": ").append(ascii(f.value())).append('\n');
    }
    if (p.isMultipart()) {
      sb.append("multipart ").append(p.boundary().orElse("")).append('\n');
      optional(sb, "preamble ", p.preamble().toByteArray());
      for (MimePart c : p.children()) {
        describe(c, sb);
      }
      optional(sb, "epilogue ", trimLineBreaks(p.epilogue().toByteArray()));
      sb.append("end multipart\n");
    } else if (p.isMessage()) {
      sb.append("message\n");
      describe(p.embeddedMessage().orElseThrow(), sb);
    } else {
      sb.append("body ").append(hash(p.rawBody().toByteArray())).append('\n');
      sb.append("decoded ")
          .append(hash(lineBreaksAsLf(p.decodedBody().toByteArray(), p.transferEncoding().token())))
          .append('\n');
    }
  }

  static String describeMime4j(byte[] bytes) throws IOException, MimeException {
    MimeTokenStream s = new MimeTokenStream(MIME4J);
    s.parse(new ByteArrayInputStream(bytes));
    StringBuilder sb = new StringBuilder();
    List<String> pendingFields = new ArrayList<>();
    boolean pending = false;
    for (EntityState state = s.next(); state != EntityState.T_END_OF_STREAM; state = s.next()) {
      // The body descriptor is readable only once the body starts: flush the entity then.
      if (pending
          && (state == EntityState.T_START_MULTIPART
              || state == EntityState.T_BODY
              || state == EntityState.T_START_MESSAGE)) {
        String type =
            state == EntityState.T_START_MESSAGE
                ? "message/rfc822"
                : s.getBodyDescriptor().getMimeType();
        sb.append("entity ").append(type).append('\n');
        for (String f : pendingFields) {
          sb.append(f).append('\n');
        }
        pending = false;
      }
      switch (state) {
        case T_START_HEADER -> pendingFields.clear();
        case T_FIELD -> {
          Field f = s.getField();
          pendingFields.add("field " + f.getName() + ": " + ascii(f.getBody().strip()));
        }
        case T_END_HEADER -> pending = true;
        case T_START_MULTIPART ->
            sb.append("multipart ").append(s.getBodyDescriptor().getBoundary()).append('\n');
        case T_PREAMBLE -> optional(sb, "preamble ", s.getInputStream().readAllBytes());
        case T_EPILOGUE ->
            optional(sb, "epilogue ", trimLineBreaks(s.getInputStream().readAllBytes()));
        case T_END_MULTIPART -> sb.append("end multipart\n");
        case T_BODY -> {
          byte[] raw = s.getInputStream().readAllBytes();
          sb.append("body ").append(hash(raw)).append('\n');
          sb.append("decoded ")
              .append(
                  hash(
                      lineBreaksAsLf(
                          mime4jDecode(raw, s.getBodyDescriptor().getTransferEncoding()),
                          s.getBodyDescriptor().getTransferEncoding())))
              .append('\n');
        }
        case T_START_MESSAGE -> {
          if (sb.length() > 0) {
            sb.append("message\n");
          }
        }
        default -> {}
      }
    }
    return sb.toString();
  }

  /**
   * Quoted-printable line breaks compared as LF: mime4j writes CRLF for every hard line break, ours
   * keeps the message's own line break bytes (file: E5).
   */
  private static byte[] lineBreaksAsLf(byte[] b, String transferEncoding) {
    if (!"quoted-printable".equalsIgnoreCase(transferEncoding)) {
      return b;
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(b.length);
    for (int i = 0; i < b.length; i++) {
      if (!(b[i] == '\r' && i + 1 < b.length && b[i + 1] == '\n')) {
        out.write(b[i]);
      }
    }
    return out.toByteArray();
  }

  /** What mime4j's {@code getDecodedInputStream()} gives, from the raw body read once. */
  private static byte[] mime4jDecode(byte[] raw, String transferEncoding) throws IOException {
    InputStream in = new ByteArrayInputStream(raw);
    if ("base64".equalsIgnoreCase(transferEncoding)) {
      in = new org.apache.james.mime4j.codec.Base64InputStream(in, DecodeMonitor.SILENT);
    } else if ("quoted-printable".equalsIgnoreCase(transferEncoding)) {
      in = new org.apache.james.mime4j.codec.QuotedPrintableInputStream(in, DecodeMonitor.SILENT);
    }
    return in.readAllBytes();
  }

  /** Header values compared on their ASCII: mime4j reads 8-bit header bytes differently (E2). */
  private static String ascii(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 128) {
        sb.append(c);
      }
    }
    return sb.toString().replaceAll("\\s+", " ");
  }

  /**
   * Epilogues are compared without their leading and trailing line breaks: mime4j counts the close
   * delimiter's line break into a top-level epilogue and drops a final empty line (file: E1).
   */
  private static byte[] trimLineBreaks(byte[] b) {
    int from = 0;
    int to = b.length;
    while (from < to && (b[from] == '\n' || b[from] == '\r')) {
      from++;
    }
    while (to > from && (b[to - 1] == '\n' || b[to - 1] == '\r')) {
      to--;
    }
    return java.util.Arrays.copyOfRange(b, from, to);
  }

  /** Preamble and epilogue lines only when not empty: mime4j skips the event for some empties. */
  private static void optional(StringBuilder sb, String label, byte[] b) {
    if (b.length > 0) {
      sb.append(label).append(hash(b)).append('\n');
    }
  }

  private static String hash(byte[] b) {
    return b.length + ":" + Integer.toHexString(java.util.Arrays.hashCode(b));
  }
}
