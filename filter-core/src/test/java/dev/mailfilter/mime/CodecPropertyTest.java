package dev.mailfilter.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.james.mime4j.codec.QuotedPrintableOutputStream;
import org.junit.jupiter.api.Test;

/** Seeded round-trip properties: encode with a reference encoder, decode with ours. */
class CodecPropertyTest {
  private static final String[] CHARSETS = {
    "UTF-8",
    "utf-8",
    "ISO-8859-2",
    "KOI8-R",
    "windows-1251",
    "GBK",
    "Shift_JIS",
    "EUC-KR",
    "UTF-16BE",
    "Big5"
  };

  static byte[] base64Decode(byte[] src, Defects d) {
    byte[] dst = new byte[Base64.maxDecodedLength(src.length)];
    return Arrays.copyOf(dst, Base64.decode(src, 0, src.length, dst, 0, d));
  }

  static byte[] qpDecode(byte[] src, Defects d) {
    byte[] dst = new byte[src.length];
    return Arrays.copyOf(dst, QuotedPrintable.decode(src, 0, src.length, dst, 0, d));
  }

  static byte[] mime4jQpEncode(byte[] data, boolean binary) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (QuotedPrintableOutputStream qp = new QuotedPrintableOutputStream(out, binary)) {
        qp.write(data);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void base64DecodesWhatTheJdkMimeEncoderWrites() {
    Gen.forSeeds(
        500,
        r -> {
          byte[] data = Gen.bytes(r, 3000);
          int lineLength = 4 * (1 + r.nextInt(40));
          String sep = r.nextBoolean() ? "\r\n" : "\n";
          byte[] enc =
              java.util.Base64.getMimeEncoder(lineLength, sep.getBytes(StandardCharsets.US_ASCII))
                  .encode(data);
          Defects d = new Defects();
          assertThat(base64Decode(enc, d)).isEqualTo(data);
          assertThat(d.all).isEmpty();
        });
  }

  @Test
  void base64DecodesUnpaddedInputWithAPaddingDefectOnly() {
    Gen.forSeeds(
        300,
        r -> {
          byte[] data = Gen.bytes(r, 500);
          byte[] enc = java.util.Base64.getEncoder().withoutPadding().encode(data);
          Defects d = new Defects();
          assertThat(base64Decode(enc, d)).isEqualTo(data);
          if (data.length % 3 == 0) {
            assertThat(d.all).isEmpty();
          } else {
            assertThat(d.types()).containsExactly(DefectType.BASE64_PADDING);
          }
        });
  }

  @Test
  void base64IgnoresJunkInsertedAnywhere() {
    Gen.forSeeds(
        300,
        r -> {
          byte[] data = Gen.bytes(r, 500);
          byte[] enc = java.util.Base64.getMimeEncoder().encode(data);
          ByteArrayOutputStream noisy = new ByteArrayOutputStream();
          byte[] junk = "!*-.~\u0000\u00ff ".getBytes(StandardCharsets.ISO_8859_1);
          for (byte b : enc) {
            if (r.nextInt(10) == 0) {
              noisy.write(junk[r.nextInt(junk.length)]);
            }
            noisy.write(b);
          }
          Defects d = new Defects();
          assertThat(base64Decode(noisy.toByteArray(), d)).isEqualTo(data);
        });
  }

  @Test
  void quotedPrintableRoundTripsBinaryThroughMime4jsEncoder() {
    Gen.forSeeds(
        500,
        r -> {
          byte[] data = Gen.bytes(r, 2000);
          Defects d = new Defects();
          assertThat(qpDecode(mime4jQpEncode(data, true), d)).isEqualTo(data);
          assertThat(d.all).isEmpty();
        });
  }

  @Test
  void quotedPrintableRoundTripsTextLinesWithTrailingWhitespace() {
    Gen.forSeeds(
        500,
        r -> {
          StringBuilder text = new StringBuilder();
          int lines = r.nextInt(20);
          for (int i = 0; i < lines; i++) {
            text.append(Gen.text(r, StandardCharsets.UTF_8, 200));
            text.append(" ".repeat(r.nextInt(3))).append("\t".repeat(r.nextInt(2)));
            text.append("\r\n");
          }
          byte[] data = text.toString().getBytes(StandardCharsets.UTF_8);
          Defects d = new Defects();
          assertThat(qpDecode(mime4jQpEncode(data, false), d)).isEqualTo(data);
          assertThat(d.all).isEmpty();
        });
  }

  /** Encodes bytes as RFC 2047 words, split at random byte offsets (even inside characters). */
  static String encodeWords(SplittableRandom r, byte[] bytes, String label) {
    return encodeWords(r, bytes, label, true);
  }

  /** As above; with {@code splitChars} false the whole byte string goes into one word. */
  static String encodeWords(SplittableRandom r, byte[] bytes, String label, boolean splitChars) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    do {
      int n = splitChars ? Math.min(bytes.length - i, 1 + r.nextInt(30)) : bytes.length;
      byte[] chunk = Arrays.copyOfRange(bytes, i, i + n);
      if (!out.isEmpty()) {
        out.append(
            switch (r.nextInt(3)) {
              case 0 -> " ";
              case 1 -> "\t ";
              default -> "  ";
            });
      }
      String lang = r.nextInt(5) == 0 ? "*en" : "";
      if (r.nextBoolean()) {
        out.append("=?").append(label).append(lang).append(r.nextBoolean() ? "?B?" : "?b?");
        out.append(java.util.Base64.getEncoder().encodeToString(chunk));
      } else {
        out.append("=?").append(label).append(lang).append(r.nextBoolean() ? "?Q?" : "?q?");
        for (byte b : chunk) {
          int c = b & 0xFF;
          if (c == ' ') {
            out.append('_');
          } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            out.append((char) c);
          } else {
            out.append(String.format("=%02X", c));
          }
        }
      }
      out.append("?=");
      i += n;
    } while (i < bytes.length);
    return out.toString();
  }

  @Test
  void encodedWordsRoundTripInRandomCharsetsAndSplits() {
    Gen.forSeeds(
        500,
        r -> {
          String label = CHARSETS[r.nextInt(CHARSETS.length)];
          // The charset the label means to a mail reader (WHATWG: Shift_JIS is windows-31j).
          Charset cs = Charsets.lookup(label).orElseThrow();
          String text = Gen.text(r, cs, 60);
          String encoded = encodeWords(r, text.getBytes(cs), label);
          Defects d = new Defects();
          assertThat(EncodedWords.decode(encoded, d)).as(encoded).isEqualTo(text);
          assertThat(d.all).isEmpty();
        });
  }

  @Test
  void rfc2231ParametersRoundTripInAnySectionOrder() {
    Gen.forSeeds(
        300,
        r -> {
          String text = Gen.text(r, StandardCharsets.UTF_8, 80);
          byte[] b = text.getBytes(StandardCharsets.UTF_8);
          List<String> sections = new ArrayList<>();
          int i = 0;
          int k = 0;
          while (i < b.length || k == 0) {
            int n = Math.min(b.length - i, 1 + r.nextInt(20));
            StringBuilder s = new StringBuilder(" filename*" + k + "*=");
            if (k == 0) {
              s.append("utf-8'en'");
            }
            for (int j = i; j < i + n; j++) {
              s.append(String.format("%%%02X", b[j] & 0xFF));
            }
            sections.add(s.toString());
            i += n;
            k++;
          }
          Collections.shuffle(sections, new java.util.Random(r.nextLong()));
          String header = "attachment;" + String.join(";", sections);
          Defects d = new Defects();
          assertThat(MimeParameters.parse(header, d).parameters())
              .as(header)
              .containsExactly(java.util.Map.entry("filename", text));
          assertThat(d.all).isEmpty();
        });
  }

  @Test
  void addressesRoundTripWithQuotedAndEncodedDisplayNames() {
    Gen.forSeeds(
        300,
        r -> {
          List<Mailbox> want = new ArrayList<>();
          StringBuilder header = new StringBuilder();
          int count = 1 + r.nextInt(5);
          for (int i = 0; i < count; i++) {
            String name = Gen.text(r, StandardCharsets.UTF_8, 20).strip();
            String local = "u" + r.nextInt(1000) + (r.nextBoolean() ? ".x+tag" : "");
            String domain = "d" + r.nextInt(100) + ".example";
            if (i > 0) {
              header.append(r.nextBoolean() ? ", " : ",\t");
            }
            if (name.isEmpty()) {
              header.append(local).append('@').append(domain);
            } else if (r.nextBoolean()) {
              String quoted = name.replace("\\", "\\\\").replace("\"", "\\\"");
              header.append('"').append(quoted).append("\" <");
              header.append(local).append('@').append(domain).append('>');
            } else {
              header.append(encodeWords(r, name.getBytes(StandardCharsets.UTF_8), "utf-8"));
              header.append(" <").append(local).append('@').append(domain).append('>');
            }
            want.add(new Mailbox(name, local, domain));
          }
          Defects d = new Defects();
          List<Address> got = AddressParser.parseList(header, d);
          assertThat(got).as(header.toString()).containsExactlyElementsOf(want);
          assertThat(d.all).isEmpty();
        });
  }
}
