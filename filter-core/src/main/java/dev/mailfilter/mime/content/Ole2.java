package dev.mailfilter.mime.content;

import static dev.mailfilter.mime.content.ZipReader.u16;
import static dev.mailfilter.mime.content.ZipReader.u32;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the directory of an OLE2 compound file ([MS-CFB]): the container of .doc, .xls, .ppt, .msi
 * and .msg files. Only the directory is read, following its sector chain through the FAT with a
 * visit budget, so cycles and out-of-range sectors in a hostile file end the walk instead of
 * looping.
 */
final class Ole2 {
  private Ole2() {}

  static final byte[] MAGIC = {
    (byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, (byte) 0xA1, (byte) 0xB1, 0x1A, (byte) 0xE1
  };

  static final int STORAGE = 1;
  static final int STREAM = 2;
  static final int ROOT = 5;

  private static final int END_OF_CHAIN = 0xFFFFFFFE;

  /** One directory entry: a storage (folder) or a stream (file). */
  record Entry(String name, int type, long size) {}

  /**
   * The directory.
   *
   * @param rootClsid the root entry's class id as "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}", upper
   *     case, or "" when the root entry was not found
   * @param damaged true when a sector chain left the file, looped, or a header field was invalid
   * @param truncated true when {@code maxEntries} stopped the walk
   */
  record Directory(List<Entry> entries, String rootClsid, boolean damaged, boolean truncated) {}

  static boolean isOle2(byte[] b, int off, int len) {
    if (len < MAGIC.length) {
      return false;
    }
    for (int k = 0; k < MAGIC.length; k++) {
      if (b[off + k] != MAGIC[k]) {
        return false;
      }
    }
    return true;
  }

  static Directory read(byte[] b, int off, int len, int maxEntries) {
    List<Entry> entries = new ArrayList<>();
    if (!isOle2(b, off, len) || len < 512) {
      return new Directory(entries, "", true, false);
    }
    int shift = u16(b, off + 0x1E);
    if (shift != 9 && shift != 12) {
      return new Directory(entries, "", true, false);
    }
    int sectorSize = 1 << shift;
    int end = off + len;
    long sectorsInFile = Math.max(0, (len - sectorSize) / sectorSize + 1);
    int perFatSector = sectorSize / 4;

    // The DIFAT: where the FAT's own sectors are. 109 in the header, the rest in a chain.
    List<Integer> fatSectors = new ArrayList<>();
    boolean damaged = false;
    for (int k = 0; k < 109; k++) {
      int s = u32(b, off + 0x4C + 4 * k);
      if (s >= 0 && s < sectorsInFile) {
        fatSectors.add(s);
      }
    }
    int difat = u32(b, off + 0x44);
    int budget = (int) Math.min(sectorsInFile, 1 << 20);
    while (difat >= 0 && difat < sectorsInFile && budget-- > 0) {
      int at = off + (difat + 1) * sectorSize;
      if (at + sectorSize > end) {
        damaged = true;
        break;
      }
      for (int k = 0; k < perFatSector - 1; k++) {
        int s = u32(b, at + 4 * k);
        if (s >= 0 && s < sectorsInFile) {
          fatSectors.add(s);
        }
      }
      difat = u32(b, at + sectorSize - 4);
    }

    String rootClsid = "";
    int sector = u32(b, off + 0x30);
    int visits = (int) Math.min(sectorsInFile, Integer.MAX_VALUE);
    boolean truncated = false;
    walk:
    while (sector != END_OF_CHAIN) {
      if (sector < 0 || sector >= sectorsInFile || visits-- <= 0) {
        damaged = true;
        break;
      }
      int at = off + (sector + 1) * sectorSize;
      if (at + sectorSize > end) {
        damaged = true;
        break;
      }
      for (int e = at; e + 128 <= at + sectorSize; e += 128) {
        int type = b[e + 0x42] & 0xFF;
        if (type != STORAGE && type != STREAM && type != ROOT) {
          continue;
        }
        if (entries.size() >= maxEntries) {
          truncated = true;
          break walk;
        }
        int nameLen = Math.min(u16(b, e + 0x40), 64);
        int chars = Math.max(0, nameLen / 2 - 1); // the length counts the terminating NUL
        String name = new String(b, e, chars * 2, StandardCharsets.UTF_16LE);
        long size = u32(b, e + 0x78) & 0xFFFFFFFFL;
        if (type == ROOT && rootClsid.isEmpty()) {
          rootClsid = guid(b, e + 0x50);
        }
        entries.add(new Entry(name, type, size));
      }
      int fatIndex = sector / perFatSector;
      if (fatIndex >= fatSectors.size()) {
        damaged = true;
        break;
      }
      int fatAt = off + (fatSectors.get(fatIndex) + 1) * sectorSize + 4 * (sector % perFatSector);
      if (fatAt + 4 > end) {
        damaged = true;
        break;
      }
      sector = u32(b, fatAt);
    }
    return new Directory(entries, rootClsid, damaged, truncated);
  }

  private static String guid(byte[] b, int p) {
    StringBuilder sb = new StringBuilder(38).append('{');
    sb.append(
        String.format(Locale.ROOT, "%08X-%04X-%04X-", u32(b, p), u16(b, p + 4), u16(b, p + 6)));
    for (int k = 8; k < 16; k++) {
      if (k == 10) {
        sb.append('-');
      }
      sb.append(String.format(Locale.ROOT, "%02X", b[p + k] & 0xFF));
    }
    return sb.append('}').toString();
  }
}
