package dev.mailfilter.dns.mirror;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads rbldnsd dataset files into {@link ZoneData}. */
public final class ZoneFiles {
  /**
   * Bloom filter bits per stored key: 13 bits (1.63 bytes) give about 0.3 % false positives per
   * probe, and stay under 2 bytes per file entry when ranges decompose into more keys than lines.
   */
  public static final double DEFAULT_BITS_PER_KEY = 13;

  private ZoneFiles() {}

  /**
   * Reads and parses a dataset file ({@code .gz} files are decompressed, as rbldnsd does).
   *
   * @throws ZoneFileException naming the file and line of the first bad entry
   * @throws IOException if the file cannot be read
   */
  public static ZoneData read(Path file, MirrorKind kind) throws IOException {
    byte[] data;
    if (file.getFileName().toString().endsWith(".gz")) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
        data = in.readAllBytes();
      }
    } else {
      data = Files.readAllBytes(file);
    }
    return parse(data, file.toString(), kind, DEFAULT_BITS_PER_KEY);
  }

  /**
   * Parses dataset text; {@code source} names it in error messages.
   *
   * @throws ZoneFileException naming the line of the first bad entry
   */
  public static ZoneData parse(byte[] data, String source, MirrorKind kind, double bitsPerKey)
      throws ZoneFileException {
    return ZoneFileParser.parse(data, source, kind, bitsPerKey);
  }
}
