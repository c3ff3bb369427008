package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files written before feature set 2 (format versions 1 and 2, written here byte by byte as
 * the writer of that time did) load, score exactly as that code scored, and keep their feature set
 * after a commit; a file of an unknown feature set or version is refused with a message saying to
 * retrain.
 */
class ModelCompatibilityTest {
  private static final int BITS = 12;
  @TempDir Path dir;

  /** Pseudo-random weights for every index, deterministic. */
  private static float weight(int index) {
    return (float) (new SplittableRandom(index * 31L + 7).nextDouble(-0.5, 0.5));
  }

  /** A file in the format of versions 1 (index, weight pairs) or 2 (every weight). */
  private static byte[] legacyFile(int version, float bias) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0x4D464C4D);
    out.writeInt(version);
    out.writeInt(BITS);
    out.writeFloat(bias);
    if (version == 1) {
      out.writeInt(1 << BITS);
      for (int i = 0; i < 1 << BITS; i++) {
        out.writeInt(i);
        out.writeFloat(weight(i));
      }
    } else {
      for (int i = 0; i < 1 << BITS; i++) {
        out.writeFloat(weight(i));
      }
    }
    out.writeInt(1); // one learned message
    out.writeLong(42L);
    out.writeByte(Label.SPAM.ordinal());
    out.writeFloat(0.25f);
    out.flush();
    CRC32 crc = new CRC32();
    crc.update(bytes.toByteArray());
    out.writeInt((int) crc.getValue());
    return bytes.toByteArray();
  }

  /** The probability the code of feature set 1 gave: {@link ReferenceFeatures}, logistic. */
  private static double legacyProbability(Document doc, float bias) {
    int mask = (1 << BITS) - 1;
    Set<Integer> distinct = new LinkedHashSet<>();
    for (long f : ReferenceFeatures.of(doc)) {
      distinct.add((int) (f >>> 32) & mask);
    }
    float value = distinct.isEmpty() ? 0f : (float) (1.0 / Math.sqrt(distinct.size()));
    double sum = 0;
    for (int index : distinct) {
      sum += weight(index);
    }
    return 1.0 / (1.0 + Math.exp(-(bias + sum * value)));
  }

  private static final String MESSAGE =
      """
      From: Alice <alice@example.org>
      To: bob@example.net
      Subject: quarterly figures
      MIME-Version: 1.0
      Content-Type: multipart/mixed; boundary="b"

      --b
      Content-Type: text/plain; charset=utf-8

      The figures are attached, see http://example.org/q3 for more.
      --b
      Content-Type: application/pdf; name="q3.pdf"
      Content-Transfer-Encoding: base64

      JVBERi0xLjQK
      --b--
      """
          .replace("\n", "\r\n");

  @Test
  void filesOfVersionsOneAndTwoLoadAndScoreAsBefore() throws Exception {
    Document doc = Document.fromMessage(MESSAGE.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    SplittableRandom r = new SplittableRandom(3);
    List<Document> docs = List.of(doc, SpamModelTest.message(r, Label.HAM, 1));
    for (int version = 1; version <= 2; version++) {
      Path file = dir.resolve("v" + version + ".model");
      Files.write(file, legacyFile(version, 0.125f));
      ModelSettings settings =
          ModelSettings.builder().path(file).hashBits(20).minTraining(0, 0).build();
      try (SpamModel m = SpamModel.open(settings)) {
        assertThat(m.counts()).isEqualTo(new TrainingCounts(0, 1));
        assertThat(m.calibration()).isEmpty();
        for (Document d : docs) {
          assertThat(m.classify(d).probability())
              .as("version %d", version)
              .isEqualTo(legacyProbability(d, 0.125f));
        }
        // Autolearn and train keep working on it; the commit rewrites it in the current format
        // but over its own feature set.
        m.learn(SpamModelTest.message(r, Label.HAM, 2), Label.HAM);
        m.commit();
      }
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
      assertThat(b.getInt(4)).as("version after commit").isEqualTo(3);
      assertThat(b.getInt(12)).as("feature set after commit").isEqualTo(Features.LEGACY_SET);
      try (FileModelStore s = FileModelStore.open(file, 20)) {
        assertThat(s.featureSet()).isEqualTo(Features.LEGACY_SET);
        assertThat(s.counts()).isEqualTo(new TrainingCounts(1, 1));
      }
    }
  }

  @Test
  void aNewModelUsesTheCurrentFeatureSet() throws Exception {
    Path file = dir.resolve("new.model");
    try (FileModelStore s = FileModelStore.open(file, BITS)) {
      assertThat(s.featureSet()).isEqualTo(Features.CURRENT_SET);
    }
    assertThat(FileModelStore.inMemory(BITS).featureSet()).isEqualTo(Features.CURRENT_SET);
  }

  @Test
  void refusesAnUnknownFeatureSetOrVersionSayingToRetrain() throws Exception {
    Path file = dir.resolve("m.model");
    try (SpamModel m = SpamModel.open(ModelSettings.builder().path(file).hashBits(BITS).build())) {
      m.learn(SpamModelTest.message(new SplittableRandom(1), Label.HAM, 1), Label.HAM);
    }
    byte[] good = Files.readAllBytes(file);
    byte[] future = good.clone();
    ByteBuffer.wrap(future).putInt(12, 9);
    writeWithCrc(file, future);
    assertThatThrownBy(() -> FileModelStore.open(file, BITS))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("feature set 9")
        .hasMessageContaining("retrain it with `mailfilter train`");
    byte[] newer = good.clone();
    ByteBuffer.wrap(newer).putInt(4, 4);
    writeWithCrc(file, newer);
    assertThatThrownBy(() -> FileModelStore.open(file, BITS))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unsupported version 4")
        .hasMessageContaining("retrain");
  }

  private static void writeWithCrc(Path file, byte[] bytes) throws IOException {
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
    Files.write(file, bytes);
  }
}
