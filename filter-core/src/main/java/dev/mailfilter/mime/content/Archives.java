package dev.mailfilter.mime.content;

import static dev.mailfilter.mime.content.ZipReader.u16;
import static dev.mailfilter.mime.content.ZipReader.u32;

import dev.mailfilter.mime.content.ArchiveListing.Entry;
import dev.mailfilter.mime.content.ArchiveListing.Flag;
import dev.mailfilter.mime.content.ArchiveListing.Format;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Lists archives in memory with bounded work: ZIP (central directory, local headers as fallback,
 * nested archives opened recursively, decompression bombs flagged), RAR 4 and 5 (names, sizes and
 * encryption from the block headers, which are not compressed), 7z (encrypted or opaque). Nothing
 * is written to disk and nothing is decompressed beyond {@link ArchiveLimits#maxInflatedBytes()}.
 */
public final class Archives {
  /** Entries larger than this are judged by their compression ratio. */
  static final long BOMB_MIN_SIZE = 1L << 20;

  private Archives() {}

  /**
   * Lists the archive in {@code b[off, off + len)}. Never throws on bad content: a damaged or
   * unknown archive yields a partial or empty listing with flags saying why.
   *
   * @throws IndexOutOfBoundsException if the range is not inside {@code b}
   */
  public static ArchiveListing list(byte[] b, int off, int len, ArchiveLimits limits) {
    Objects.requireNonNull(b, "b");
    Objects.requireNonNull(limits, "limits");
    Objects.checkFromIndexSize(off, len, b.length);
    Context ctx = new Context(limits);
    Format format = format(b, off, len);
    switch (format) {
      case ZIP -> zip(ctx, b, off, len, "", 1);
      case RAR4 -> rar4(ctx, b, off, len, "", 1);
      case RAR5 -> rar5(ctx, b, off, len, "", 1);
      case SEVEN_ZIP -> sevenZip(ctx, b, off, len);
      case NONE -> {}
    }
    return new ArchiveListing(format, ctx.entries, ctx.flags, ctx.inflated);
  }

  /** The archive format of {@code b[off, off + len)}, by signature. */
  static Format format(byte[] b, int off, int len) {
    if (ZipReader.isZip(b, off, len)) {
      return Format.ZIP;
    }
    if (has(b, off, len, RAR5)) {
      return Format.RAR5;
    }
    if (has(b, off, len, RAR4)) {
      return Format.RAR4;
    }
    if (has(b, off, len, SEVEN_ZIP)) {
      return Format.SEVEN_ZIP;
    }
    return Format.NONE;
  }

  private static final byte[] RAR4 = {'R', 'a', 'r', '!', 0x1A, 0x07, 0x00};
  private static final byte[] RAR5 = {'R', 'a', 'r', '!', 0x1A, 0x07, 0x01, 0x00};
  private static final byte[] SEVEN_ZIP = {'7', 'z', (byte) 0xBC, (byte) 0xAF, 0x27, 0x1C};

  private static final class Context {
    final ArchiveLimits limits;
    final List<Entry> entries = new ArrayList<>();
    final Set<Flag> flags = EnumSet.noneOf(Flag.class);
    long inflated;

    Context(ArchiveLimits limits) {
      this.limits = limits;
    }

    long budget() {
      return Math.max(0, limits.maxInflatedBytes() - inflated);
    }

    /** Adds an entry; false when the entry limit is reached. */
    boolean add(Entry e) {
      if (entries.size() >= limits.maxEntries()) {
        flags.add(Flag.ENTRY_LIMIT);
        return false;
      }
      entries.add(e);
      return true;
    }
  }

  private static void zip(Context ctx, byte[] b, int off, int len, String prefix, int depth) {
    int room = ctx.limits.maxEntries() - ctx.entries.size();
    ZipReader.Listing listing = ZipReader.read(b, off, len, Math.max(room, 0) + 1);
    if (listing.damaged()) {
      ctx.flags.add(Flag.DAMAGED);
    }
    int end = off + len;
    Set<Integer> dataOffsets = new HashSet<>();
    for (ZipReader.Entry z : listing.entries()) {
      long comp = z.compressedSize();
      long size = z.size();
      if (z.dataOffset() >= 0 && comp > 0 && !dataOffsets.add(z.dataOffset())) {
        ctx.flags.add(Flag.ZIP_BOMB); // overlapping entries: one deflate stream counted many times
      }
      if (size > BOMB_MIN_SIZE && size / Math.max(comp, 1) > ctx.limits.maxRatio()) {
        ctx.flags.add(Flag.ZIP_BOMB);
      }
      String path = prefix + z.name();
      boolean encrypted = z.encrypted();
      String sniffed = "";
      byte[] content = null; // decompressed bytes, when we have them all
      int contentOff = 0;
      int contentLen = 0;
      boolean haveAll = false;
      boolean available =
          !encrypted
              && !z.directory()
              && z.dataOffset() >= 0
              && comp >= 0
              && comp <= len
              && z.dataOffset() + comp <= end;
      if (available && z.method() == 0) {
        content = b;
        contentOff = z.dataOffset();
        contentLen = (int) comp;
        haveAll = true;
        sniffed = TypeSniffer.sniff(b, contentOff, contentLen);
      } else if (available && z.method() == 8) {
        long want = Math.min(TypeSniffer.PREFIX, ctx.budget());
        if (want < Math.min(TypeSniffer.PREFIX, Math.max(size, 1))) {
          ctx.flags.add(Flag.INFLATE_LIMIT);
        }
        if (want > 0) {
          Inflated head = inflate(b, z.dataOffset(), (int) comp, want);
          ctx.inflated += head.length;
          if (head.damaged) {
            ctx.flags.add(Flag.DAMAGED);
          }
          sniffed = TypeSniffer.sniff(head.bytes, 0, head.length);
          content = head.bytes;
          contentLen = head.length;
          haveAll = head.finished;
        }
      }
      if (!ctx.add(new Entry(path, depth, comp, size, encrypted, z.directory(), sniffed))) {
        return;
      }
      Format nested = content == null ? Format.NONE : format(content, contentOff, contentLen);
      if (nested == Format.NONE) {
        continue;
      }
      if (depth >= ctx.limits.maxDepth()) {
        ctx.flags.add(Flag.DEPTH_LIMIT);
        continue;
      }
      if (!haveAll) {
        // Decompress the whole nested archive within what is left of the budget.
        long want = ctx.budget();
        Inflated whole = inflate(b, z.dataOffset(), (int) comp, want);
        ctx.inflated += Math.max(0, whole.length - contentLen); // the head was counted already
        if (!whole.finished) {
          ctx.flags.add(whole.damaged ? Flag.DAMAGED : Flag.INFLATE_LIMIT);
        }
        if (whole.length > BOMB_MIN_SIZE
            && whole.length / Math.max(comp, 1) > ctx.limits.maxRatio()) {
          ctx.flags.add(Flag.ZIP_BOMB);
        }
        content = whole.bytes;
        contentOff = 0;
        contentLen = whole.length;
      }
      String inner = path + "!/";
      switch (nested) {
        case ZIP -> zip(ctx, content, contentOff, contentLen, inner, depth + 1);
        case RAR4 -> rar4(ctx, content, contentOff, contentLen, inner, depth + 1);
        case RAR5 -> rar5(ctx, content, contentOff, contentLen, inner, depth + 1);
        case SEVEN_ZIP -> sevenZip(ctx, content, contentOff, contentLen);
        case NONE -> {}
      }
    }
    if (listing.truncated()) {
      ctx.flags.add(Flag.ENTRY_LIMIT);
    }
  }

  private record Inflated(byte[] bytes, int length, boolean finished, boolean damaged) {}

  /** Inflates raw deflate data into at most {@code max} bytes, in memory. */
  private static Inflated inflate(byte[] b, int off, int len, long max) {
    int cap = (int) Math.min(max, Integer.MAX_VALUE - 16);
    byte[] out = new byte[(int) Math.min(cap, Math.min(Math.max(256L, len * 4L), 1 << 16))];
    int n = 0;
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(b, off, len);
      while (n < cap && !inflater.finished()) {
        if (n == out.length) {
          out = Arrays.copyOf(out, (int) Math.min(cap, Math.max(out.length * 2L, 256)));
        }
        int got = inflater.inflate(out, n, out.length - n);
        n += got;
        if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
      }
      boolean finished = inflater.finished();
      boolean damaged = !finished && n < cap;
      return new Inflated(out, n, finished, damaged);
    } catch (DataFormatException e) {
      return new Inflated(out, n, false, true);
    } finally {
      inflater.end();
    }
  }

  // RAR 4.x: fixed-layout block headers (HEAD_CRC, HEAD_TYPE, HEAD_FLAGS, HEAD_SIZE, ADD_SIZE).
  private static void rar4(Context ctx, byte[] b, int off, int len, String prefix, int depth) {
    int end = off + len;
    int p = off + RAR4.length;
    int blocks = 0;
    while (p + 7 <= end) {
      if (blocks++ > ctx.limits.maxEntries() * 4 + 16) {
        ctx.flags.add(Flag.ENTRY_LIMIT);
        return;
      }
      int type = b[p + 2] & 0xFF;
      int flags = u16(b, p + 3);
      int headSize = u16(b, p + 5);
      if (headSize < 7 || p + headSize > end) {
        ctx.flags.add(Flag.DAMAGED);
        return;
      }
      long addSize = (flags & 0x8000) != 0 && headSize >= 11 ? u32(b, p + 7) & 0xFFFFFFFFL : 0;
      if (type == 0x73 && (flags & 0x0080) != 0) {
        ctx.flags.add(Flag.HEADERS_ENCRYPTED); // -hp: every later header is encrypted
        return;
      }
      if (type == 0x74 && headSize >= 32) {
        long pack = u32(b, p + 7) & 0xFFFFFFFFL;
        long unpacked = u32(b, p + 11) & 0xFFFFFFFFL;
        int nameSize = u16(b, p + 26);
        int nameAt = p + 32;
        if ((flags & 0x100) != 0) {
          pack |= (u32(b, p + 32) & 0xFFFFFFFFL) << 32;
          unpacked |= (u32(b, p + 36) & 0xFFFFFFFFL) << 32;
          nameAt += 8;
        }
        int nameEnd = Math.min(nameAt + nameSize, p + headSize);
        String name = "";
        if (nameAt <= nameEnd) {
          int zero = nameAt;
          while (zero < nameEnd && b[zero] != 0) {
            zero++; // a Unicode name follows a NUL in an encoded form; the first part is readable
          }
          name = decodeName(b, nameAt, zero - nameAt, (flags & 0x200) != 0);
        }
        boolean directory = (flags & 0xE0) == 0xE0;
        boolean encrypted = (flags & 0x04) != 0;
        name = name.replace('\\', '/');
        if (!ctx.add(new Entry(prefix + name, depth, pack, unpacked, encrypted, directory, ""))) {
          return;
        }
        addSize = pack;
      }
      if (type == 0x7B) {
        return;
      }
      long next = (long) p + headSize + addSize;
      if (next > end) {
        return; // a truncated archive: the listing so far stands
      }
      p = (int) next;
    }
  }

  // RAR 5.0: variable-length integers; header type 4 is archive encryption.
  private static void rar5(Context ctx, byte[] b, int off, int len, String prefix, int depth) {
    int end = off + len;
    int p = off + RAR5.length;
    int blocks = 0;
    long[] v = new long[1];
    while (p + 6 <= end) {
      if (blocks++ > ctx.limits.maxEntries() * 4 + 16) {
        ctx.flags.add(Flag.ENTRY_LIMIT);
        return;
      }
      int q = p + 4; // skip the header CRC32
      q = vint(b, q, end, v);
      long headerSize = v[0];
      if (q < 0 || headerSize < 2 || headerSize > 2 * 1024 * 1024 || q + headerSize > end) {
        ctx.flags.add(Flag.DAMAGED);
        return;
      }
      int headerEnd = (int) (q + headerSize);
      q = vint(b, q, headerEnd, v);
      long type = v[0];
      q = vint(b, q, headerEnd, v);
      long flags = v[0];
      long extraSize = 0;
      long dataSize = 0;
      if (q >= 0 && (flags & 1) != 0) {
        q = vint(b, q, headerEnd, v);
        extraSize = v[0];
      }
      if (q >= 0 && (flags & 2) != 0) {
        q = vint(b, q, headerEnd, v);
        dataSize = v[0];
      }
      if (q < 0) {
        ctx.flags.add(Flag.DAMAGED);
        return;
      }
      if (type == 4) {
        ctx.flags.add(Flag.HEADERS_ENCRYPTED);
        return;
      }
      if (type == 2) {
        long[] f = new long[6];
        int r = q;
        r = vint(b, r, headerEnd, v);
        long fileFlags = v[0];
        r = vint(b, r, headerEnd, v);
        long unpacked = v[0];
        r = vint(b, r, headerEnd, v); // attributes
        if (r >= 0 && (fileFlags & 2) != 0) {
          r += 4; // mtime
        }
        if (r >= 0 && (fileFlags & 4) != 0) {
          r += 4; // data CRC32
        }
        r = vint(b, r, headerEnd, v); // compression information
        r = vint(b, r, headerEnd, v); // host OS
        r = vint(b, r, headerEnd, v);
        long nameLen = v[0];
        if (r < 0 || r + nameLen > headerEnd) {
          ctx.flags.add(Flag.DAMAGED);
          return;
        }
        String name = new String(b, r, (int) nameLen, StandardCharsets.UTF_8);
        boolean encrypted = false;
        if (extraSize > 0 && extraSize <= headerSize) {
          int x = (int) (headerEnd - extraSize);
          while (x >= 0 && x < headerEnd) {
            int afterSize = vint(b, x, headerEnd, v);
            long recordSize = v[0];
            if (afterSize < 0 || afterSize + recordSize > headerEnd || recordSize < 1) {
              break;
            }
            int afterType = vint(b, afterSize, headerEnd, f);
            if (afterType >= 0 && f[0] == 1) {
              encrypted = true; // file encryption record
            }
            x = (int) (afterSize + recordSize);
          }
        }
        boolean directory = (fileFlags & 1) != 0;
        if (!ctx.add(
            new Entry(
                prefix + name,
                depth,
                dataSize,
                (fileFlags & 8) != 0 ? -1 : unpacked,
                encrypted,
                directory,
                ""))) {
          return;
        }
      }
      if (type == 5) {
        return;
      }
      long next = (long) headerEnd + dataSize;
      if (next > end || next <= p) {
        return;
      }
      p = (int) next;
    }
  }

  /** Reads a RAR5 vint at {@code p} into {@code out[0]}; returns the index after it, or -1. */
  private static int vint(byte[] b, int p, int end, long[] out) {
    if (p < 0) {
      return -1;
    }
    long value = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      int c = b[p++] & 0xFF;
      value |= (long) (c & 0x7F) << shift;
      if ((c & 0x80) == 0) {
        out[0] = value < 0 ? Long.MAX_VALUE : value;
        return p;
      }
    }
    return -1;
  }

  // 7z: the header is usually LZMA-compressed ("encoded"); only its coder list is readable.
  private static void sevenZip(Context ctx, byte[] b, int off, int len) {
    int end = off + len;
    if (len < 32) {
      ctx.flags.add(Flag.DAMAGED);
      return;
    }
    long nextOffset = ZipReader.u64(b, off + 12);
    long nextSize = ZipReader.u64(b, off + 20);
    if (nextOffset > len - 32 || nextSize <= 0) {
      ctx.flags.add(Flag.DAMAGED);
      ctx.flags.add(Flag.OPAQUE);
      return;
    }
    long start = off + 32L + nextOffset;
    if (start >= end) {
      ctx.flags.add(Flag.DAMAGED);
      ctx.flags.add(Flag.OPAQUE);
      return;
    }
    int headerEnd = (int) Math.min(end, start + Math.min(nextSize, len));
    boolean aes = indexOf(b, (int) start, headerEnd, AES_CODER) >= 0;
    if (aes && b[(int) start] == 0x17) {
      ctx.flags.add(Flag.HEADERS_ENCRYPTED);
    } else if (aes) {
      ctx.flags.add(Flag.OPAQUE);
      ctx.flags.add(Flag.ENCRYPTED_ENTRIES);
    } else {
      ctx.flags.add(Flag.OPAQUE);
    }
  }

  /** The 7z coder id of AES-256 + SHA-256 (06F10701). */
  private static final byte[] AES_CODER = {0x06, (byte) 0xF1, 0x07, 0x01};

  private static int indexOf(byte[] b, int from, int end, byte[] needle) {
    outer:
    for (int p = from; p + needle.length <= end; p++) {
      for (int k = 0; k < needle.length; k++) {
        if (b[p + k] != needle[k]) {
          continue outer;
        }
      }
      return p;
    }
    return -1;
  }

  private static String decodeName(byte[] b, int at, int len, boolean unicodeFlag) {
    String utf8 = new String(b, at, len, StandardCharsets.UTF_8);
    return utf8.indexOf('\uFFFD') >= 0 && !unicodeFlag
        ? new String(b, at, len, StandardCharsets.ISO_8859_1)
        : utf8;
  }

  private static boolean has(byte[] b, int off, int len, byte[] magic) {
    if (len < magic.length) {
      return false;
    }
    for (int k = 0; k < magic.length; k++) {
      if (b[off + k] != magic[k]) {
        return false;
      }
    }
    return true;
  }
}
