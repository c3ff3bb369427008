package dev.mailfilter.mime.content;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Assembles minimal but valid OLE2 compound files ([MS-CFB] version 3, 512-byte sectors): header,
 * one FAT sector, one directory sector holding the root entry and up to three named entries.
 */
final class Ole2Files {
  private Ole2Files() {}

  static final int STORAGE = 1;
  static final int STREAM = 2;

  /** A compound file whose root holds streams with these names. */
  static byte[] compound(String... streams) {
    int[] types = new int[streams.length];
    java.util.Arrays.fill(types, STREAM);
    return compound(streams, types);
  }

  /** Names and types (1 = storage, 2 = stream), at most three, all children of the root. */
  static byte[] compound(String[] names, int[] types) {
    if (names.length > 3) {
      throw new IllegalArgumentException("at most 3 entries: " + names.length);
    }
    // Sector 0: FAT. Sector 1: directory. File = header + 2 sectors.
    ByteBuffer b = ByteBuffer.allocate(512 * 3).order(ByteOrder.LITTLE_ENDIAN);
    b.put(Ole2.MAGIC);
    b.putShort(0x18, (short) 0x3E);
    b.putShort(0x1A, (short) 3);
    b.putShort(0x1C, (short) 0xFFFE);
    b.putShort(0x1E, (short) 9);
    b.putShort(0x20, (short) 6);
    b.putInt(0x2C, 1); // one FAT sector
    b.putInt(0x30, 1); // directory starts at sector 1
    b.putInt(0x38, 4096);
    b.putInt(0x3C, 0xFFFFFFFE);
    b.putInt(0x44, 0xFFFFFFFE);
    b.putInt(0x4C, 0); // DIFAT[0] = sector 0
    for (int k = 1; k < 109; k++) {
      b.putInt(0x4C + 4 * k, 0xFFFFFFFF);
    }
    int fat = 512;
    b.putInt(fat, 0xFFFFFFFD); // sector 0 is a FAT sector
    b.putInt(fat + 4, 0xFFFFFFFE); // sector 1: end of the directory chain
    for (int k = 2; k < 128; k++) {
      b.putInt(fat + 4 * k, 0xFFFFFFFF);
    }
    int dir = 1024;
    entry(b, dir, "Root Entry", 5, names.length > 0 ? 1 : -1, 0xFFFFFFFE);
    for (int k = 0; k < names.length; k++) {
      entry(b, dir + 128 * (k + 1), names[k], types[k], -1, 0xFFFFFFFE);
      // Chain siblings through the right pointer so the tree is valid.
      b.putInt(dir + 128 * (k + 1) + 0x48, k + 1 < names.length ? k + 2 : -1);
    }
    return b.array();
  }

  private static void entry(ByteBuffer b, int at, String name, int type, int child, int start) {
    byte[] n = name.getBytes(StandardCharsets.UTF_16LE);
    b.put(at, n, 0, Math.min(n.length, 62));
    b.putShort(at + 0x40, (short) (Math.min(n.length, 62) + 2));
    b.put(at + 0x42, (byte) type);
    b.put(at + 0x43, (byte) 1);
    b.putInt(at + 0x44, -1);
    b.putInt(at + 0x48, -1);
    b.putInt(at + 0x4C, child);
    b.putInt(at + 0x74, start);
    b.putInt(at + 0x78, 0);
  }
}
