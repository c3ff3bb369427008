package dev.mailfilter.mime.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.mime.content.ArchiveListing.Entry;
import dev.mailfilter.mime.content.ArchiveListing.Flag;
import dev.mailfilter.mime.content.ArchiveListing.Format;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class ArchivesTest {

  static ArchiveListing list(byte[] b) {
    return Archives.list(b, 0, b.length, ArchiveLimits.DEFAULT);
  }

  static byte[] zip(Object... namesAndContents) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      for (int k = 0; k < namesAndContents.length; k += 2) {
        z.putNextEntry(new ZipEntry((String) namesAndContents[k]));
        Object c = namesAndContents[k + 1];
        z.write(c instanceof byte[] bytes ? bytes : ((String) c).getBytes(UTF_8));
        z.closeEntry();
      }
    }
    return out.toByteArray();
  }

  static byte[] storedZip(String name, byte[] content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      ZipEntry e = new ZipEntry(name);
      e.setMethod(ZipEntry.STORED);
      e.setSize(content.length);
      CRC32 crc = new CRC32();
      crc.update(content);
      e.setCrc(crc.getValue());
      z.putNextEntry(e);
      z.write(content);
      z.closeEntry();
    }
    return out.toByteArray();
  }

  @Test
  void listsZipEntriesWithSizesAndSniffedTypes() throws IOException {
    byte[] zip =
        zip("docs/", "", "docs/readme.txt", "hello world", "run.pdf", TypeSnifferTest.pe());
    ArchiveListing listing = list(zip);
    assertThat(listing.format()).isEqualTo(Format.ZIP);
    assertThat(listing.flags()).isEmpty();
    assertThat(listing.entries())
        .extracting(Entry::path, Entry::depth, Entry::size, Entry::directory, Entry::sniffedType)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("docs/", 1, 0L, true, ""),
            org.assertj.core.groups.Tuple.tuple("docs/readme.txt", 1, 11L, false, "text/plain"),
            org.assertj.core.groups.Tuple.tuple(
                "run.pdf", 1, 256L, false, "application/x-msdownload"));
    assertThat(listing.anyEncrypted()).isFalse();
  }

  @Test
  void opensNestedArchivesDeflatedAndStored() throws IOException {
    byte[] inner = zip("payload.exe", TypeSnifferTest.pe());
    byte[] middle = storedZip("inner.zip", inner);
    byte[] outer = zip("x.zip", middle, "note.txt", "hi");
    ArchiveListing listing = list(outer);
    assertThat(listing.entries())
        .extracting(Entry::path, Entry::depth)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("x.zip", 1),
            org.assertj.core.groups.Tuple.tuple("x.zip!/inner.zip", 2),
            org.assertj.core.groups.Tuple.tuple("x.zip!/inner.zip!/payload.exe", 3),
            org.assertj.core.groups.Tuple.tuple("note.txt", 1));
    assertThat(listing.entries().get(2).sniffedType()).isEqualTo("application/x-msdownload");
    assertThat(listing.inflatedBytes()).isPositive();
  }

  @Test
  void stopsAtTheDepthLimit() throws IOException {
    byte[] nested = zip("deep.txt", "x");
    for (int k = 0; k < 6; k++) {
      nested = zip("level" + k + ".zip", nested);
    }
    ArchiveListing listing =
        Archives.list(nested, 0, nested.length, new ArchiveLimits(100, 3, 1 << 20, 100));
    assertThat(listing.has(Flag.DEPTH_LIMIT)).isTrue();
    assertThat(listing.entries()).hasSize(3);
    assertThat(listing.entries().get(2).depth()).isEqualTo(3);
  }

  @Test
  void stopsAtTheEntryLimit() throws IOException {
    Object[] many = new Object[2 * 50];
    for (int k = 0; k < 50; k++) {
      many[2 * k] = "f" + k + ".txt";
      many[2 * k + 1] = "x";
    }
    byte[] zip = zip(many);
    ArchiveListing listing =
        Archives.list(zip, 0, zip.length, new ArchiveLimits(10, 4, 1 << 20, 100));
    assertThat(listing.entries()).hasSize(10);
    assertThat(listing.has(Flag.ENTRY_LIMIT)).isTrue();
  }

  @Test
  void flagsADecompressionBombWithoutExpandingIt() throws IOException {
    byte[] zeros = new byte[20 << 20]; // 20 MiB of zeros deflates to about 20 KiB
    byte[] bomb = zip("zeros.bin", zeros);
    byte[] outer = zip("bomb.zip", bomb);
    ArchiveListing listing =
        Archives.list(outer, 0, outer.length, new ArchiveLimits(100, 4, 1 << 20, 100));
    assertThat(listing.has(Flag.ZIP_BOMB)).isTrue();
    assertThat(listing.inflatedBytes()).isLessThanOrEqualTo(1 << 20);
    assertThat(listing.entries()).extracting(Entry::path).contains("bomb.zip!/zeros.bin");
  }

  @Test
  void flagsTheInflateBudget() throws IOException {
    byte[] random = new byte[200_000];
    new java.util.Random(7).nextBytes(random);
    byte[] inner = storedZip("random.bin", random);
    byte[] outer = zip("inner.zip", inner);
    ArchiveListing listing =
        Archives.list(outer, 0, outer.length, new ArchiveLimits(100, 4, 50_000, 100));
    assertThat(listing.has(Flag.INFLATE_LIMIT)).isTrue();
    assertThat(listing.inflatedBytes()).isLessThanOrEqualTo(50_000);
  }

  @Test
  void flagsOverlappingEntriesAsABomb() throws IOException {
    byte[] zip = zip("a.txt", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    // Duplicate the central directory record so two entries point at the same data.
    int cd = indexOf(zip, new byte[] {'P', 'K', 1, 2});
    int eocd = indexOf(zip, new byte[] {'P', 'K', 5, 6});
    byte[] record = Arrays.copyOfRange(zip, cd, eocd);
    ByteBuffer out = ByteBuffer.allocate(zip.length + record.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(zip, 0, eocd).put(record).put(zip, eocd, zip.length - eocd);
    int newEocd = eocd + record.length;
    out.putShort(newEocd + 8, (short) 2).putShort(newEocd + 10, (short) 2);
    out.putInt(newEocd + 12, record.length * 2);
    ArchiveListing listing = list(out.array());
    assertThat(listing.entries()).hasSize(2);
    assertThat(listing.has(Flag.ZIP_BOMB)).isTrue();
  }

  @Test
  void reportsEncryptedEntriesFromTheFlagBitAndTheAesExtraField() throws IOException {
    byte[] zip = zip("secret.txt", "s3cret", "plain.txt", "hello");
    // Patch general purpose bit 0 of the first entry in its local and central headers.
    int local = indexOf(zip, new byte[] {'P', 'K', 3, 4});
    zip[local + 6] |= 1;
    int central = indexOf(zip, new byte[] {'P', 'K', 1, 2});
    zip[central + 8] |= 1;
    ArchiveListing listing = list(zip);
    assertThat(listing.entries()).extracting(Entry::encrypted).containsExactly(true, false);
    assertThat(listing.entries().get(0).sniffedType()).isEmpty();
    assertThat(listing.anyEncrypted()).isTrue();

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      ZipEntry e = new ZipEntry("aes.doc");
      // WinZip AES: vendor version 2, "AE", strength 3, real method 8.
      e.setExtra(new byte[] {0x01, (byte) 0x99, 7, 0, 2, 0, 'A', 'E', 3, 8, 0});
      z.putNextEntry(e);
      z.write("x".getBytes(UTF_8));
      z.closeEntry();
    }
    assertThat(list(out.toByteArray()).entries().get(0).encrypted()).isTrue();
  }

  @Test
  void fallsBackToLocalHeadersWhenTheCentralDirectoryIsGone() throws IOException {
    byte[] zip = zip("a.txt", "first", "b.exe", TypeSnifferTest.pe());
    int cd = indexOf(zip, new byte[] {'P', 'K', 1, 2});
    byte[] truncated = Arrays.copyOf(zip, cd);
    ArchiveListing listing = list(truncated);
    assertThat(listing.entries()).extracting(Entry::path).containsExactly("a.txt", "b.exe");
    assertThat(listing.entries().get(1).sniffedType()).isEqualTo("application/x-msdownload");
    assertThat(listing.has(Flag.DAMAGED)).isTrue();
  }

  @Test
  void readsRar5NamesAndTheArchiveEncryptionHeader() {
    // RAR5 main header, then one file header "doc.exe" (unpacked 10 bytes, 3 bytes of data).
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {'R', 'a', 'r', '!', 0x1A, 7, 1, 0});
    rar5Block(out, new byte[] {1, 0, 0}, new byte[0]);
    byte[] name = "dir/doc.exe".getBytes(UTF_8);
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    file.writeBytes(new byte[] {2, 2, 3}); // type file, flags: data area, data size 3
    file.writeBytes(new byte[] {0, 10, 0x20, 0, 0, (byte) name.length}); // flags, size, attr...
    file.writeBytes(name);
    rar5Block(out, file.toByteArray(), new byte[] {1, 2, 3});
    rar5Block(out, new byte[] {5, 0, 0}, new byte[0]);
    ArchiveListing listing = list(out.toByteArray());
    assertThat(listing.format()).isEqualTo(Format.RAR5);
    assertThat(listing.entries())
        .extracting(Entry::path, Entry::size, Entry::compressedSize, Entry::encrypted)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("dir/doc.exe", 10L, 3L, false));

    ByteArrayOutputStream enc = new ByteArrayOutputStream();
    enc.writeBytes(new byte[] {'R', 'a', 'r', '!', 0x1A, 7, 1, 0});
    rar5Block(enc, new byte[] {4, 0, 0, 0, 15}, new byte[0]);
    ArchiveListing encrypted = list(enc.toByteArray());
    assertThat(encrypted.has(Flag.HEADERS_ENCRYPTED)).isTrue();
    assertThat(encrypted.anyEncrypted()).isTrue();
  }

  private static void rar5Block(ByteArrayOutputStream out, byte[] header, byte[] data) {
    out.writeBytes(new byte[] {0, 0, 0, 0}); // CRC32, not checked by the lister
    out.write(header.length);
    out.writeBytes(header);
    out.writeBytes(data);
  }

  @Test
  void readsRar4NamesAndPasswordProtectedHeaders() {
    ByteBuffer b = ByteBuffer.allocate(200).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {'R', 'a', 'r', '!', 0x1A, 7, 0});
    b.putShort((short) 0).put((byte) 0x73).putShort((short) 0).putShort((short) 13);
    b.put(new byte[6]);
    byte[] name = "inv.pdf.scr".getBytes(UTF_8);
    b.putShort((short) 0).put((byte) 0x74).putShort((short) (0x8000 | 0x04));
    b.putShort((short) (32 + name.length));
    b.putInt(4).putInt(100).put((byte) 2).putInt(0).putInt(0).put((byte) 29).put((byte) 0x33);
    b.putShort((short) name.length).putInt(0x20).put(name);
    b.put(new byte[] {9, 9, 9, 9});
    ArchiveListing listing = list(Arrays.copyOf(b.array(), b.position()));
    assertThat(listing.format()).isEqualTo(Format.RAR4);
    assertThat(listing.entries())
        .extracting(Entry::path, Entry::size, Entry::encrypted)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("inv.pdf.scr", 100L, true));

    ByteBuffer hp = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
    hp.put(new byte[] {'R', 'a', 'r', '!', 0x1A, 7, 0});
    hp.putShort((short) 0).put((byte) 0x73).putShort((short) 0x0080).putShort((short) 13);
    assertThat(list(hp.array()).has(Flag.HEADERS_ENCRYPTED)).isTrue();
  }

  @Test
  void reportsSevenZipEncodedHeadersAsOpaqueOrEncrypted() {
    byte[] plain = sevenZip(new byte[] {0x17, 0x06, 0x01, 0x09, 0x21, 0x00});
    assertThat(list(plain).has(Flag.OPAQUE)).isTrue();
    assertThat(list(plain).anyEncrypted()).isFalse();
    byte[] aes = sevenZip(new byte[] {0x17, 0x06, 0x24, 0x06, (byte) 0xF1, 0x07, 0x01, 0x00});
    assertThat(list(aes).has(Flag.HEADERS_ENCRYPTED)).isTrue();
  }

  private static byte[] sevenZip(byte[] header) {
    ByteBuffer b = ByteBuffer.allocate(32 + 4 + header.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {'7', 'z', (byte) 0xBC, (byte) 0xAF, 0x27, 0x1C, 0, 4});
    b.putInt(0).putLong(4).putLong(header.length).putInt(0);
    b.put(new byte[] {1, 2, 3, 4}).put(header);
    return b.array();
  }

  @Test
  void nonArchivesListNothing() {
    ArchiveListing listing = list("just text".getBytes(UTF_8));
    assertThat(listing.format()).isEqualTo(Format.NONE);
    assertThat(listing.entries()).isEmpty();
  }

  @Test
  void rejectsInvalidLimitsWithTheValue() {
    assertThatThrownBy(() -> new ArchiveLimits(0, 1, 1, 100)).hasMessageContaining("0");
    assertThatThrownBy(() -> new ArchiveLimits(1, 99, 1, 100)).hasMessageContaining("99");
  }

  static int indexOf(byte[] b, byte[] needle) {
    outer:
    for (int p = 0; p + needle.length <= b.length; p++) {
      for (int k = 0; k < needle.length; k++) {
        if (b[p + k] != needle[k]) {
          continue outer;
        }
      }
      return p;
    }
    throw new AssertionError("not found: " + Arrays.toString(needle));
  }
}
