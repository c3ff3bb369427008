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

  /** A multipart/mixed of {@code fillers} short text parts, then {@code tail}, CRLF line ends. */
  private static byte[] manyParts(int fillers, String tail) {
    StringBuilder m =
        new StringBuilder(
            "From: a@example.org\nTo: b@example.net\nSubject: parts\nDate: Mon, 7 Dec 2026"
                + " 10:00:00 +0000\nMessage-ID: <parts@example.org>\nMIME-Version: 1.0\n"
                + "Content-Type: multipart/mixed; boundary=\"b\"\n\n");
    for (int i = 0; i < fillers; i++) {
      m.append("--b\nContent-Type: text/plain\n\n").append(i).append('\n');
    }
    m.append(tail).append("--b--\n");
    return m.toString().replace("\n", "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void anExecutablePastMaxPartsStillScoresItsName() {
    String exe =
        "--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment;\n"
            + "\tfilename=\"invoice.pdf.exe\"\nContent-Transfer-Encoding: base64\n\n"
            + Base64.getMimeEncoder().encodeToString(PE)
            + "\n";
    try (dev.mailfilter.MailFilter filter = dev.mailfilter.MailFilter.withDefaults()) {
      dev.mailfilter.api.Envelope env =
          dev.mailfilter.api.Envelope.of(
              java.net.InetAddress.getLoopbackAddress(), "", "", List.of());
      int limit = dev.mailfilter.mime.MimeLimits.DEFAULT.maxParts();
      dev.mailfilter.api.Verdict within = filter.classify(manyParts(10, exe), env);
      dev.mailfilter.api.Verdict past = filter.classify(manyParts(limit + 1, exe), env);
      List<String> names = past.symbols().stream().map(dev.mailfilter.api.Symbol::name).toList();
      assertThat(names).contains("MIME_LIMIT_PARTS", "DANGEROUS_ATTACHMENT", "DOUBLE_EXTENSION");
      assertThat(past.symbols())
          .filteredOn(x -> x.name().equals("DANGEROUS_ATTACHMENT"))
          .singleElement()
          .satisfies(
              x -> assertThat(x.options()).containsExactly("invoice.pdf.exe (past a MIME limit)"));
      // The name scores as much past the limit as within it, and the limit's symbol comes on top.
      assertThat(past.score()).isGreaterThan(within.score());
      double nameScores =
          past.symbols().stream()
              .filter(
                  x ->
                      x.name().equals("DANGEROUS_ATTACHMENT")
                          || x.name().equals("DOUBLE_EXTENSION"))
              .mapToDouble(dev.mailfilter.api.Symbol::score)
              .sum();
      assertThat(nameScores).isEqualTo(7.0);

      // Nested past the limit: the inner multipart's boundary is never registered, its fields are
      // still read.
      String nested =
          "--b\nContent-Type: multipart/mixed; boundary=\"inner\"\n\n--inner\n"
              + "Content-Type: application/x-msdownload; name=setup.scr\n\nMZ\n--inner--\n";
      dev.mailfilter.api.Verdict deep = filter.classify(manyParts(limit + 5, nested), env);
      assertThat(deep.symbols())
          .anySatisfy(
              x -> {
                assertThat(x.name()).isEqualTo("DANGEROUS_ATTACHMENT");
                assertThat(x.options()).containsExactly("setup.scr (past a MIME limit)");
              });
    }
  }

  @Test
  void anExecutableNestedPastMaxDepthStillScoresItsName() {
    int depth = dev.mailfilter.mime.MimeLimits.DEFAULT.maxDepth();
    StringBuilder m =
        new StringBuilder(
            "From: a@example.org\nTo: b@example.net\nSubject: deep\nDate: Mon, 7 Dec 2026"
                + " 10:00:00 +0000\nMessage-ID: <deep@example.org>\nMIME-Version: 1.0\n"
                + "Content-Type: multipart/mixed; boundary=\"b0\"\n\n");
    for (int i = 1; i <= depth + 2; i++) {
      m.append("--b").append(i - 1).append("\nContent-Type: multipart/mixed; boundary=\"b");
      m.append(i).append("\"\n\n");
    }
    m.append("--b")
        .append(depth + 2)
        .append("\nContent-Type: application/octet-stream; name=\"setup.scr\"\n\nMZ\n");
    for (int i = depth + 2; i >= 0; i--) {
      m.append("--b").append(i).append("--\n");
    }
    byte[] raw =
        m.toString().replace("\n", "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (dev.mailfilter.MailFilter filter = dev.mailfilter.MailFilter.withDefaults()) {
      dev.mailfilter.api.Verdict v =
          filter.classify(
              raw,
              dev.mailfilter.api.Envelope.of(
                  java.net.InetAddress.getLoopbackAddress(), "", "", List.of()));
      assertThat(v.symbols())
          .anySatisfy(x -> assertThat(x.name()).isEqualTo("MIME_LIMIT_DEPTH"))
          .anySatisfy(
              x -> {
                assertThat(x.name()).isEqualTo("DANGEROUS_ATTACHMENT");
                assertThat(x.options()).containsExactly("setup.scr (past a MIME limit)");
              });
    }
  }
}
