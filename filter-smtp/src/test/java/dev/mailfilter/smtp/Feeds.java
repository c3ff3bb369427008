package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import dev.mailfilter.testkit.ChunkedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.List;
import java.util.function.Function;

/** Ways of feeding bytes to a reader: whole, one byte per read, and in seeded random splits. */
final class Feeds {
  private Feeds() {}

  /** A named way of feeding, so that a failing case says which one. */
  record Feed(String name, Function<byte[], InputStream> open) {
    InputStream of(byte[] bytes) {
      return open.apply(bytes);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Whole, byte by byte, and two seeded random splits. */
  static List<Feed> all() {
    return List.of(
        new Feed("whole", ByteArrayInputStream::new),
        new Feed("byte by byte", bytes -> new ChunkedInputStream(bytes, 1, 1)),
        new Feed("random splits seed 42", bytes -> new ChunkedInputStream(bytes, 42, 7)),
        new Feed("random splits seed 7", bytes -> new ChunkedInputStream(bytes, 7, 300)));
  }

  /** The bytes of a string written with escapes, one char per byte. */
  static byte[] bytes(String s) {
    return s.getBytes(ISO_8859_1);
  }

  static String text(byte[] b) {
    return new String(b, ISO_8859_1);
  }

  /** A sink that keeps everything, and counts the calls. */
  static final class Collect implements DataSink {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int calls;

    @Override
    public void accept(byte[] b, int offset, int length) {
      bytes.write(b, offset, length);
      calls++;
    }

    String text() {
      return Feeds.text(bytes.toByteArray());
    }
  }

  /** What a client sends for content: every line starting with a dot gets one more (4.5.2). */
  static byte[] stuff(byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean lineStart = true;
    for (int i = 0; i < content.length; i++) {
      byte b = content[i];
      if (lineStart && b == '.') {
        out.write('.');
      }
      out.write(b);
      lineStart = b == '\n' && i > 0 && content[i - 1] == '\r';
    }
    return out.toByteArray();
  }
}
