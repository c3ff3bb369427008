package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The mbox splitter and unquoter against the line-by-line definitions they replaced (kept below as
 * the reference), on seeded random files made of the lines that matter: dated and undated {@code
 * From } lines, quoted ones, blank lines, lone CRs, LF and CRLF ends.
 */
class MboxSplitPropertyTest {
  private static final String[] LINES = {
    "From a@example.org Thu Jan  1 00:00:00 2026",
    "From b@example.org Fri Feb 13 23:59:59 2026",
    "From here on we disagree.",
    "From ",
    "From",
    ">From the start",
    ">>From deeper",
    ">>>From deepest 10:30",
    "> From not quoted",
    ">",
    "F",
    "",
    "",
    "\r",
    "Subject: hello",
    "body text",
  };

  private record Part(String label, String text) {}

  private static List<Part> split(byte[] b) {
    List<Part> out = new ArrayList<>();
    MessageSource.splitMbox(
        "f",
        b,
        item -> {
          MessageSource.Message m = (MessageSource.Message) item;
          out.add(new Part(m.label(), new String(m.bytes(), StandardCharsets.ISO_8859_1)));
        });
    return out;
  }

  @Test
  void splitAndUnquoteMatchTheLineByLineDefinitions() {
    SplittableRandom r = new SplittableRandom(20261204);
    int multi = 0;
    for (int n = 0; n < 30_000; n++) {
      StringBuilder sb = new StringBuilder();
      if (r.nextInt(10) > 0) {
        sb.append(LINES[r.nextInt(2)]).append('\n');
      }
      int lines = r.nextInt(25);
      for (int k = 0; k < lines; k++) {
        sb.append(LINES[r.nextInt(LINES.length)]);
        if (k < lines - 1 || r.nextBoolean()) {
          sb.append(r.nextInt(4) == 0 ? "\r\n" : "\n");
        }
      }
      byte[] b = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
      List<Part> expected = Reference.split("f", b);
      assertThat(split(b)).as("%s", sb).isEqualTo(expected);
      multi += expected.size() > 1 ? 1 : 0;
      int from = r.nextInt(b.length + 1);
      int to = from + r.nextInt(b.length - from + 1);
      assertThat(MessageSource.unquote(b, from, to))
          .as("%s [%d, %d)", sb, from, to)
          .isEqualTo(Reference.unquote(b, from, to));
    }
    assertThat(multi).isGreaterThan(1000); // the splits were exercised, not only single messages
  }

  /** The definitions as they were written before the one-pass versions. */
  private static final class Reference {
    private static final Pattern FROM_LINE = Pattern.compile("^From \\S+ +\\S.*\\d\\d?:\\d\\d");

    static List<Part> split(String label, byte[] b) {
      List<int[]> ranges = new ArrayList<>();
      int start = -1;
      int i = 0;
      boolean previousBlank = true;
      while (i < b.length) {
        int eol = i;
        while (eol < b.length && b[eol] != '\n') {
          eol++;
        }
        boolean fromLine =
            previousBlank
                && startsWith(b, i, eol, "From ")
                && (start < 0
                    || FROM_LINE
                        .matcher(new String(b, i, eol - i, StandardCharsets.ISO_8859_1))
                        .find());
        if (fromLine) {
          if (start >= 0) {
            ranges.add(new int[] {start, i});
          }
          start = Math.min(eol + 1, b.length);
        }
        int contentEnd = eol > i && b[eol - 1] == '\r' ? eol - 1 : eol;
        previousBlank = contentEnd == i;
        i = eol + 1;
      }
      if (start >= 0 && start < b.length) {
        ranges.add(new int[] {start, b.length});
      }
      List<Part> out = new ArrayList<>();
      for (int k = 0; k < ranges.size(); k++) {
        String l = ranges.size() == 1 ? label : label + ":" + (k + 1);
        byte[] m = unquote(b, ranges.get(k)[0], ranges.get(k)[1]);
        out.add(new Part(l, new String(m, StandardCharsets.ISO_8859_1)));
      }
      return out;
    }

    static byte[] unquote(byte[] b, int from, int to) {
      int end = to;
      if (end - from >= 2 && b[end - 1] == '\n' && b[end - 2] == '\n') {
        end--;
      } else if (end - from >= 4
          && b[end - 1] == '\n'
          && b[end - 2] == '\r'
          && b[end - 3] == '\n') {
        end -= 2;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(end - from);
      int i = from;
      while (i < end) {
        int eol = i;
        while (eol < end && b[eol] != '\n') {
          eol++;
        }
        int gt = i;
        while (gt < eol && b[gt] == '>') {
          gt++;
        }
        int lineStart = i;
        if (gt > i && startsWith(b, gt, eol, "From ")) {
          lineStart = i + 1;
        }
        int lineEnd = Math.min(eol + 1, end);
        out.write(b, lineStart, lineEnd - lineStart);
        i = eol + 1;
      }
      return out.toByteArray();
    }

    private static boolean startsWith(byte[] b, int from, int to, String prefix) {
      if (to - from < prefix.length()) {
        return false;
      }
      for (int k = 0; k < prefix.length(); k++) {
        if (b[from + k] != prefix.charAt(k)) {
          return false;
        }
      }
      return true;
    }
  }
}
