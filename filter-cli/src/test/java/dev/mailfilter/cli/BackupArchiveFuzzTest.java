package dev.mailfilter.cli;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailfilter.testkit.ChunkedInputStream;
import java.io.IOException;

/**
 * Fuzzes what a restore reads before it writes: any bytes, in any split, are a checked archive or
 * an {@link IOException} with a message, never another exception; any bytes are a manifest or an
 * {@link IllegalArgumentException} starting {@code manifest: }, and a manifest decoded encodes to
 * the same bytes. Without {@code JAZZER_FUZZ=1} it replays the seeds in {@code
 * BackupArchiveFuzzTestInputs}.
 */
class BackupArchiveFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void anyBytesAreACheckedArchiveOrARefusal(FuzzedDataProvider data) {
    int split = data.consumeInt(1, 1024);
    byte[] archive = data.consumeRemainingAsBytes();
    try {
      RestoreCommand.verify(
          new ChunkedInputStream(archive, split, split), archive.length, "fuzz.tar");
    } catch (IOException e) {
      if (e.getMessage() == null || !e.getMessage().startsWith("fuzz.tar: ")) {
        throw new AssertionError("a refusal without the archive's name: " + e.getMessage(), e);
      }
    }
  }

  @FuzzTest(maxDuration = "30s")
  void anyBytesAreAManifestOrARefusal(FuzzedDataProvider data) {
    byte[] bytes = data.consumeRemainingAsBytes();
    BackupManifest m;
    try {
      m = BackupManifest.decode(bytes);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().startsWith("manifest: ")) {
        throw new AssertionError("a refusal not naming the manifest: " + e.getMessage(), e);
      }
      return;
    }
    if (!java.util.Arrays.equals(m.encode(), bytes)) {
      throw new AssertionError("decoded and encoded again differently: " + m);
    }
  }
}
