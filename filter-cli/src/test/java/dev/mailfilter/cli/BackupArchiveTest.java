package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cli.CommandTestSupport.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged or hostile archive is refused by {@code mailfilter restore} with one line and exit 2,
 * before anything is written: every single flipped byte, every truncation, entries that escape
 * ({@code ../x}, an absolute name), links and oversized entries. And GNU tar reads what we write.
 */
class BackupArchiveTest {
  private static final long SEED = Long.getLong("backup.seed", 20261208L);

  @TempDir static Path tmp;
  private static Path node;
  private static byte[] archive;

  /** A node with a model, a score file and a held message, backed up, then lost. */
  @BeforeAll
  static void backUpAndLoseANode() throws IOException {
    node = tmp.resolve("node");
    Path config = BackupRestoreTest.node(node, 9);
    BackupRestoreTest.train(config);
    BackupRestoreTest.holdOne(config, "held");
    Path tar = tmp.resolve("good.tar");
    Result b =
        CommandTestSupport.run("backup", "--config", config.toString(), "-o", tar.toString());
    assertThat(b.code()).as(b.err()).isZero();
    archive = Files.readAllBytes(tar);
    BackupRestoreTest.deleteTree(node);
  }

  /** Restores {@code bytes}; asserts the refusal and that nothing was written. */
  private static String refused(byte[] bytes, String what) throws IOException {
    Path file = tmp.resolve("bad.tar");
    Files.write(file, bytes);
    Path config = tmp.resolve("fresh/mailfilter.yaml");
    Result r = CommandTestSupport.run("restore", file.toString(), "--config", config.toString());
    assertThat(r.code()).as(what + ": " + r.out()).isEqualTo(2);
    assertThat(r.err()).as(what).startsWith("mailfilter restore: ").hasLineCount(1);
    assertThat(tmp.resolve("fresh")).as(what).doesNotExist();
    assertThat(node).as(what).doesNotExist();
    return r.err();
  }

  @Test
  void theGoodArchiveRestores() throws IOException {
    Path file = tmp.resolve("good-copy.tar");
    Files.write(file, archive);
    Path fresh = tmp.resolve("fresh-good/mailfilter.yaml");
    Result r = CommandTestSupport.run("restore", file.toString(), "--config", fresh.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(node.resolve("model.bin")).isRegularFile();
    BackupRestoreTest.deleteTree(node);
  }

  @Test
  void everyFlippedByteIsRefused() throws IOException {
    Random random = new Random(SEED);
    List<Integer> positions = new ArrayList<>();
    int at = 0;
    while (archive[at] != 0) { // each header, until the end-of-archive blocks
      long size = Long.parseLong(new String(archive, at + 124, 11, US_ASCII), 8);
      long next = at + Tar.BLOCK + (size + Tar.BLOCK - 1) / Tar.BLOCK * Tar.BLOCK;
      positions.addAll(List.of(at, at + 124, at + 148, at + 156, at + 257)); // name, size, sum...
      positions.add(at + Tar.BLOCK); // the first data byte
      positions.add((int) next - 1); // the last byte of the padding, or of the data
      at = (int) next;
    }
    positions.addAll(List.of(at, at + Tar.BLOCK, archive.length - 1)); // the end blocks
    for (int i = 0; i < 200; i++) {
      positions.add(random.nextInt(archive.length));
    }
    for (int flip : positions) {
      byte[] bad = archive.clone();
      bad[flip] ^= (byte) (1 + random.nextInt(255));
      refused(bad, "seed " + SEED + ", byte " + flip + " of " + archive.length);
    }
  }

  @Test
  void everyTruncationIsRefused() throws IOException {
    Random random = new Random(SEED);
    List<Integer> lengths = new ArrayList<>(List.of(0, 1, 511, 512, 513, archive.length - 1));
    for (int i = 1; i <= 4; i++) {
      lengths.add(archive.length - i * Tar.BLOCK);
    }
    for (int i = 0; i < 50; i++) {
      lengths.add(random.nextInt(archive.length));
    }
    for (int n : lengths) {
      String err = refused(java.util.Arrays.copyOf(archive, n), "seed " + SEED + ", cut at " + n);
      assertThat(err).as("cut at " + n).containsAnyOf("truncated", "manifest", "damaged");
    }
  }

  /** One entry with a header we craft, then the end of the archive. */
  private static byte[] tarWith(String name, long size, char type, byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(Tar.header(name, size, 0, type));
    out.write(data);
    out.write(new byte[(Tar.BLOCK - data.length % Tar.BLOCK) % Tar.BLOCK]);
    out.write(new byte[2 * Tar.BLOCK]);
    return out.toByteArray();
  }

  @Test
  void escapingLinkAndOversizedEntriesAreRefusedBeforeTheirData() throws IOException {
    byte[] x = "x\n".getBytes(UTF_8);
    assertThat(refused(tarWith("../x", x.length, '0', x), "../x"))
        .contains("'../x'")
        .contains("..");
    assertThat(refused(tarWith("config/../../x", x.length, '0', x), "inner ..")).contains("..");
    assertThat(refused(tarWith("/etc/x", x.length, '0', x), "absolute")).contains("absolute");
    assertThat(refused(tarWith("quarantine/x", 0, '2', new byte[0]), "symlink"))
        .contains("symbolic link");
    assertThat(refused(tarWith("quarantine/x", 0, '1', new byte[0]), "hard link"))
        .contains("hard link");
    assertThat(refused(tarWith("pax", 0, 'x', new byte[0]), "pax")).contains("PAX");
    // 6 GiB claimed: refused from its header, not read (the file is a few blocks).
    assertThat(refused(tarWith("model/model.bin", 6L << 30, '0', x), "oversized"))
        .contains("over the limit");
    assertThat(refused(tarWith("model/model.bin", 1L << 20, '0', x), "beyond the end"))
        .contains("past the end of the archive");
  }

  @Test
  void anArchiveWithoutAManifestOrWithAnUnlistedEntryIsRefused() throws IOException {
    byte[] x = "x\n".getBytes(UTF_8);
    assertThat(refused(tarWith("config/c.yaml", x.length, '0', x), "no manifest"))
        .contains("no manifest");
    // The good archive with one more entry slipped in before its manifest.
    int manifestAt = manifestHeaderOffset();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(archive, 0, manifestAt);
    out.write(Tar.header("files/99-extra", x.length, 0, '0'));
    out.write(x);
    out.write(new byte[Tar.BLOCK - x.length]);
    out.write(archive, manifestAt, archive.length - manifestAt);
    assertThat(refused(out.toByteArray(), "extra entry")).contains("the archive holds");
  }

  private static int manifestHeaderOffset() {
    for (int at = 0; at < archive.length; at += Tar.BLOCK) {
      if (new String(archive, at, 9, US_ASCII).equals("MANIFEST\0")) {
        return at;
      }
    }
    throw new AssertionError("no MANIFEST header");
  }

  @Test
  void gnuTarListsAndExtractsTheArchive() throws Exception {
    Path file = tmp.resolve("for-gnu-tar.tar");
    Files.write(file, archive);
    Process p = new ProcessBuilder("tar", "-tf", file.toString()).redirectErrorStream(true).start();
    String listing = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(listing).isZero();
    List<String> names = listing.lines().toList();
    assertThat(names.getLast()).isEqualTo("MANIFEST");
    assertThat(names)
        .contains("config/mailfilter.yaml", "files/1-local.scores", "model/model.bin")
        .anyMatch(n -> n.startsWith("quarantine/") && n.endsWith(".eml"));
    Process x = new ProcessBuilder("tar", "-xOf", file.toString(), "MANIFEST").start();
    byte[] manifest = x.getInputStream().readAllBytes();
    assertThat(x.waitFor(30, TimeUnit.SECONDS)).isTrue();
    BackupManifest m = BackupManifest.decode(manifest);
    assertThat(m.entries()).hasSize(names.size() - 1);
  }
}
