package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The scanner reads lines eight bytes at a time; these seeded messages put control bytes, 8-bit
 * bytes and line ends at every offset within a word and in the tail, and compare the line defects
 * and header fields with a byte-by-byte reference. A failure prints its seed.
 */
class LineScanPropertyTest {
  private static final int MAX_LINE = 40;
  private static final MimeLimits LIMITS =
      MimeLimits.builder().maxLineLength(MAX_LINE).maxHeaderSize(1 << 20).build();
  private static final byte[] VALUE_BYTES = {'a', 'b', ' ', '\t', ':', '\r', 0, (byte) 0xE9, 127};
  private static final byte[] BODY_BYTES = {'x', ' ', '-', '\r', '\n', '\n', 0, (byte) 0xC3, 13};

  @Test
  void lineDefectsAndFieldsMatchByteByByteReference() {
    for (long seed = 1; seed <= 3000; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      List<String[]> expectedFields = new ArrayList<>();
      byte[] msg = message(rnd, expectedFields);
      ParsedMessage m = MessageParser.create(LIMITS).parse(msg);
      String context = "seed " + seed + ": " + printable(msg);
      assertThat(m.headers()).as(context).hasSize(expectedFields.size());
      for (int i = 0; i < expectedFields.size(); i++) {
        HeaderField f = m.headers().get(i);
        assertThat(f.name()).as(context).isEqualTo(expectedFields.get(i)[0]);
        assertThat(f.rawValue().toByteArray())
            .as(context)
            .isEqualTo(latin1(expectedFields.get(i)[1]));
      }
      assertThat(lineDefects(m)).as(context).isEqualTo(reference(msg, expectedFields.size()));
    }
  }

  /** Header fields with folded lines and odd bytes in values, a blank line, a random body. */
  static byte[] message(SplittableRandom rnd, List<String[]> fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n = 1 + rnd.nextInt(5);
    for (int i = 0; i < n; i++) {
      String name = "X-" + "n".repeat(rnd.nextInt(12)) + i;
      StringBuilder value = new StringBuilder();
      int lines = 1 + rnd.nextInt(3);
      for (int l = 0; l < lines; l++) {
        if (l > 0) {
          value.append(rnd.nextBoolean() ? "\r\n" : "\n").append(rnd.nextBoolean() ? ' ' : '\t');
        }
        value.append('v');
        int len = rnd.nextInt(30);
        for (int k = 0; k < len; k++) {
          byte c = VALUE_BYTES[rnd.nextInt(VALUE_BYTES.length)];
          if (c == '\r' && k == len - 1) {
            c = 'z'; // a CR just before the line end would be part of the line break
          }
          value.append((char) (c & 0xff));
        }
        value.append('v');
      }
      fields.add(new String[] {name, value.toString()});
      out.writeBytes(latin1(name + ": " + value + (rnd.nextBoolean() ? "\r\n" : "\n")));
    }
    out.writeBytes(latin1(rnd.nextBoolean() ? "\r\n" : "\n"));
    int body = rnd.nextInt(200);
    for (int k = 0; k < body; k++) {
      out.write(BODY_BYTES[rnd.nextInt(BODY_BYTES.length)]);
      if (rnd.nextInt(20) == 0) {
        out.writeBytes(latin1("y".repeat(rnd.nextInt(60))));
      }
    }
    return out.toByteArray();
  }

  /** Line defects as type, first offset and count, the way the parser words them. */
  private static List<String> lineDefects(ParsedMessage m) {
    List<String> out = new ArrayList<>();
    for (Defect d : m.defects()) {
      switch (d.type()) {
        case BARE_LF, BARE_CR, NUL_BYTE, LINE_TOO_LONG, EIGHT_BIT_HEADER ->
            out.add(d.type() + "@" + d.offset() + " " + d.detail());
        default -> {}
      }
    }
    out.sort(null);
    return out;
  }

  /** Every line read once, one byte at a time. */
  private static List<String> reference(byte[] b, int headerFields) {
    int e = b.length;
    int[] count = new int[5];
    int[] first = {-1, -1, -1, -1, -1};
    boolean inHeader = true;
    for (int p = 0; p < e; ) {
      int le = p;
      while (le < e && b[le] != '\n') {
        le++;
      }
      for (int i = p; i < le; i++) {
        if (b[i] == 0) {
          note(count, first, 2, i);
        } else if (b[i] == '\r' && i + 1 < e && b[i + 1] != '\n') {
          note(count, first, 1, i);
        }
      }
      if (le < e && (le == p || b[le - 1] != '\r')) {
        note(count, first, 0, le);
      }
      if (le - p > MAX_LINE) {
        note(count, first, 3, p);
      }
      int contentEnd = le > p && b[le - 1] == '\r' ? le - 1 : le;
      if (inHeader && contentEnd == p) {
        inHeader = false;
      } else if (inHeader) {
        for (int i = p; i < contentEnd; i++) {
          if (b[i] < 0) {
            note(count, first, 4, i);
            break;
          }
        }
      }
      p = le < e ? le + 1 : e;
    }
    String[] what = {
      "BARE_LF line ended by LF without CR",
      "BARE_CR CR not followed by LF",
      "NUL_BYTE NUL byte",
      "LINE_TOO_LONG line longer than " + MAX_LINE + " bytes",
      "EIGHT_BIT_HEADER 8-bit byte in a header field"
    };
    List<String> out = new ArrayList<>();
    for (int k = 0; k < 5; k++) {
      if (count[k] > 0) {
        String type = what[k].substring(0, what[k].indexOf(' '));
        String text = what[k].substring(what[k].indexOf(' ') + 1);
        out.add(
            type + "@" + first[k] + " " + text + (count[k] > 1 ? " (" + count[k] + " lines)" : ""));
      }
    }
    out.sort(null);
    return out;
  }

  private static void note(int[] count, int[] first, int k, int at) {
    if (count[k]++ == 0) {
      first[k] = at;
    }
  }

  private static byte[] latin1(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private static String printable(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte c : b) {
      int v = c & 0xff;
      sb.append(v >= 32 && v < 127 ? String.valueOf((char) v) : String.format("\\x%02x", v));
    }
    return sb.toString();
  }
}
