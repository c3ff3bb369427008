package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.mime.ByteView;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded properties of the canonicalisations: the streamed body hash equals the hash of a
 * line-by-line reference written straight from RFC 6376 sections 3.4.3 and 3.4.4 (with and without
 * {@code l=}, across the 8 KiB buffer); relaxed header canonicalisation ignores refolding, white
 * space runs and name case; the tag-list and signature parsers only ever throw {@link
 * DkimException}. A failure names its seed and case.
 */
class DkimCanonicalizationPropertyTest {
  private static final long SEED = 0xd61a6376L;
  private static final int CASES = 3_000;

  private static final String[] PIECES = {
    "a", "bc", " ", "\t", "  ", "\r\n", "\r\n", "\r\n\r\n", "\n", "\r", "\u00ff", "x y", " \r\n"
  };

  static String randomBody(SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(10) == 0 ? 3000 + r.nextInt(3000) : r.nextInt(40);
    for (int i = 0; i < n; i++) {
      b.append(PIECES[r.nextInt(PIECES.length)]);
    }
    return b.toString();
  }

  /** RFC 6376 3.4.3/3.4.4 on lines split at CRLF, as a reader of the RFC would write it. */
  static String reference(Canonicalization c, String body) {
    List<String> lines = new ArrayList<>(List.of(body.split("\r\n", -1)));
    boolean endsWithCrlf = body.endsWith("\r\n");
    if (endsWithCrlf || body.isEmpty()) {
      lines.remove(lines.size() - 1); // the empty string after the last CRLF is not a line
    }
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      out.add(
          c == Canonicalization.RELAXED
              // \z, not $: $ would also match before a final bare CR, which is no line end here
              ? line.replaceAll("[ \t]+", " ").replaceAll(" \\z", "")
              : line);
    }
    while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1);
    }
    if (out.isEmpty()) {
      return c == Canonicalization.SIMPLE ? "\r\n" : "";
    }
    return String.join("\r\n", out) + "\r\n";
  }

  static byte[] sha(String s) {
    return Canonicalization.sha256().digest(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void streamedBodyHashEqualsTheReferenceWithAndWithoutLimit() {
    SplittableRandom r = new SplittableRandom(SEED);
    for (int i = 0; i < CASES; i++) {
      String body = randomBody(r);
      for (Canonicalization c : Canonicalization.values()) {
        String expected = reference(c, body);
        ByteView view = ByteView.copyOf(body.getBytes(StandardCharsets.ISO_8859_1));
        Canonicalization.BodyHash all = c.hashBody(view, -1);
        assertThat(all.hash())
            .as("seed %x case %d %s %s", SEED, i, c, body)
            .isEqualTo(sha(expected));
        assertThat(all.canonicalLength()).isEqualTo(expected.length());
        int limit = r.nextInt(expected.length() + 2);
        Canonicalization.BodyHash part = c.hashBody(view, limit);
        assertThat(part.hash())
            .as("seed %x case %d %s l=%d", SEED, i, c, limit)
            .isEqualTo(sha(expected.substring(0, Math.min(limit, expected.length()))));
        assertThat(part.partial()).isEqualTo(limit < expected.length());
      }
    }
  }

  @Test
  void relaxedBodyIgnoresTrailingWhiteSpaceAndEmptyLines() {
    SplittableRandom r = new SplittableRandom(SEED + 1);
    for (int i = 0; i < CASES; i++) {
      String body = randomBody(r).replace("\r", "").replace("\n", "\r\n");
      String padded =
          body + (body.endsWith("\r\n") || body.isEmpty() ? "" : "\r\n") + " \t\r\n\r\n";
      assertThat(Canonicalization.RELAXED.bodyHash(bytes(padded), -1))
          .as("case %d", i)
          .isEqualTo(Canonicalization.RELAXED.bodyHash(bytes(body), -1));
    }
  }

  private static final String[] WORDS = {
    "a", "Hello", "b@c.example", "(x)", "=?utf-8?q?x?=", "\u00e9"
  };

  @Test
  void relaxedHeaderIgnoresRefoldingWhiteSpaceAndNameCase() {
    SplittableRandom r = new SplittableRandom(SEED + 2);
    for (int i = 0; i < CASES; i++) {
      List<String> words = new ArrayList<>();
      for (int k = 1 + r.nextInt(6); k > 0; k--) {
        words.add(WORDS[r.nextInt(WORDS.length)]);
      }
      String plain = "Subject: " + String.join(" ", words);
      StringBuilder mangled = new StringBuilder(r.nextBoolean() ? "SUBJECT" : "subJect");
      mangled.append(r.nextBoolean() ? " :" : ":");
      for (String w : words) {
        mangled.append(
            switch (r.nextInt(4)) {
              case 0 -> " ";
              case 1 -> "\t ";
              case 2 -> "\r\n ";
              default -> "  \r\n\t";
            });
        mangled.append(w);
      }
      mangled.append(r.nextBoolean() ? "  " : "");
      String canonical = Canonicalization.RELAXED.header(plain);
      assertThat(Canonicalization.RELAXED.header(mangled.toString()))
          .as("case %d: %s", i, mangled)
          .isEqualTo(canonical);
      String again = canonical.substring(0, canonical.length() - 2);
      assertThat(Canonicalization.RELAXED.header(again)).isEqualTo(canonical);
    }
  }

  @Test
  void parsersThrowOnlyDkimExceptionOnMutatedInput() throws Exception {
    String good =
        new String(DkimSuiteTest.message("rfc6376.signed.rsa.msg"), StandardCharsets.ISO_8859_1);
    String field = DkimHeaders.stripLineEnd(good.substring(0, good.indexOf("\r\nFrom:") + 2));
    String key = DkimSuiteTest.data("test.txt");
    SplittableRandom r = new SplittableRandom(SEED + 3);
    String alphabet = "=;: \t\r\nabv1-/+.@_\u0000\u00ff";
    for (int i = 0; i < CASES; i++) {
      for (String base : List.of(field, key)) {
        StringBuilder b = new StringBuilder(base);
        for (int m = 1 + r.nextInt(4); m > 0 && b.length() > 0; m--) {
          int at = r.nextInt(b.length());
          switch (r.nextInt(3)) {
            case 0 -> b.deleteCharAt(at);
            case 1 -> b.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
            default -> b.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length())));
          }
        }
        String text = b.toString();
        try {
          if (base == field) {
            DkimSignature s = DkimSignature.parse(text);
            DkimSignature.withoutSignatureValue(s.rawField());
          } else {
            DkimKey.parse(text);
          }
        } catch (DkimException expected) {
          // the one allowed failure
        } catch (RuntimeException e) {
          throw new AssertionError("seed " + SEED + " case " + i + ": " + text, e);
        }
      }
    }
  }

  private static ByteView bytes(String s) {
    return ByteView.copyOf(s.getBytes(StandardCharsets.ISO_8859_1));
  }
}
