package dev.mailfilter.mime.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.mime.content.OfficeMacros.Container;
import dev.mailfilter.mime.content.OfficeMacros.Result;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OfficeMacrosTest {

  static Result detect(byte[] b) {
    return OfficeMacros.detect(b, 0, b.length);
  }

  static final String DOCX_TYPES =
      "<Types><Override PartName=\"/word/document.xml\" ContentType=\""
          + "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
          + "</Types>";

  @Test
  void findsVbaProjectInOoxml() throws IOException {
    byte[] docm =
        ArchivesTest.zip(
            "[Content_Types].xml",
            DOCX_TYPES,
            "word/document.xml",
            "<w/>",
            "word/vbaProject.bin",
            Ole2Files.compound("VBA"));
    Result r = detect(docm);
    assertThat(r.container()).isEqualTo(Container.OOXML);
    assertThat(r.hasMacros()).isTrue();
    assertThat(r.evidence()).contains("zip entry word/vbaProject.bin");
  }

  @Test
  void findsAMacroEnabledContentType() throws IOException {
    String types =
        "<Types><Override PartName=\"/word/document.xml\" ContentType=\""
            + "application/vnd.ms-word.document.macroEnabled.main+xml\"/></Types>";
    Result r = detect(ArchivesTest.zip("[Content_Types].xml", types, "word/document.xml", "<w/>"));
    assertThat(r.hasMacros()).isTrue();
    assertThat(r.evidence())
        .containsExactly("content type application/vnd.ms-word.document.macroEnabled.main+xml");
  }

  @Test
  void cleanOoxmlHasNoMacros() throws IOException {
    Result r =
        detect(ArchivesTest.zip("[Content_Types].xml", DOCX_TYPES, "word/document.xml", "x"));
    assertThat(r.container()).isEqualTo(Container.OOXML);
    assertThat(r.hasMacros()).isFalse();
    assertThat(r.evidence()).isEmpty();
  }

  @Test
  void findsVbaStorageInOle2() {
    byte[] doc =
        Ole2Files.compound(
            new String[] {"WordDocument", "Macros", "ObjectPool"},
            new int[] {Ole2Files.STREAM, Ole2Files.STORAGE, Ole2Files.STORAGE});
    Result r = detect(doc);
    assertThat(r.container()).isEqualTo(Container.OLE2);
    assertThat(r.hasMacros()).isTrue();
    assertThat(r.hasEmbeddedObjects()).isTrue();
    assertThat(r.evidence()).containsExactly("OLE2 storage Macros", "OLE2 storage ObjectPool");
    assertThat(r.damaged()).isFalse();

    Result excel = detect(Ole2Files.compound("Workbook", "_VBA_PROJECT_CUR"));
    assertThat(excel.hasMacros()).isTrue();

    Result clean = detect(Ole2Files.compound("WordDocument", "1Table"));
    assertThat(clean.hasMacros()).isFalse();
  }

  @Test
  void survivesCorruptOle2() {
    byte[] doc = Ole2Files.compound("VBA");
    byte[] loop = doc.clone();
    loop[512 + 4] = 1; // the directory sector's FAT entry points at itself
    loop[512 + 5] = 0;
    loop[512 + 6] = 0;
    loop[512 + 7] = 0;
    Result r = detect(loop);
    assertThat(r.damaged()).isTrue();
    assertThat(r.hasMacros()).isTrue();

    Result cut = detect(Arrays.copyOf(doc, 700));
    assertThat(cut.container()).isEqualTo(Container.OLE2);
    assertThat(cut.damaged()).isTrue();
  }

  @Test
  void findsRtfObjects() {
    Result r = detect("{\\rtf1{\\object\\objemb{\\*\\objdata 0105000002000000}}}".getBytes(UTF_8));
    assertThat(r.container()).isEqualTo(Container.RTF);
    assertThat(r.hasEmbeddedObjects()).isTrue();
    assertThat(r.evidence())
        .containsExactly(
            "RTF control word \\object", "RTF control word \\objemb", "RTF control word \\objdata");
    assertThat(detect("{\\rtf1 \\objectively plain}".getBytes(UTF_8)).hasEmbeddedObjects())
        .isFalse();
  }

  @Test
  void otherBytesAreNotOffice() {
    assertThat(detect("hello".getBytes(UTF_8)).container()).isEqualTo(Container.NONE);
  }
}
