package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The manifest codec over seeded random manifests: every manifest round-trips (hosts and sources
 * with tabs, line ends, {@code %}, control and non-ASCII characters), and every damaged encoding is
 * refused with an {@link IllegalArgumentException}, never another exception or a different
 * manifest. A failure names its seed; rerun with {@code -Dbackup.seed=N}.
 */
class BackupManifestPropertyTest {
  private static final long SEED = Long.getLong("backup.seed", 15L);
  private static final String ODD = "\t\n\r%\u0000\u007f é漢😀 /..";

  private static String text(Random r, int max) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(max + 1);
    for (int i = 0; i < n; i++) {
      b.append(
          r.nextInt(3) == 0 ? ODD.charAt(r.nextInt(ODD.length())) : (char) ('a' + r.nextInt(26)));
    }
    // Never half a surrogate pair: the text is UTF-8 in the file.
    return b.toString().replaceAll("[\\uD800-\\uDFFF]", "x");
  }

  private static String name(Random r) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789._-";
    List<String> parts = new ArrayList<>();
    for (int p = 0; p <= r.nextInt(3); p++) {
      StringBuilder b = new StringBuilder().append((char) ('a' + r.nextInt(26)));
      for (int i = r.nextInt(20); i > 0; i--) {
        b.append(alphabet.charAt(r.nextInt(alphabet.length())));
      }
      parts.add(b.toString());
    }
    return String.join("/", parts);
  }

  private static BackupManifest manifest(Random r) {
    List<BackupManifest.Entry> entries = new ArrayList<>();
    BackupManifest.Kind[] kinds = BackupManifest.Kind.values();
    for (int i = r.nextInt(20); i > 0; i--) {
      byte[] sha = new byte[32];
      r.nextBytes(sha);
      String name = name(r) + i; // distinct
      entries.add(
          new BackupManifest.Entry(
              kinds[r.nextInt(kinds.length)],
              name.length() > 100 ? name.substring(0, 95) + i : name,
              r.nextLong(Tar.MAX_SIZE + 1),
              HexFormat.of().formatHex(sha),
              text(r, 40)));
    }
    return new BackupManifest(
        1 + r.nextInt(BackupManifest.VERSION),
        Instant.ofEpochSecond(r.nextLong(4_000_000_000L), r.nextInt(1_000_000_000)),
        text(r, 30),
        entries);
  }

  @Test
  void everyManifestRoundTrips() {
    Random r = new Random(SEED);
    for (int i = 0; i < 2000; i++) {
      BackupManifest m = manifest(r);
      assertThat(BackupManifest.decode(m.encode())).as("seed " + SEED + ", case " + i).isEqualTo(m);
    }
  }

  @Test
  void everyDamagedEncodingIsRefusedWithAnIllegalArgument() {
    Random r = new Random(SEED);
    for (int i = 0; i < 2000; i++) {
      byte[] good = manifest(r).encode();
      byte[] bad;
      switch (r.nextInt(3)) {
        case 0 -> {
          bad = good.clone();
          bad[r.nextInt(bad.length)] ^= (byte) (1 + r.nextInt(255));
        }
        case 1 -> bad = java.util.Arrays.copyOf(good, r.nextInt(good.length));
        default -> {
          bad = new byte[1 + r.nextInt(200)];
          r.nextBytes(bad);
        }
      }
      byte[] input = bad;
      assertThatThrownBy(() -> BackupManifest.decode(input))
          .as("seed " + SEED + ", case " + i)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("manifest: ");
    }
  }

  @Test
  void aLaterFormatVersionIsRefusedByName() {
    BackupManifest later =
        new BackupManifest(BackupManifest.VERSION + 1, Instant.EPOCH, "h", List.of());
    assertThatThrownBy(() -> BackupManifest.decode(later.encode()))
        .hasMessage(
            "manifest: format version "
                + (BackupManifest.VERSION + 1)
                + ", this mailfilter reads versions 1 to "
                + BackupManifest.VERSION);
  }
}
