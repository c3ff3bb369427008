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
 * <p>File format (big-endian): magic {@code MFLM}, version, hash bits, bias (float), the weights,
 * the learned messages as a count and (digest long, label byte, step float) triples, then the
 * CRC-32 of everything before it. Version 1 holds the non-zero weights as a count and (index int,
 * weight float) pairs; version 2 holds all {@code 2^bits} weights in index order, and is written
 * when that takes at most twice the bytes of the pairs (a quarter or more of the weights non-zero,
 * as after a few thousand messages). Version 3, the one written now, follows the hash bits with the
 * feature set (int) and the layout of the weights (int: 1 pairs, 2 all, as the versions before),
 * and the learned messages with the {@link Calibration} (byte 0 for none, or 1 and the slope and
 * anchor as doubles). Files of versions 1 and 2 hold models of feature set 1 without a calibration;
 * they load and score as they always did, and are rewritten as version 3 (still feature set 1) on
 * their next commit: only training a new file moves a model to the current feature set. Loading
 * version 2 is bulk copies only: at start-up the model loads while the JIT has compiled little, and
 * a loop over a million pairs ran interpreted for most of a load (90 ms of a 100 ms start for the
 * SpamAssassin corpus's model).
 *
 * <p>The file is read in chunks twice: once for the checksum, so that nothing of a damaged file (a
 * flipped bit in the hash bits could ask for a gigabyte) is believed, then to parse it.
 */
public final class FileModelStore implements ModelStore {
  private static final int MAGIC = 0x4D464C4D; // "MFLM"
  private static final int SPARSE = 1; // version 1: (index, weight) pairs
  private static final int DENSE = 2; // version 2: every weight
  private static final int TAGGED = 3; // version 3: feature set, layout, calibration
  private static final int CHUNK = 1 << 20;

  private final Path path;
  private final int hashBits;
  private final int featureSet;
  private Calibration calibration; // null: none
  private final float[] weights;
  private float bias;
  private final DigestTable learned;
  private boolean dirty;

  private FileModelStore(
      Path path,
      int hashBits,
      int featureSet,
      Calibration calibration,
      float[] weights,
      float bias,
      DigestTable learned) {
    this.path = path;
    this.hashBits = hashBits;
    this.featureSet = featureSet;
    this.calibration = calibration;
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
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return empty(path, hashBits, Features.CURRENT_SET);
    }
    try (channel) {
      return read(path, channel);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new IOException("model file " + path + " is damaged: " + e.getMessage(), e);
    }
  }

  /**
   * Checks that {@code path} holds a model file this version can load: its magic, version and
   * whole-file checksum, without building the model (one sequential read, a few milliseconds for a
   * model of 11 MB).
   *
   * @throws NoSuchFileException if there is no file
   * @throws IOException if it cannot be read or is not a valid model file, naming the file
   */
  public static void verify(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      checkedHeader(path, channel);
    }
  }

  /** A model file's content, its input standing at the hash bits, and its format version. */
  private record Header(Input in, int version) {}

  /** The file's header after its size, checksum, magic number and version were checked. */
  private static Header checkedHeader(Path path, FileChannel channel) throws IOException {
    long size = channel.size();
    if (size < 24) {
      throw new IOException("model file " + path + " is too short (" + size + " bytes)");
    }
    Input in = new Input(channel, size - 4);
    if (in.checksum() != in.trailer()) {
      throw new IOException("model file " + path + " is damaged: checksum mismatch");
    }
    if (in.getInt() != MAGIC) {
      throw new IOException("not a mailfilter model file: " + path);
    }
    int v = in.getInt();
    if (v != SPARSE && v != DENSE && v != TAGGED) {
      throw new IOException(
          "model file "
              + path
              + " has unsupported version "
              + v
              + " (written by a newer mailfilter?): retrain it with `mailfilter train`");
    }
    return new Header(in, v);
  }

  /** An empty store that lives in memory only; {@link #commit()} does nothing. */
  public static FileModelStore inMemory(int hashBits) {
    return inMemory(hashBits, Features.CURRENT_SET);
  }

  /** An empty in-memory store over a given feature set (to calibrate a model of that set). */
  static FileModelStore inMemory(int hashBits, int featureSet) {
    return empty(null, hashBits, featureSet);
  }

  private static FileModelStore empty(Path path, int hashBits, int featureSet) {
    checkArgument(hashBits >= 10 && hashBits <= 28, "hashBits not in [10, 28]: %s", hashBits);
    return new FileModelStore(
        path, hashBits, featureSet, null, new float[1 << hashBits], 0f, new DigestTable(16));
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
  public int featureSet() {
    return featureSet;
  }

  @Override
  public Optional<Calibration> calibration() {
    return Optional.ofNullable(calibration);
  }

  @Override
  public void calibrate(Calibration calibration) {
    this.calibration = calibration;
    dirty = true;
  }

  @Override
  public void weights(int[] indices, float[] out) {
    for (int i = 0; i < indices.length; i++) {
      out[i] = weights[indices[i]];
    }
  }

  @Override
  public double weightSum(int[] indices, int count) {
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += weights[indices[i]];
    }
    return sum;
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
    int nonZero = 0;
    for (float w : weights) {
      if (w != 0f) {
        nonZero++;
      }
    }
    boolean dense = 4L * weights.length <= 2 * 8L * nonZero;
    out.writeInt(MAGIC);
    out.writeInt(TAGGED);
    out.writeInt(hashBits);
    out.writeInt(featureSet);
    out.writeInt(dense ? DENSE : SPARSE);
    out.writeFloat(bias);
    if (dense) {
      ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
      for (int i = 0; i < weights.length; i += CHUNK / 4) {
        int n = Math.min(CHUNK / 4, weights.length - i);
        chunk.clear();
        chunk.asFloatBuffer().put(weights, i, n);
        out.write(chunk.array(), 0, 4 * n);
      }
    } else {
      out.writeInt(nonZero);
      for (int i = 0; i < weights.length; i++) {
        if (weights[i] != 0f) {
          out.writeInt(i);
          out.writeFloat(weights[i]);
        }
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
    if (calibration == null) {
      out.writeByte(0);
    } else {
      out.writeByte(1);
      out.writeDouble(calibration.slope());
      out.writeDouble(calibration.anchor());
    }
    out.flush();
    int checksum = (int) crc.getValue();
    raw.write(ByteBuffer.allocate(4).putInt(checksum).array());
    raw.flush();
  }

  private static FileModelStore read(Path path, FileChannel channel) throws IOException {
    Header header = checkedHeader(path, channel);
    Input in = header.in();
    int hashBits = in.getInt();
    checkArgument(hashBits >= 10 && hashBits <= 28, "hash bits not in [10, 28]: %s", hashBits);
    int featureSet = Features.LEGACY_SET;
    int layout = header.version();
    if (layout == TAGGED) {
      featureSet = in.getInt();
      if (featureSet < Features.LEGACY_SET || featureSet > Features.CURRENT_SET) {
        throw new IOException(
            "model file "
                + path
                + " was trained over feature set "
                + featureSet
                + ", which this mailfilter does not know: retrain it with `mailfilter train`");
      }
      layout = in.getInt();
      checkArgument(layout == SPARSE || layout == DENSE, "bad weight layout %s", layout);
    }
    float bias = in.getFloat();
    float[] weights;
    if (layout == DENSE) {
      checkArgument(4L << hashBits <= in.remaining(), "%s weights do not fit", 1L << hashBits);
      weights = new float[1 << hashBits];
      in.getFloats(weights);
    } else {
      int nonZero = in.getInt();
      checkArgument(nonZero >= 0 && nonZero <= in.remaining() / 8, "bad weight count %s", nonZero);
      weights = new float[1 << hashBits];
      // Pairs in bulk copies of a chunk each, then a plain loop over an int[].
      int[] pairs = new int[Math.min(2 * nonZero, CHUNK / 4)];
      for (int done = 0; done < nonZero; ) {
        int n = Math.min(nonZero - done, pairs.length / 2);
        in.getInts(pairs, 2 * n);
        for (int i = 0; i < 2 * n; i += 2) {
          int index = pairs[i];
          if (index < 0 || index >= weights.length) {
            throw new IllegalArgumentException("weight index out of range: " + index);
          }
          weights[index] = Float.intBitsToFloat(pairs[i + 1]);
        }
        done += n;
      }
    }
    int messages = in.getInt();
    checkArgument(messages >= 0 && messages <= in.remaining() / 13, "bad count %s", messages);
    DigestTable learned = new DigestTable(messages);
    Label[] labels = Label.values();
    for (int i = 0; i < messages; i++) {
      long digest = in.getLong();
      int label = in.getByte();
      checkArgument(label >= 0 && label < labels.length, "bad label %s", label);
      learned.put(digest, new LearnedMessage(labels[label], in.getFloat()));
    }
    Calibration calibration = null;
    if (header.version() == TAGGED) {
      int present = in.getByte();
      checkArgument(present == 0 || present == 1, "bad calibration flag %s", present);
      if (present == 1) {
        calibration = new Calibration(in.getDouble(), in.getDouble());
      }
    }
    checkArgument(in.remaining() == 0, "%s trailing bytes", in.remaining());
    return new FileModelStore(path, hashBits, featureSet, calibration, weights, bias, learned);
  }

  /**
   * The file's payload (all but its last four bytes, the CRC-32) read front to back in chunks of
   * {@value #CHUNK} bytes, big-endian; a read past the payload throws {@link
   * BufferUnderflowException}.
   */
  private static final class Input {
    private final FileChannel channel;
    private final long payload;
    private final ByteBuffer buf = ByteBuffer.allocate(CHUNK);
    private long position; // of the file, where the next read into buf starts

    Input(FileChannel channel, long payload) {
      this.channel = channel;
      this.payload = payload;
      buf.limit(0);
    }

    /** The CRC-32 of the whole payload, in a pass of its own; leaves the input at its start. */
    int checksum() throws IOException {
      CRC32 crc = new CRC32();
      for (long at = 0; at < payload; ) {
        buf.clear().limit((int) Math.min(CHUNK, payload - at));
        readFully(at);
        crc.update(buf.flip());
        at += buf.limit();
      }
      buf.limit(0);
      position = 0;
      return (int) crc.getValue();
    }

    int trailer() throws IOException {
      ByteBuffer b = ByteBuffer.allocate(4);
      while (b.hasRemaining()) {
        if (channel.read(b, payload + b.position()) < 0) {
          throw new IOException("the file ended while its checksum was read");
        }
      }
      return b.getInt(0);
    }

    private void readFully(long at) throws IOException {
      while (buf.hasRemaining()) {
        if (channel.read(buf, at + buf.position()) < 0) {
          throw new IOException("the file got shorter while it was read");
        }
      }
    }

    /** Bytes of the payload not yet consumed. */
    long remaining() {
      return payload - position + buf.remaining();
    }

    /** At least {@code n} bytes (at most a chunk) in the buffer. */
    private void need(int n) throws IOException {
      if (buf.remaining() >= n) {
        return;
      }
      if (remaining() < n) {
        throw new BufferUnderflowException();
      }
      buf.compact();
      buf.limit((int) Math.min(CHUNK, buf.position() + payload - position));
      int start = buf.position();
      readFully(position - start);
      position += buf.position() - start;
      buf.flip();
    }

    int getByte() throws IOException {
      need(1);
      return buf.get();
    }

    int getInt() throws IOException {
      need(4);
      return buf.getInt();
    }

    long getLong() throws IOException {
      need(8);
      return buf.getLong();
    }

    float getFloat() throws IOException {
      need(4);
      return buf.getFloat();
    }

    double getDouble() throws IOException {
      need(8);
      return buf.getDouble();
    }

    void getFloats(float[] out) throws IOException {
      for (int done = 0; done < out.length; ) {
        need(4);
        int n = Math.min(out.length - done, buf.remaining() / 4);
        buf.asFloatBuffer().get(out, done, n);
        buf.position(buf.position() + 4 * n);
        done += n;
      }
    }

    void getInts(int[] out, int count) throws IOException {
      for (int done = 0; done < count; ) {
        need(4);
        int n = Math.min(count - done, buf.remaining() / 4);
        buf.asIntBuffer().get(out, done, n);
        buf.position(buf.position() + 4 * n);
        done += n;
      }
    }
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
