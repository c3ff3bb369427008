package dev.mailfilter.mime.content;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class TypeSnifferTest {

  static String sniff(byte[] b) {
    return TypeSniffer.sniff(b, 0, b.length);
  }

  static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int k = 0; k < v.length; k++) {
      b[k] = (byte) v[k];
    }
    return b;
  }

  static byte[] zip(String... namesAndContents) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      for (int k = 0; k < namesAndContents.length; k += 2) {
        z.putNextEntry(new ZipEntry(namesAndContents[k]));
        z.write(namesAndContents[k + 1].getBytes(UTF_8));
        z.closeEntry();
      }
    }
    return out.toByteArray();
  }

  /** A minimal PE: DOS header whose e_lfanew points at "PE\0\0". */
  static byte[] pe() {
    byte[] b = new byte[256];
    b[0] = 'M';
    b[1] = 'Z';
    b[0x3C] = (byte) 0x80;
    b[0x80] = 'P';
    b[0x81] = 'E';
    return b;
  }

  @Test
  void recognisesExecutables() {
    assertThat(sniff(pe())).isEqualTo("application/x-msdownload");
    assertThat(sniff(bytes(0x7F, 'E', 'L', 'F', 2, 1, 1, 0))).isEqualTo("application/x-executable");
    assertThat(sniff(bytes(0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1)))
        .isEqualTo("application/x-mach-binary");
    assertThat(sniff(bytes(0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 65))).isEqualTo("application/java-vm");
    assertThat(sniff(bytes(0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 2)))
        .isEqualTo("application/x-mach-binary");
    assertThat(sniff("#!/bin/sh\nrm -rf /\n".getBytes(UTF_8))).isEqualTo("text/x-shellscript");
    assertThat(sniff("#!/usr/bin/env python3\n".getBytes(UTF_8))).isEqualTo("text/x-python");
    assertThat(TypeSniffer.isExecutable(sniff(pe()))).isTrue();
    assertThat(TypeSniffer.isExecutable("image/png")).isFalse();
  }

  @Test
  void mzTextIsNotAnExecutable() {
    assertThat(sniff("MZ is a fine abbreviation.\n".getBytes(UTF_8))).isEqualTo("text/plain");
  }

  @Test
  void recognisesDocumentsAndArchives() throws IOException {
    assertThat(sniff("%PDF-1.7\n".getBytes(UTF_8))).isEqualTo("application/pdf");
    assertThat(sniff("junk before\n%PDF-1.4".getBytes(UTF_8))).isEqualTo("application/pdf");
    assertThat(sniff(zip("a.txt", "hello"))).isEqualTo("application/zip");
    assertThat(sniff(bytes('R', 'a', 'r', '!', 0x1A, 7, 0))).isEqualTo("application/vnd.rar");
    assertThat(sniff(bytes('R', 'a', 'r', '!', 0x1A, 7, 1, 0))).isEqualTo("application/vnd.rar");
    assertThat(sniff(bytes('7', 'z', 0xBC, 0xAF, 0x27, 0x1C, 0, 4)))
        .isEqualTo("application/x-7z-compressed");
    assertThat(sniff(bytes(0x1F, 0x8B, 8, 0))).isEqualTo("application/gzip");
    assertThat(sniff("BZh91AY&SY".getBytes(ISO_8859_1))).isEqualTo("application/x-bzip2");
    assertThat(sniff(bytes(0xFD, '7', 'z', 'X', 'Z', 0, 0))).isEqualTo("application/x-xz");
    assertThat(sniff(bytes('M', 'S', 'C', 'F', 0, 0, 0, 0, 1)))
        .isEqualTo("application/vnd.ms-cab-compressed");
    byte[] iso = new byte[40_000];
    System.arraycopy("\u0001CD001".getBytes(ISO_8859_1), 0, iso, 32_768, 6);
    assertThat(sniff(iso)).isEqualTo("application/x-iso9660-image");
    assertThat(sniff("{\\rtf1\\ansi hello}".getBytes(UTF_8))).isEqualTo("text/rtf");
    assertThat(
            sniff(
                bytes(
                    0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46,
                    0x9B)))
        .isEqualTo("application/x-ms-shortcut");
  }

  @Test
  void tellsOfficeOpenXmlFlavoursAndMacroVariantsApart() throws IOException {
    assertThat(sniff(zip("[Content_Types].xml", "<Types/>", "word/document.xml", "<w/>")))
        .isEqualTo("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    assertThat(
            sniff(
                zip(
                    "[Content_Types].xml", "<Types/>",
                    "word/document.xml", "<w/>",
                    "word/vbaProject.bin", "vba")))
        .isEqualTo("application/vnd.ms-word.document.macroEnabled.12");
    assertThat(sniff(zip("[Content_Types].xml", "<Types/>", "xl/workbook.xml", "<x/>")))
        .isEqualTo("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assertThat(
            sniff(
                zip(
                    "[Content_Types].xml", "<Types/>",
                    "xl/workbook.xml", "<x/>",
                    "xl/vbaProject.bin", "vba")))
        .isEqualTo("application/vnd.ms-excel.sheet.macroEnabled.12");
    assertThat(sniff(zip("[Content_Types].xml", "<Types/>", "ppt/presentation.xml", "<p/>")))
        .isEqualTo("application/vnd.openxmlformats-officedocument.presentationml.presentation");
    assertThat(sniff(zip("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n", "A.class", "x")))
        .isEqualTo("application/java-archive");
  }

  @Test
  void readsTheOpenDocumentMimetypeEntry() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      byte[] type = "application/vnd.oasis.opendocument.text".getBytes(UTF_8);
      ZipEntry e = new ZipEntry("mimetype");
      e.setMethod(ZipEntry.STORED);
      e.setSize(type.length);
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(type);
      e.setCrc(crc.getValue());
      z.putNextEntry(e);
      z.write(type);
      z.closeEntry();
    }
    assertThat(sniff(out.toByteArray())).isEqualTo("application/vnd.oasis.opendocument.text");
  }

  @Test
  void recognisesOle2ContainersByDirectory() {
    assertThat(sniff(Ole2Files.compound("WordDocument"))).isEqualTo("application/msword");
    assertThat(sniff(Ole2Files.compound("Workbook"))).isEqualTo("application/vnd.ms-excel");
    assertThat(sniff(Ole2Files.compound("Something"))).isEqualTo("application/x-ole-storage");
  }

  @Test
  void recognisesImages() {
    assertThat(sniff(bytes(0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A))).isEqualTo("image/png");
    assertThat(sniff("GIF89a\u0001\u0000".getBytes(ISO_8859_1))).isEqualTo("image/gif");
    assertThat(sniff(bytes(0xFF, 0xD8, 0xFF, 0xE0))).isEqualTo("image/jpeg");
    assertThat(sniff("RIFF\u0000\u0000\u0000\u0000WEBPVP8 ".getBytes(ISO_8859_1)))
        .isEqualTo("image/webp");
    assertThat(sniff(bytes('I', 'I', '*', 0, 8, 0))).isEqualTo("image/tiff");
    assertThat(sniff(bytes(0, 0, 1, 0, 1, 0))).isEqualTo("image/x-icon");
    byte[] bmp = new byte[64];
    bmp[0] = 'B';
    bmp[1] = 'M';
    bmp[10] = 54;
    assertThat(sniff(bmp)).isEqualTo("image/bmp");
  }

  @Test
  void recognisesMarkupByWhatwgRules() {
    assertThat(sniff("  \n<!DOCTYPE html><html>".getBytes(UTF_8))).isEqualTo("text/html");
    assertThat(sniff("<html>".getBytes(UTF_8))).isEqualTo("text/html");
    assertThat(sniff("\uFEFF<p>hi".getBytes(UTF_8))).isEqualTo("text/html");
    assertThat(sniff("<htmlx>".getBytes(UTF_8))).isEqualTo("text/plain");
    assertThat(sniff("<?xml version=\"1.0\"?><root/>".getBytes(UTF_8))).isEqualTo("text/xml");
    assertThat(sniff("<?xml version=\"1.0\"?><svg xmlns=\"x\"/>".getBytes(UTF_8)))
        .isEqualTo("image/svg+xml");
  }

  @Test
  void fallsBackToTextOrOctetStream() {
    assertThat(sniff("just words\r\n".getBytes(UTF_8))).isEqualTo("text/plain");
    assertThat(sniff("ünïcödé".getBytes(UTF_8))).isEqualTo("text/plain");
    assertThat(sniff(bytes(1, 2, 3, 4))).isEqualTo("application/octet-stream");
    assertThat(sniff(new byte[0])).isEqualTo("text/plain");
  }

  @Test
  void honoursTheSliceAndRejectsBadRanges() {
    byte[] b = new byte[300];
    byte[] exe = pe();
    System.arraycopy(exe, 0, b, 10, 256);
    assertThat(TypeSniffer.sniff(b, 10, 256)).isEqualTo("application/x-msdownload");
    assertThat(TypeSniffer.sniff(b, 12, 2)).isEqualTo("application/octet-stream");
    assertThatThrownBy(() -> TypeSniffer.sniff(b, 290, 20))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
