package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The public suffix list's own organizational-domain vectors ({@code tests.txt}, 78 cases), run
 * against the snapshot list they were made with, and against Guava's compiled-in list.
 */
class PublicSuffixListTest {
  private static final Path DIR =
      Path.of(
          System.getProperty("mailfilter.shared", "../shared"),
          "corpora/auth/dmarc/publicsuffix-list");

  record Case(String input, String expected) {}

  static List<Case> cases() throws IOException {
    List<Case> out = new ArrayList<>();
    for (String line : Files.readAllLines(DIR.resolve("tests/tests.txt"), StandardCharsets.UTF_8)) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("//")) {
        continue;
      }
      String[] f = l.split("\\s+");
      out.add(new Case(f[0], f[1]));
    }
    return out;
  }

  private static List<String> failures(PublicSuffixList psl) throws IOException {
    List<String> failed = new ArrayList<>();
    for (Case c : cases()) {
      Optional<String> got =
          c.input().equals("null") ? Optional.empty() : psl.organizationalDomain(c.input());
      Optional<String> want =
          c.expected().equals("null")
              ? Optional.empty()
              : Optional.of(IDN.toASCII(c.expected()).toLowerCase(Locale.ROOT));
      if (!got.equals(want)) {
        failed.add(c.input() + " -> " + got + ", expected " + want);
      }
    }
    return failed;
  }

  @Test
  void all78VectorsPassWithTheSnapshotList() throws IOException {
    assertThat(cases()).hasSize(78);
    PublicSuffixList psl = PublicSuffixList.read(DIR.resolve("public_suffix_list.dat"));
    assertThat(failures(psl)).isEmpty();
  }

  @Test
  void all78VectorsPassWithGuavasListAndTheImplicitStarRule() throws IOException {
    assertThat(failures(PublicSuffixList.guava())).isEmpty();
  }

  @Test
  void wildcardAndExceptionRulesFollowTheListsAlgorithm() throws IOException {
    PublicSuffixList psl = PublicSuffixList.read(DIR.resolve("public_suffix_list.dat"));
    // *.ck with !www.ck: www.ck is registrable, any other x.ck is a suffix.
    assertThat(psl.organizationalDomain("www.www.ck")).contains("www.ck");
    assertThat(psl.organizationalDomain("a.b.ck")).contains("a.b.ck");
    assertThat(psl.organizationalDomain("b.ck")).isEmpty();
  }

  @Test
  void aNameWithAControlCharacterHasNoOrganizationalDomain() {
    // Found by DmarcRecordFuzzTest: IDN.toASCII lets an ESC through, and the list's default rule
    // then made "\u001b.<idn>" its own registrable domain.
    assertThat(PublicSuffixList.guava().organizationalDomain("\u001b.\u071a")).isEmpty();
    assertThat(PublicSuffixList.guava().organizationalDomain("a b.example.com")).isEmpty();
    // Also found by it: two trailing dots left an empty label after the one dot that is allowed.
    assertThat(PublicSuffixList.guava().organizationalDomain("z.z..")).isEmpty();
    assertThat(PublicSuffixList.guava().organizationalDomain("z.z.")).contains("z.z");
  }

  @Test
  void aFileWithoutRulesIsRefusedNamingIt(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws IOException {
    Path f = Files.writeString(tmp.resolve("empty.dat"), "// nothing\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PublicSuffixList.read(f))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("empty.dat");
  }
}
