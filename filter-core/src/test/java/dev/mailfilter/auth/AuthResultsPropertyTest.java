package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded properties of the Authentication-Results formatter and parser: whatever the builder
 * accepts formats to a field that parses back to the same value, with every line within 78 columns
 * unless one word is longer; any text, those fields mutated or random, parses or is an {@link
 * IllegalArgumentException}, never another exception. A failure prints its seed and input.
 */
class AuthResultsPropertyTest {
  private static final long SEED = 0x8601L;
  private static final int CASES = 20_000;

  private static final java.util.regex.Pattern FOLDABLE =
      java.util.regex.Pattern.compile("[ \t][^ \t]");

  private static final String TEXT_CHARS = "abcXYZ019 .-_@/=+;:()\\\"'<>,[]?!\t\u00e9\u65e5";

  private static String pick(SplittableRandom r, List<String> xs) {
    return xs.get(r.nextInt(xs.size()));
  }

  private static String keyword(SplittableRandom r) {
    String letters = "abcdefghijklmnopqrstuvwxyzABC0123456789";
    StringBuilder b = new StringBuilder();
    int n = 1 + r.nextInt(10);
    for (int i = 0; i < n; i++) {
      boolean inner = i > 0 && i < n - 1;
      b.append(inner && r.nextInt(6) == 0 ? '-' : letters.charAt(r.nextInt(letters.length())));
    }
    return b.toString();
  }

  private static String text(SplittableRandom r, int max) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(max + 1);
    for (int i = 0; i < n; i++) {
      b.append(TEXT_CHARS.charAt(r.nextInt(TEXT_CHARS.length())));
    }
    return b.toString();
  }

  private static String value(SplittableRandom r) {
    return switch (r.nextInt(5)) {
      case 0 -> pick(r, List.of("example.org", "a@example.org", "@example.org", "192.0.2.1"));
      case 1 -> pick(r, List.of("first.last@sub.example.org", "2001:db8::1", "sel-2024"));
      case 2 -> keyword(r);
      default -> text(r, 30);
    };
  }

  static AuthResults valid(SplittableRandom r) {
    String id = r.nextInt(4) == 0 ? text(r, 20) + "x" : pick(r, List.of("mx.example.net", "MX1"));
    List<MethodResult> results = new ArrayList<>();
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      MethodResult m =
          MethodResult.of(
              pick(r, List.of("spf", "dkim", "dmarc", "arc", "iprev", keyword(r))),
              pick(r, List.of("pass", "fail", "none", "temperror", keyword(r))));
      if (r.nextBoolean()) {
        m = m.withComment(text(r, 40));
      }
      if (r.nextBoolean()) {
        m = m.withReason(text(r, 60));
      }
      int props = r.nextInt(5);
      for (int p = 0; p < props; p++) {
        m =
            m.with(
                pick(r, List.of("smtp", "header", "policy", keyword(r))),
                pick(r, List.of("mailfrom", "helo", "d", "s", "from", keyword(r))),
                value(r));
      }
      results.add(m);
    }
    return new AuthResults(id, 1 + (r.nextInt(5) == 0 ? r.nextInt(3) : 0), results);
  }

  @Test
  void everyValidFieldFormatsWithin78ColumnsAndParsesBackToItself() {
    SplittableRandom seeds = new SplittableRandom(SEED);
    for (int c = 0; c < CASES; c++) {
      long seed = seeds.nextLong();
      AuthResults ar = valid(new SplittableRandom(seed));
      String text = ar.format();
      try {
        assertThat(AuthResults.parse(text)).isEqualTo(ar);
        assertThat(AuthResults.authservId(text)).contains(ar.authservId());
        String[] lines = (AuthResults.FIELD + ": " + text).split("\r\n", -1);
        lines[0] = lines[0].substring(AuthResults.FIELD.length() + 2);
        for (int i = 0; i < lines.length; i++) {
          String line = lines[i];
          assertThat(line.isBlank()).as("line %d is blank", i).isFalse();
          if ((i == 0 ? AuthResults.FIELD.length() + 2 : 0) + line.length() > 78) {
            // Only a line with no place to fold (white space before another character) is longer.
            assertThat(FOLDABLE.matcher(line.substring(1)).find()).as("line %d", i).isFalse();
          }
        }
      } catch (AssertionError | RuntimeException e) {
        fail("seed " + Long.toHexString(seed) + ": " + text, e);
      }
    }
  }

  @Test
  void anyTextParsesOrIsAnIllegalArgumentException() {
    SplittableRandom seeds = new SplittableRandom(SEED + 1);
    for (int c = 0; c < CASES; c++) {
      long seed = seeds.nextLong();
      SplittableRandom r = new SplittableRandom(seed);
      String text =
          r.nextBoolean() ? mutate(r, valid(r).format()) : text(r, 80).replace('\t', '\n');
      try {
        AuthResults.parse(text);
      } catch (IllegalArgumentException expected) {
        assertThat(expected.getMessage()).startsWith("Authentication-Results: expected ");
      } catch (RuntimeException e) {
        fail("seed " + Long.toHexString(seed) + ": " + text, e);
      }
      AuthResults.authservId(text); // never throws
    }
  }

  private static String mutate(SplittableRandom r, String s) {
    StringBuilder b = new StringBuilder(s);
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits && !b.isEmpty(); e++) {
      int at = r.nextInt(b.length());
      switch (r.nextInt(3)) {
        case 0 -> b.deleteCharAt(at);
        case 1 -> b.insert(at, TEXT_CHARS.charAt(r.nextInt(TEXT_CHARS.length())));
        default -> b.setCharAt(at, (char) r.nextInt(0x80));
      }
    }
    return b.toString();
  }
}
