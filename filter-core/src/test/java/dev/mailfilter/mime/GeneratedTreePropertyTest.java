package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property: a random MIME tree, serialized, parses back to the same tree (paths, media types,
 * boundaries, bodies, preambles, epilogues, decoded bodies). Seeded; a failure names its seed.
 */
class GeneratedTreePropertyTest {
  private sealed interface Node permits Leaf, Multi, Embedded {}

  private record Leaf(String type, byte[] content, boolean base64) implements Node {}

  private record Multi(
      String subtype, String boundary, String preamble, String epilogue, List<Node> children)
      implements Node {}

  private record Embedded(Node inner) implements Node {}

  @Test
  void randomTreesRoundTrip() {
    long base = new SplittableRandom().nextLong();
    for (int i = 0; i < 300; i++) {
      long seed = base + i;
      SplittableRandom r = new SplittableRandom(seed);
      String eol = r.nextBoolean() ? "\r\n" : "\n";
      Node tree = node(r, 0, new int[] {0}, eol);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      write(tree, r, eol, out, true);
      byte[] bytes = out.toByteArray();
      ParsedMessage m = i % 20 == 0 ? Parsing.parse(bytes) : MessageParser.create().parse(bytes);
      List<String> expected = new ArrayList<>();
      expect(tree, "", false, expected);
      List<String> actual = new ArrayList<>();
      for (MimePart p : m.parts()) {
        actual.add(describe(p));
      }
      assertThat(actual)
          .as("seed %d, message:%n%s", seed, new String(bytes, StandardCharsets.ISO_8859_1))
          .isEqualTo(expected);
      assertThat(m.defects())
          .as("seed %d", seed)
          .allMatch(d -> eol.equals("\n") && d.type() == DefectType.BARE_LF);
      Invariants.check(m, MimeLimits.DEFAULT);
    }
  }

  /** The message of one seed, built as {@link #randomTreesRoundTrip} builds it. */
  static byte[] generatedMessage(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    String eol = r.nextBoolean() ? "\r\n" : "\n";
    Node tree = node(r, 0, new int[] {0}, eol);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(tree, r, eol, out, true);
    return out.toByteArray();
  }

  private static String describe(MimePart p) {
    String s = p.path() + " " + p.mediaType();
    if (p.isMultipart()) {
      return s
          + " b="
          + p.boundary().orElseThrow()
          + " pre="
          + p.preamble().latin1().replace("\r\n", "\n")
          + " epi="
          + p.epilogue().latin1().replace("\r\n", "\n");
    }
    if (p.isMessage()) {
      return s;
    }
    return s + " body=" + Base64.getEncoder().encodeToString(p.decodedBody().toByteArray());
  }

  private static void expect(Node n, String path, boolean embeddedRoot, List<String> out) {
    switch (n) {
      case Leaf l ->
          out.add(
              path + " " + l.type() + " body=" + Base64.getEncoder().encodeToString(l.content()));
      case Embedded e -> {
        out.add(path + " message/rfc822");
        expect(e.inner(), path.isEmpty() ? "0" : path + ".0", true, out);
      }
      case Multi mp -> {
        out.add(
            path
                + " multipart/"
                + mp.subtype()
                + " b="
                + mp.boundary()
                + " pre="
                + mp.preamble()
                + " epi="
                + mp.epilogue());
        String prefix =
            !embeddedRoot ? path : path.equals("0") ? "" : path.substring(0, path.length() - 2);
        for (int i = 0; i < mp.children().size(); i++) {
          String child = prefix.isEmpty() ? Integer.toString(i + 1) : prefix + "." + (i + 1);
          expect(mp.children().get(i), child, false, out);
        }
      }
    }
  }

  private static Node node(SplittableRandom r, int depth, int[] counter, String eol) {
    int kind = depth >= 4 ? 0 : r.nextInt(10);
    if (kind < 5) {
      boolean binary = r.nextInt(3) == 0;
      byte[] content;
      if (binary) {
        content = new byte[r.nextInt(200)];
        r.nextBytes(content);
        return new Leaf("application/octet-stream", content, true);
      }
      return new Leaf(
          r.nextBoolean() ? "text/plain" : "text/html",
          text(r, 5).replace("\n", eol).getBytes(StandardCharsets.ISO_8859_1),
          false);
    }
    if (kind < 7) {
      return new Embedded(node(r, depth + 1, counter, eol));
    }
    List<Node> children = new ArrayList<>();
    int n = 1 + r.nextInt(4);
    for (int i = 0; i < n; i++) {
      children.add(node(r, depth + 1, counter, eol));
    }
    String[] subtypes = {"mixed", "alternative", "related", "parallel"};
    return new Multi(
        subtypes[r.nextInt(subtypes.length)],
        "=_b" + (counter[0]++) + "_" + Long.toHexString(r.nextLong()),
        r.nextBoolean() ? "" : text(r, 2),
        r.nextBoolean() ? "" : text(r, 2),
        children);
  }

  /** Lines of letters; never starts a line with "-", never ends with a line break. */
  private static String text(SplittableRandom r, int maxLines) {
    StringBuilder sb = new StringBuilder();
    int lines = 1 + r.nextInt(maxLines);
    for (int i = 0; i < lines; i++) {
      if (i > 0) {
        sb.append('\n');
      }
      int len = 1 + r.nextInt(60);
      for (int j = 0; j < len; j++) {
        sb.append(
            j == 0 ? (char) ('a' + r.nextInt(26)) : " abcxyzABC.,;=<>-".charAt(r.nextInt(17)));
      }
    }
    return sb.toString();
  }

  private static void write(
      Node n, SplittableRandom r, String eol, ByteArrayOutputStream out, boolean top) {
    if (r.nextBoolean()) {
      line(out, "X-Random: " + Long.toHexString(r.nextLong()), eol);
    }
    switch (n) {
      case Leaf l -> {
        line(out, "Content-Type: " + l.type() + (l.base64() ? "" : "; charset=us-ascii"), eol);
        if (l.base64()) {
          line(out, "Content-Transfer-Encoding: base64", eol);
          out.writeBytes(eol.getBytes(StandardCharsets.US_ASCII));
          String b64 =
              Base64.getMimeEncoder(76, eol.getBytes(StandardCharsets.US_ASCII))
                  .encodeToString(l.content());
          out.writeBytes(b64.getBytes(StandardCharsets.US_ASCII));
        } else {
          out.writeBytes(eol.getBytes(StandardCharsets.US_ASCII));
          out.writeBytes(l.content());
        }
      }
      case Embedded e -> {
        line(out, "Content-Type: message/rfc822", eol);
        out.writeBytes(eol.getBytes(StandardCharsets.US_ASCII));
        write(e.inner(), r, eol, out, false);
      }
      case Multi mp -> {
        boolean quoted = r.nextBoolean();
        line(
            out,
            "Content-Type: multipart/"
                + mp.subtype()
                + ";"
                + eol
                + "\tboundary="
                + (quoted ? "\"" + mp.boundary() + "\"" : mp.boundary()),
            eol);
        out.writeBytes(eol.getBytes(StandardCharsets.US_ASCII));
        if (!mp.preamble().isEmpty()) {
          line(out, mp.preamble().replace("\n", eol), eol);
        }
        for (Node c : mp.children()) {
          line(out, "--" + mp.boundary(), eol);
          write(c, r, eol, out, false);
          out.writeBytes(eol.getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(("--" + mp.boundary() + "--").getBytes(StandardCharsets.US_ASCII));
        if (!mp.epilogue().isEmpty()) {
          out.writeBytes(eol.getBytes(StandardCharsets.US_ASCII));
          out.writeBytes(mp.epilogue().replace("\n", eol).getBytes(StandardCharsets.ISO_8859_1));
        }
      }
    }
  }

  private static void line(ByteArrayOutputStream out, String s, String eol) {
    out.writeBytes((s + eol).getBytes(StandardCharsets.ISO_8859_1));
  }
}
