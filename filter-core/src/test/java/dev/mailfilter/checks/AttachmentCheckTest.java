package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class AttachmentCheckTest {
  private static final LocalChecks CHECKS = new LocalChecks();

  /** A minimal PE image: MZ, e_lfanew at 0x3C pointing at "PE\0\0". */
  private static final byte[] PE = pe();

  @AfterAll
  static void close() {
    CHECKS.close();
  }

  private static byte[] pe() {
    byte[] b = new byte[256];
    b[0] = 'M';
    b[1] = 'Z';
    b[0x3C] = (byte) 0x80;
    b[0x80] = 'P';
    b[0x81] = 'E';
    return b;
  }

  private static List<String> withAttachment(String filename, String type, byte[] content) {
    String body =
        "--b\nContent-Type: text/plain\n\nPlease see the attached file for the details.\n"
            + "--b\nContent-Type: "
            + type
            + "\nContent-Disposition: attachment; filename=\""
            + filename
            + "\"\nContent-Transfer-Encoding: base64\n\n"
            + Base64.getMimeEncoder().encodeToString(content).replace("\r\n", "\n")
            + "\n--b--\n";
    return CHECKS.symbols(
        CHECKS.message("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b", body));
  }

  private static byte[] zip(String name, byte[] content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      z.putNextEntry(new ZipEntry(name));
      z.write(content);
      z.closeEntry();
    }
    return out.toByteArray();
  }

  private static byte[] testdata(String name) throws IOException {
    return Files.readAllBytes(
        LocalChecks.CORPORA.resolve("spamassassin-testdata/t/data/spam/olevbmacro/" + name));
  }

  @Test
  void dangerousExtensionsAndDecoysAreFlagged() {
    assertThat(withAttachment("setup.scr", "application/octet-stream", PE))
        .contains("DANGEROUS_ATTACHMENT")
        .doesNotContain("DOUBLE_EXTENSION", "SNIFFED_EXECUTABLE");
    assertThat(withAttachment("invoice.pdf.exe", "application/pdf", PE))
        .contains("DANGEROUS_ATTACHMENT", "DOUBLE_EXTENSION");
  }

  @Test
  void rightToLeftOverrideInTheNameIsFlagged() {
    // shows as "invoiceexe.pdf" but is invoice<RLO>fdp.exe
    assertThat(withAttachment("invoice\u202Efdp.exe", "application/pdf", PE))
        .contains("MIME_BAD_UNICODE");
  }

  @Test
  void executableContentUnderAHarmlessNameIsSniffed() {
    assertThat(withAttachment("holiday.jpg", "image/jpeg", PE)).contains("SNIFFED_EXECUTABLE");
    assertThat(withAttachment("notes.txt", "text/plain", "#!/bin/sh\necho hi\n".getBytes()))
        .doesNotContain("SNIFFED_EXECUTABLE");
  }

  @Test
  void dangerousEntriesInsideArchivesAndNestedArchivesAreFlagged() throws IOException {
    assertThat(withAttachment("docs.zip", "application/zip", zip("payload.exe", PE)))
        .contains("ARCHIVE_DANGEROUS_ENTRY");
    byte[] nested = zip("inner.zip", zip("docs/run.js", "WScript.Echo(1)".getBytes()));
    assertThat(withAttachment("docs.zip", "application/zip", nested))
        .contains("ARCHIVE_DANGEROUS_ENTRY");
    assertThat(withAttachment("photos.zip", "application/zip", zip("a.txt", "hello".getBytes())))
        .isEmpty();
  }

  @Test
  void spamAssassinsPasswordProtectedZipIsEncrypted() throws IOException {
    assertThat(CHECKS.symbols(testdata("zippwmacro.eml"))).contains("ENCRYPTED_ARCHIVE");
  }

  @Test
  void spamAssassinsMacroDocumentsAreFlaggedAndCleanOnesAreNot() throws IOException {
    assertThat(CHECKS.symbols(testdata("macro.eml"))).contains("OFFICE_MACRO");
    // a macro workbook renamed to .jpg: found by content
    assertThat(CHECKS.symbols(testdata("renamedmacro.eml"))).contains("OFFICE_MACRO");
    assertThat(CHECKS.symbols(testdata("nomacro.eml"))).doesNotContain("OFFICE_MACRO");
    assertThat(CHECKS.symbols(testdata("goodcsv.eml"))).doesNotContain("OFFICE_MACRO");
  }
}
