package dev.mailfilter.mime.content;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Work limits for {@link Archives#list}: an archive is a program that says how much memory and time
 * its reader should spend, so the reader sets its own budget and reports when it ran out.
 *
 * @param maxEntries entries listed in total, nested archives included
 * @param maxDepth archives opened inside archives (1 = the outer archive only), at most 32
 * @param maxInflatedBytes bytes decompressed in total to sniff entries and open nested archives
 * @param maxRatio declared or observed uncompressed/compressed ratio above which a large entry
 *     counts as a decompression bomb
 */
public record ArchiveLimits(int maxEntries, int maxDepth, long maxInflatedBytes, int maxRatio) {
  /** 10,000 entries, depth 4, 32 MiB decompressed, ratio 100. */
  public static final ArchiveLimits DEFAULT = new ArchiveLimits(10_000, 4, 32L << 20, 100);

  public ArchiveLimits {
    checkArgument(maxEntries >= 1, "maxEntries must be >= 1: %s", maxEntries);
    // Nesting is followed by recursion; 32 levels is far beyond any legitimate archive.
    checkArgument(maxDepth >= 1 && maxDepth <= 32, "maxDepth must be in [1, 32]: %s", maxDepth);
    checkArgument(maxInflatedBytes >= 0, "maxInflatedBytes must be >= 0: %s", maxInflatedBytes);
    checkArgument(maxRatio >= 2, "maxRatio must be >= 2: %s", maxRatio);
  }
}
