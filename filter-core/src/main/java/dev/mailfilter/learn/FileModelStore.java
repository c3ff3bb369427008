package dev.mailfilter.learn;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * The embedded model store: the weights and the learned-message table in memory, persisted to one
 * file.
 *
 * <p>{@link #commit()} writes a complete new file beside the old one, forces it to disk, renames it
 * over the old one atomically and forces the directory, so a crash at any moment leaves either the
 * previous or the new model, never a mix. A CRC-32 over the whole file detects a file damaged
 * otherwise; loading it fails with an {@link IOException} that names the file.
 *
 * <p>File format (big-endian): magic {@code MFLM}, version 1, hash bits, bias (float), the non-zero
 * weights as a count and (index int, weight float) pairs, the learned messages as a count and
 * (digest long, label byte, step float) triples, then the CRC-32 of everything before it. It is
 * read in one bulk read and parsed from a {@link ByteBuffer}.
 */
public final class FileModelStore implements ModelStore {
  private static final int MAGIC = 0x4D464C4D; // "MFLM"
  private static final int VERSION = 1;

  private final Path path;
  private final int hashBits;
  private final float[] weights;
  private float bias;
  private final DigestTable learned;
  private boolean dirty;

  private FileModelStore(
      Path path, int hashBits, float[] weights, float bias, DigestTable learned) {
    this.path = path;
    this.hashBits = hashBits;
    this.weights = weights;
    this.bias = bias;
    this.learned = learned;
  }

  /**
   * Opens the model file at {@code path}, or starts an empty model of {@code 2^hashBits} weights
   * that will be written there on the first commit.
   *
   * @throws IOException if the file exists but cannot be read or is not a valid model file
   */
  public static FileModelStore open(Path path, int hashBits) throws IOException {
    Objects.requireNonNull(path, "path");
    checkArgument(hashBits >= 10 && hashBits <= 28, "hashBits not in [10, 28]: %s", hashBits);
    deleteStaleTemporaries(path);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return new FileModelStore(path, hashBits, new float[1 << hashBits], 0f, new DigestTable(16));
    }
    try {
      return read(path, bytes);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new IOException("model file " + path + " is damaged: " + e.getMessage(), e);
    }
  }

  /** An empty store that lives in memory only; {@link #commit()} does nothing. */
  public static FileModelStore inMemory(int hashBits) {
    checkArgument(hashBits >= 10 && hashBits <= 28, "hashBits not in [10, 28]: %s", hashBits);
    return new FileModelStore(null, hashBits, new float[1 << hashBits], 0f, new DigestTable(16));
  }

  /** The model file, or empty for an in-memory store. */
  public Optional<Path> path() {
    return Optional.ofNullable(path);
  }

  @Override
  public int hashBits() {
    return hashBits;
  }

  @Override
  public void weights(int[] indices, float[] out) {
    for (int i = 0; i < indices.length; i++) {
      out[i] = weights[indices[i]];
    }
  }

  @Override
  public float bias() {
    return bias;
  }

  @Override
  public Optional<LearnedMessage> learned(long digest) {
    return Optional.ofNullable(learned.get(digest));
  }

  @Override
  public TrainingCounts counts() {
    return new TrainingCounts(learned.ham(), learned.spam());
  }

  @Override
  public void apply(
      int[] indices, float delta, float biasDelta, long digest, Optional<LearnedMessage> record) {
    for (int index : indices) {
      weights[index] += delta;
    }
    bias += biasDelta;
    if (record.isPresent()) {
      learned.put(digest, record.get());
    } else {
      learned.remove(digest);
    }
    dirty = true;
  }

  @Override
  public void commit() throws IOException {
    if (path == null || !dirty) {
      return;
    }
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp =
        dir.resolve(
            path.getFileName()
                + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      try (FileChannel channel =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        write(Channels.newOutputStream(channel));
        channel.force(true);
      }
      try {
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true); // makes the rename itself durable
    } catch (IOException e) {
      // Some file systems cannot open a directory for sync; the rename is still atomic there.
    }
    dirty = false;
  }

  /** Commits pending changes. */
  @Override
  public void close() throws IOException {
    commit();
  }

  private void write(OutputStream raw) throws IOException {
    CRC32 crc = new CRC32();
    // Not closed: closing would close the channel before force(); flushed explicitly instead.
    DataOutputStream out =
        new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), crc));
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(hashBits);
    out.writeFloat(bias);
    int nonZero = 0;
    for (float w : weights) {
      if (w != 0f) {
        nonZero++;
      }
    }
    out.writeInt(nonZero);
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] != 0f) {
        out.writeInt(i);
        out.writeFloat(weights[i]);
      }
    }
    out.writeInt(learned.size());
    IOException[] failure = new IOException[1];
    learned.forEach(
        (digest, message) -> {
          try {
            out.writeLong(digest);
            out.writeByte(message.label().ordinal());
            out.writeFloat(message.step());
          } catch (IOException e) {
            failure[0] = e;
          }
        });
    if (failure[0] != null) {
      throw failure[0];
    }
    out.flush();
    int checksum = (int) crc.getValue();
    raw.write(ByteBuffer.allocate(4).putInt(checksum).array());
    raw.flush();
  }

  private static FileModelStore read(Path path, byte[] bytes) throws IOException {
    if (bytes.length < 24) {
      throw new IOException("model file " + path + " is too short (" + bytes.length + " bytes)");
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    if (buf.getInt(bytes.length - 4) != (int) crc.getValue()) {
      throw new IOException("model file " + path + " is damaged: checksum mismatch");
    }
    int magic = buf.getInt();
    if (magic != MAGIC) {
      throw new IOException("not a mailfilter model file: " + path);
    }
    int version = buf.getInt();
    if (version != VERSION) {
      throw new IOException("model file " + path + " has unsupported version " + version);
    }
    int hashBits = buf.getInt();
    checkArgument(hashBits >= 10 && hashBits <= 28, "hash bits not in [10, 28]: %s", hashBits);
    float bias = buf.getFloat();
    float[] weights = new float[1 << hashBits];
    int nonZero = buf.getInt();
    checkArgument(nonZero >= 0 && nonZero <= weights.length, "bad weight count %s", nonZero);
    // One bulk copy of the (index, weight) pairs, then a plain loop over an int[]: a loop of
    // ByteBuffer reads ran mostly interpreted at start-up and was most of a model's load time.
    checkArgument(nonZero <= buf.remaining() / 8, "bad weight count %s", nonZero);
    int[] pairs = new int[2 * nonZero];
    buf.slice(buf.position(), 8 * nonZero).asIntBuffer().get(pairs);
    buf.position(buf.position() + 8 * nonZero);
    for (int i = 0; i < pairs.length; i += 2) {
      int index = pairs[i];
      if (index < 0 || index >= weights.length) {
        throw new IllegalArgumentException("weight index out of range: " + index);
      }
      weights[index] = Float.intBitsToFloat(pairs[i + 1]);
    }
    int messages = buf.getInt();
    checkArgument(messages >= 0 && messages <= buf.remaining() / 13, "bad count %s", messages);
    DigestTable learned = new DigestTable(messages);
    Label[] labels = Label.values();
    for (int i = 0; i < messages; i++) {
      long digest = buf.getLong();
      int label = buf.get();
      checkArgument(label >= 0 && label < labels.length, "bad label %s", label);
      learned.put(digest, new LearnedMessage(labels[label], buf.getFloat()));
    }
    checkArgument(buf.remaining() == 4, "%s trailing bytes", buf.remaining() - 4);
    return new FileModelStore(path, hashBits, weights, bias, learned);
  }

  /**
   * Removes temporaries a crash left behind during a commit; only old ones, so that a commit of
   * another process running now is not disturbed.
   */
  private static void deleteStaleTemporaries(Path path) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> stale =
        Files.newDirectoryStream(dir, path.getFileName() + ".tmp-*")) {
      long cutoff = System.currentTimeMillis() - 3_600_000L;
      for (Path p : stale) {
        if (Files.getLastModifiedTime(p).toMillis() < cutoff) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
