package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * The POSIX ustar subset that backups are written in: regular files only, names of at most 100
 * ASCII bytes, sizes below 8 GiB. GNU tar, bsdtar and Commons Compress read it; the reader refuses
 * everything else (links, devices, directories, PAX or GNU extension headers, {@code ..} or
 * absolute names, a bad header checksum, a size beyond its limit or the end of the file) with an
 * {@link IOException} naming the entry, before a byte of it is returned.
 *
 * <p>Why not Commons Compress: see the comment in filter-cli's pom.
 */
final class Tar {
  static final int BLOCK = 512;

  /** Names the backup writes: relative, slash-separated, no empty, {@code .} or {@code ..} part. */
  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*");

  /** The largest size an 11-digit octal field holds. */
  static final long MAX_SIZE = 077777777777L;

  private Tar() {}

  /** Whether the backup may write or read an entry of this name. */
  static boolean validName(String name) {
    return name.length() <= 100
        && NAME.matcher(name).matches()
        && Arrays.stream(name.split("/")).noneMatch(p -> p.equals("..") || p.equals("."));
  }

  /** Writes entries one after the other; {@link #finish} writes the end-of-archive blocks. */
  static final class Writer {
    private final OutputStream out;

    Writer(OutputStream out) {
      this.out = out;
    }

    /** Writes one regular file: its header, exactly {@code size} bytes of {@code data}, padding. */
    void entry(String name, long size, long mtimeSeconds, InputStream data) throws IOException {
      if (!validName(name)) {
        throw new IllegalArgumentException("not a backup entry name: '" + name + "'");
      }
      if (size < 0 || size > MAX_SIZE) {
        throw new IllegalArgumentException(name + ": size out of range: " + size);
      }
      out.write(header(name, size, mtimeSeconds, '0'));
      long copied = copy(data, out, size);
      if (copied != size) {
        throw new EOFException(name + ": ended after " + copied + " of " + size + " bytes");
      }
      pad(size);
    }

    void entry(String name, long mtimeSeconds, byte[] data) throws IOException {
      entry(name, data.length, mtimeSeconds, new java.io.ByteArrayInputStream(data));
    }

    private void pad(long size) throws IOException {
      int rest = (int) (size % BLOCK);
      if (rest != 0) {
        out.write(new byte[BLOCK - rest]);
      }
    }

    void finish() throws IOException {
      out.write(new byte[2 * BLOCK]);
      out.flush();
    }
  }

  static byte[] header(String name, long size, long mtimeSeconds, char type) {
    byte[] h = new byte[BLOCK];
    put(h, 0, 100, name.getBytes(US_ASCII));
    octal(h, 100, 8, 0644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, Math.max(0, mtimeSeconds));
    Arrays.fill(h, 148, 156, (byte) ' ');
    h[156] = (byte) type;
    put(h, 257, 6, "ustar\0".getBytes(US_ASCII));
    put(h, 263, 2, "00".getBytes(US_ASCII));
    octal(h, 148, 7, checksum(h));
    h[155] = ' ';
    return h;
  }

  private static void put(byte[] h, int at, int len, byte[] value) {
    System.arraycopy(value, 0, h, at, Math.min(len, value.length));
  }

  /** An octal number in {@code len - 1} digits and a NUL. */
  private static void octal(byte[] h, int at, int len, long value) {
    String s = Long.toOctalString(value);
    s = "0".repeat(len - 1 - s.length()) + s;
    put(h, at, len - 1, s.getBytes(US_ASCII));
    h[at + len - 1] = 0;
  }

  private static long checksum(byte[] h) {
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    return sum;
  }

  static long copy(InputStream in, OutputStream out, long size) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long done = 0;
    while (done < size) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, size - done));
      if (n < 0) {
        break;
      }
      out.write(buf, 0, n);
      done += n;
    }
    return done;
  }

  /** One entry's header as read. */
  record Header(String name, long size) {}

  /**
   * Reads entries of an archive of known length: {@link #next} returns the next header, checked, or
   * null at the end-of-archive blocks; {@link #data} then streams exactly its bytes.
   */
  static final class Reader {
    private final InputStream in;
    private final long length;
    private final long maxEntry;
    private long position;
    private long remaining; // of the current entry's data
    private long padding;

    /**
     * @param length the archive's length in bytes (a size beyond it is a truncated archive)
     * @param maxEntry the largest entry accepted
     */
    Reader(InputStream in, long length, long maxEntry) {
      this.in = in;
      this.length = length;
      this.maxEntry = maxEntry;
    }

    Header next() throws IOException {
      skip(remaining);
      remaining = 0;
      if (padding > 0) {
        byte[] pad = in.readNBytes((int) padding);
        position += pad.length;
        if (pad.length < padding) {
          throw new EOFException("archive truncated in an entry's padding");
        }
        if (!isZero(pad)) {
          throw new IOException("non-zero padding before byte " + position + " (damaged archive)");
        }
        padding = 0;
      }
      byte[] h = block("entry header");
      if (isZero(h)) {
        // Both blocks must be zero: a first zero block followed by data is not an end.
        if (!isZero(block("end-of-archive block"))) {
          throw new IOException("damaged end-of-archive block at byte " + (position - BLOCK));
        }
        return null;
      }
      String name = string(h, 0, 100);
      long sum = parseOctal(h, 148, 8, name, "checksum");
      if (sum != checksum(h)) {
        throw new IOException("entry '" + name + "': header checksum mismatch (damaged archive)");
      }
      if (!new String(h, 257, 5, US_ASCII).equals("ustar")) {
        throw new IOException("entry '" + name + "': not a ustar header");
      }
      String prefix = string(h, 345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
      char type = (char) h[156];
      if (type != '0' && type != 0) {
        throw new IOException(
            "entry '"
                + name
                + "': "
                + switch (type) {
                  case '1' -> "a hard link";
                  case '2' -> "a symbolic link";
                  case '5' -> "a directory";
                  case 'x', 'g' -> "a PAX extended header";
                  case 'L', 'K' -> "a GNU long-name header";
                  default -> "of type '" + type + "'";
                }
                + ", not a regular file; a backup holds regular files only");
      }
      if (!validName(name)) {
        throw new IOException(
            "entry '" + name + "': not a backup entry name (absolute, '..' or unusual characters)");
      }
      long size = parseOctal(h, 124, 12, name, "size");
      if (size > maxEntry) {
        throw new IOException(
            "entry '" + name + "': " + size + " bytes, over the limit of " + maxEntry);
      }
      long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
      if (position + padded > length) {
        throw new IOException(
            "entry '"
                + name
                + "': "
                + size
                + " bytes, past the end of the archive (truncated after "
                + length
                + " bytes)");
      }
      remaining = size;
      padding = padded - size;
      return new Header(name, size);
    }

    /** The current entry's bytes; reading stops at its end. */
    InputStream data() {
      return new InputStream() {
        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (remaining == 0) {
            return -1;
          }
          int n = in.read(b, off, (int) Math.min(len, remaining));
          if (n < 0) {
            throw new EOFException("archive truncated inside an entry");
          }
          remaining -= n;
          position += n;
          return n;
        }
      };
    }

    /** What follows the end-of-archive blocks must be zeros (tar pads to its record size). */
    void expectEnd() throws IOException {
      byte[] buf = new byte[BLOCK];
      int n;
      while ((n = in.readNBytes(buf, 0, BLOCK)) > 0) {
        for (int i = 0; i < n; i++) {
          if (buf[i] != 0) {
            throw new IOException("data after the end of the archive at byte " + position);
          }
        }
        position += n;
      }
    }

    private byte[] block(String what) throws IOException {
      byte[] b = in.readNBytes(BLOCK);
      if (b.length < BLOCK) {
        throw new IOException(
            "archive truncated: no complete " + what + " at byte " + position + " of " + length);
      }
      position += BLOCK;
      return b;
    }

    private void skip(long n) throws IOException {
      long left = n;
      while (left > 0) {
        long s = in.skip(left);
        if (s <= 0) {
          if (in.read() < 0) {
            throw new EOFException("archive truncated inside an entry");
          }
          s = 1;
        }
        left -= s;
      }
      position += n;
    }
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String string(byte[] h, int at, int len) {
    int end = at;
    while (end < at + len && h[end] != 0) {
      end++;
    }
    for (int i = at; i < end; i++) {
      if (h[i] < 0x20 || h[i] > 0x7e) {
        return new String(h, at, end - at, java.nio.charset.StandardCharsets.ISO_8859_1)
            .replaceAll("[^\\x20-\\x7e]", "?");
      }
    }
    return new String(h, at, end - at, US_ASCII);
  }

  private static long parseOctal(byte[] h, int at, int len, String name, String field)
      throws IOException {
    long v = 0;
    int i = at;
    while (i < at + len && h[i] == ' ') {
      i++;
    }
    int digits = 0;
    for (; i < at + len && h[i] >= '0' && h[i] <= '7'; i++) {
      v = v * 8 + (h[i] - '0');
      digits++;
    }
    for (; i < at + len; i++) {
      if (h[i] != 0 && h[i] != ' ') {
        throw new IOException("entry '" + name + "': bad " + field + " field in its header");
      }
    }
    if (digits == 0 || digits > 11) {
      throw new IOException("entry '" + name + "': bad " + field + " field in its header");
    }
    return v;
  }
}
