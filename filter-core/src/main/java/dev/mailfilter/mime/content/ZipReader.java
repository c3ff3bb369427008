package dev.mailfilter.mime.content;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a ZIP file's entry list from memory without trusting it: the central directory when the end
 * record points at one, otherwise the local headers from the front (a truncated attachment, a
 * self-extractor, a file damaged on purpose). Every offset is checked against the slice.
 */
final class ZipReader {
  private ZipReader() {}

  static final int LOCAL = 0x04034b50;
  static final int CENTRAL = 0x02014b50;
  static final int END = 0x06054b50;
  static final int END64 = 0x06064b50;
  static final int END64_LOCATOR = 0x07064b50;
  static final int DESCRIPTOR = 0x08074b50;

  /**
   * One entry as the directory describes it.
   *
   * @param dataOffset absolute index into the array where the entry's (compressed) data starts, or
   *     -1 when its local header is missing or out of range
   * @param aesMethod the real compression method from a WinZip AES extra field (0x9901), or -1
   */
  record Entry(
      String name,
      int flags,
      int method,
      long compressedSize,
      long size,
      int dataOffset,
      int aesMethod) {
    boolean encrypted() {
      return (flags & 1) != 0 || aesMethod >= 0 || method == 99;
    }

    boolean directory() {
      return name.endsWith("/");
    }
  }

  /**
   * The entries found.
   *
   * @param centralDirectory true when they come from the central directory
   * @param truncated true when {@code maxEntries} stopped the listing
   * @param damaged true when a structure was out of range or inconsistent
   */
  record Listing(
      List<Entry> entries, boolean centralDirectory, boolean truncated, boolean damaged) {}

  static boolean isZip(byte[] b, int off, int len) {
    return len >= 4 && u32(b, off) == LOCAL
        || len >= 22 && u32(b, off) == END
        || len >= 8 && u32(b, off) == 0x08074b50 && u32(b, off + 4) == LOCAL;
  }

  static Listing read(byte[] b, int off, int len, int maxEntries) {
    Listing central = readCentral(b, off, len, maxEntries);
    if (central != null && !central.damaged()) {
      return central;
    }
    Listing local = readLocal(b, off, len, maxEntries);
    if (central != null && central.entries().size() >= local.entries().size()) {
      return central;
    }
    return new Listing(local.entries(), false, local.truncated(), true);
  }

  /** The central directory, or null when there is no usable end record. */
  private static Listing readCentral(byte[] b, int off, int len, int maxEntries) {
    int end = off + len;
    int eocd = -1;
    for (int p = end - 22; p >= Math.max(off, end - 22 - 65_535); p--) {
      if (u32(b, p) == END && p + 22 + u16(b, p + 20) <= end) {
        eocd = p;
        break;
      }
    }
    if (eocd < 0) {
      return null;
    }
    long total = u16(b, eocd + 10);
    long cdSize = u32(b, eocd + 12) & 0xFFFFFFFFL;
    long cdOffset = u32(b, eocd + 16) & 0xFFFFFFFFL;
    int directoryEnd = eocd;
    if (eocd - 20 >= off && u32(b, eocd - 20) == END64_LOCATOR) {
      long z64 = u64(b, eocd - 20 + 8);
      int z = (int) Math.min(Integer.MAX_VALUE, off + Math.max(0, z64));
      // The locator's offset is relative to the archive start; also try just before the locator.
      int guess = eocd - 20 - 56;
      int at = inRange(z, 56, off, end) && u32(b, z) == END64 ? z : guess;
      if (inRange(at, 56, off, end) && u32(b, at) == END64) {
        total = u64(b, at + 32);
        cdSize = u64(b, at + 40);
        cdOffset = u64(b, at + 48);
        directoryEnd = at;
      }
    }
    // Data may precede the archive (self-extractors): trust the directory's size over its offset.
    long start = directoryEnd - cdSize;
    if (start < off || start > end - 4 || u32(b, (int) start) != CENTRAL) {
      start = off + cdOffset;
    }
    if (start < off || start > end - 4 || u32(b, (int) start) != CENTRAL) {
      return total == 0 ? new Listing(List.of(), true, false, false) : null;
    }
    long delta = start - off - cdOffset; // bytes in front of the archive
    List<Entry> entries = new ArrayList<>();
    boolean damaged = false;
    boolean truncated = false;
    int p = (int) start;
    while (p + 46 <= end && u32(b, p) == CENTRAL) {
      if (entries.size() >= maxEntries) {
        truncated = true;
        break;
      }
      int flags = u16(b, p + 8);
      int method = u16(b, p + 10);
      long comp = u32(b, p + 20) & 0xFFFFFFFFL;
      long size = u32(b, p + 24) & 0xFFFFFFFFL;
      int nameLen = u16(b, p + 28);
      int extraLen = u16(b, p + 30);
      int commentLen = u16(b, p + 32);
      long localOffset = u32(b, p + 42) & 0xFFFFFFFFL;
      int next = p + 46 + nameLen + extraLen + commentLen;
      if (next > end) {
        damaged = true;
        break;
      }
      String name = name(b, p + 46, nameLen, flags);
      int aes = -1;
      int x = p + 46 + nameLen;
      int xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        int id = u16(b, x);
        int sz = u16(b, x + 2);
        int data = x + 4;
        if (data + sz > xEnd) {
          break;
        }
        if (id == 0x0001) {
          int q = data;
          if (size == 0xFFFFFFFFL && q + 8 <= data + sz) {
            size = u64(b, q);
            q += 8;
          }
          if (comp == 0xFFFFFFFFL && q + 8 <= data + sz) {
            comp = u64(b, q);
            q += 8;
          }
          if (localOffset == 0xFFFFFFFFL && q + 8 <= data + sz) {
            localOffset = u64(b, q);
          }
        } else if (id == 0x9901 && sz >= 7) {
          aes = u16(b, data + 5);
        }
        x = data + sz;
      }
      entries.add(
          new Entry(
              name, flags, method, comp, size, dataOffset(b, off, end, delta, localOffset), aes));
      p = next;
    }
    if (!truncated && entries.size() < Math.min(total, maxEntries)) {
      damaged = true;
    }
    return new Listing(entries, true, truncated, damaged);
  }

  /** Where an entry's data starts, from its local header; -1 when that header is not there. */
  private static int dataOffset(byte[] b, int off, int end, long delta, long localOffset) {
    long local = off + delta + localOffset;
    if (local < off || local + 30 > end || u32(b, (int) local) != LOCAL) {
      return -1;
    }
    int l = (int) local;
    long data = (long) l + 30 + u16(b, l + 26) + u16(b, l + 28);
    return data > end ? -1 : (int) data;
  }

  /** Walks local headers from the front; for streamed entries, skips to the next signature. */
  private static Listing readLocal(byte[] b, int off, int len, int maxEntries) {
    int end = off + len;
    List<Entry> entries = new ArrayList<>();
    boolean truncated = false;
    int p = off;
    if (len >= 8 && u32(b, p) == DESCRIPTOR && u32(b, p + 4) == LOCAL) {
      p += 4; // a spanned-archive marker
    }
    while (p + 30 <= end && u32(b, p) == LOCAL) {
      if (entries.size() >= maxEntries) {
        truncated = true;
        break;
      }
      int flags = u16(b, p + 6);
      int method = u16(b, p + 8);
      long comp = u32(b, p + 18) & 0xFFFFFFFFL;
      long size = u32(b, p + 22) & 0xFFFFFFFFL;
      int nameLen = u16(b, p + 26);
      int extraLen = u16(b, p + 28);
      int data = p + 30 + nameLen + extraLen;
      if (data > end) {
        break;
      }
      String name = name(b, p + 30, nameLen, flags);
      int aes = -1;
      int x = p + 30 + nameLen;
      while (x + 4 <= data) {
        int id = u16(b, x);
        int sz = u16(b, x + 2);
        if (x + 4 + sz > data) {
          break;
        }
        if (id == 0x0001 && sz >= 16) {
          size = u64(b, x + 4);
          comp = u64(b, x + 12);
        } else if (id == 0x9901 && sz >= 7) {
          aes = u16(b, x + 4 + 5);
        }
        x += 4 + sz;
      }
      boolean streamed = (flags & 8) != 0 && comp == 0;
      if (streamed) {
        // Sizes follow the data in a descriptor: find the next header, then read the descriptor.
        int q = data;
        int next = end;
        while (q + 4 <= end) {
          int sig = u32(b, q);
          if (sig == LOCAL || sig == CENTRAL) {
            next = q;
            break;
          }
          q++;
        }
        comp = next - data;
        if (next - 16 >= data && u32(b, next - 16) == DESCRIPTOR) {
          comp = Math.min(comp, u32(b, next - 8) & 0xFFFFFFFFL);
          size = u32(b, next - 4) & 0xFFFFFFFFL;
        }
        entries.add(new Entry(name, flags, method, comp, size, data, aes));
        if (next >= end) {
          break;
        }
        p = next;
        continue;
      }
      entries.add(new Entry(name, flags, method, comp, size, data, aes));
      long next = data + comp;
      if (comp < 0 || next > end) {
        break;
      }
      p = (int) next;
      if (p + 4 <= end && u32(b, p) == DESCRIPTOR) {
        p += 16; // a signed data descriptor after the data
      } else if ((flags & 8) != 0 && p + 12 <= end && u32(b, p) != LOCAL) {
        p += 12;
      }
    }
    return new Listing(entries, false, truncated, false);
  }

  private static String name(byte[] b, int at, int len, int flags) {
    if ((flags & 0x800) == 0) {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(b, at, len))
            .toString();
      } catch (CharacterCodingException e) {
        // Legacy (CP437-era) names: Latin-1 keeps every byte and the ASCII extension readable.
        return new String(b, at, len, StandardCharsets.ISO_8859_1);
      }
    }
    return new String(b, at, len, StandardCharsets.UTF_8);
  }

  private static boolean inRange(long at, int size, int off, int end) {
    return at >= off && at + size <= end;
  }

  static int u16(byte[] b, int p) {
    return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8;
  }

  static int u32(byte[] b, int p) {
    return (b[p] & 0xFF)
        | (b[p + 1] & 0xFF) << 8
        | (b[p + 2] & 0xFF) << 16
        | (b[p + 3] & 0xFF) << 24;
  }

  /**
   * An unsigned 64-bit field; values past {@code Long.MAX_VALUE} read as {@code Long.MAX_VALUE}.
   */
  static long u64(byte[] b, int p) {
    long v = (u32(b, p) & 0xFFFFFFFFL) | (long) u32(b, p + 4) << 32;
    return v < 0 ? Long.MAX_VALUE : v;
  }
}
