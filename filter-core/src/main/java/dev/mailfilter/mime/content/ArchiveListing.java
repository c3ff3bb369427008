package dev.mailfilter.mime.content;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What {@link Archives#list} could see inside an archive without extracting it.
 *
 * @param format the outer archive's format
 * @param entries files and directories in listing order, nested archives' entries right after the
 *     archive that holds them
 * @param flags what limited or worried the reader
 * @param inflatedBytes bytes decompressed to produce this listing
 */
public record ArchiveListing(
    Format format, List<Entry> entries, Set<Flag> flags, long inflatedBytes) {

  public ArchiveListing {
    Objects.requireNonNull(format, "format");
    entries = List.copyOf(entries);
    flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
  }

  /** True if {@code flag} was raised. */
  public boolean has(Flag flag) {
    return flags.contains(flag);
  }

  /** True if any entry is encrypted or the archive hides its entry list behind a password. */
  public boolean anyEncrypted() {
    return has(Flag.HEADERS_ENCRYPTED)
        || has(Flag.ENCRYPTED_ENTRIES)
        || entries.stream().anyMatch(Entry::encrypted);
  }

  /** Archive formats recognised. */
  public enum Format {
    ZIP,
    RAR4,
    RAR5,
    SEVEN_ZIP,
    /** Not an archive this reader knows; the listing is empty. */
    NONE
  }

  /** Why a listing is partial or suspicious. */
  public enum Flag {
    /** {@link ArchiveLimits#maxEntries()} stopped the listing. */
    ENTRY_LIMIT,
    /** A nested archive was not opened because of {@link ArchiveLimits#maxDepth()}. */
    DEPTH_LIMIT,
    /**
     * {@link ArchiveLimits#maxInflatedBytes()} ran out; some entries were not sniffed or opened.
     */
    INFLATE_LIMIT,
    /** A decompression bomb: an extreme ratio, or entries sharing (overlapping) their data. */
    ZIP_BOMB,
    /** A structure was out of range or inconsistent; the listing is best effort. */
    DAMAGED,
    /** The entry list itself is encrypted (RAR5 archive encryption, RAR4 -hp, 7z with AES). */
    HEADERS_ENCRYPTED,
    /** Some entries are encrypted, though their names could not be listed (a 7z with AES). */
    ENCRYPTED_ENTRIES,
    /** The format was recognised but its entry list cannot be read cheaply (compressed 7z). */
    OPAQUE
  }

  /**
   * One file or directory.
   *
   * @param path the name inside its archive; for nested archives prefixed by the holding entry's
   *     path and {@code "!/"}, as in {@code "docs/inner.zip!/payload.exe"}
   * @param depth 1 for the outer archive's entries, 2 inside a nested archive, and so on
   * @param compressedSize stored size in bytes, or -1 when unknown
   * @param size declared uncompressed size in bytes, or -1 when unknown
   * @param encrypted true when the entry needs a password
   * @param directory true for a directory entry
   * @param sniffedType the {@link TypeSniffer} type of the entry's first bytes, or "" when they
   *     were not decompressed (encrypted, unsupported method, over budget, not a ZIP)
   */
  public record Entry(
      String path,
      int depth,
      long compressedSize,
      long size,
      boolean encrypted,
      boolean directory,
      String sniffedType) {
    public Entry {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(sniffedType, "sniffedType");
    }
  }
}
