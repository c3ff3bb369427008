package dev.mailfilter.mime.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.mime.content.FileNames.Classification;
import org.junit.jupiter.api.Test;

class FileNamesTest {

  @Test
  void flagsBlockedExtensions() {
    for (String name :
        new String[] {
          "a.exe", "A.SCR", "x.js", "y.vbs", "z.hta", "q.lnk", "d.iso", "s.ps1", "j.jar", "m.msi",
          "c.cmd", "o.one"
        }) {
      assertThat(FileNames.classify(name).dangerous()).as(name).isTrue();
    }
    assertThat(FileNames.classify("report.pdf").dangerous()).isFalse();
    assertThat(FileNames.classify("noextension").extension()).isEmpty();
  }

  @Test
  void detectsDoubleAndPaddedExtensions() {
    Classification c = FileNames.classify("invoice.pdf.exe");
    assertThat(c.extension()).isEqualTo("exe");
    assertThat(c.doubleExtension()).isTrue();
    assertThat(c.paddedExtension()).isFalse();

    Classification padded = FileNames.classify("invoice.pdf                .exe");
    assertThat(padded.doubleExtension()).isTrue();
    assertThat(padded.paddedExtension()).isTrue();

    assertThat(FileNames.classify("archive.tar.gz").doubleExtension()).isFalse();
    assertThat(FileNames.classify("my.holiday.exe").doubleExtension()).isFalse();
  }

  @Test
  void seesThroughRightToLeftOverride() {
    Classification c = FileNames.classify("invoice\u202Efdp.exe");
    assertThat(c.usesBidiControl()).isTrue();
    assertThat(c.extension()).isEqualTo("exe");
    assertThat(c.dangerous()).isTrue();
    assertThat(FileNames.classify("invoice.pdf").usesBidiControl()).isFalse();
  }

  @Test
  void actsOnTheExtensionWindowsUses() {
    assertThat(FileNames.classify("evil.exe. . ").extension()).isEqualTo("exe");
    assertThat(FileNames.classify("C:\\temp\\x.pdf\\run.bat").extension()).isEqualTo("bat");
    assertThat(FileNames.classify("e\u200Bvil.e\u200Bxe").extension()).isEqualTo("exe");
  }

  @Test
  void marksMacroOfficeAndArchives() {
    assertThat(FileNames.classify("q.xlsm").macroEnabledOffice()).isTrue();
    assertThat(FileNames.classify("q.xlsx").macroEnabledOffice()).isFalse();
    assertThat(FileNames.classify("a.7z").archive()).isTrue();
    assertThat(FileNames.classify("a.txt").archive()).isFalse();
  }

  @Test
  void neverThrowsOnOddNames() {
    for (String name : new String[] {"", ".", "...", " ", "\u202E", ".exe", "\uD800", "a/"}) {
      assertThat(FileNames.classify(name).name()).isEqualTo(name);
    }
    assertThat(FileNames.classify(".exe").dangerous()).isTrue();
  }
}
