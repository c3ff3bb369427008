package dev.mailfilter.spi;

import java.io.IOException;
import java.util.Optional;

/**
 * A check whose state is read from files that can change while the filter runs (the learning
 * model's file). Such a check does not reload itself: the filter's one reload mechanism ({@code
 * FilterReloader}) polls {@link #changedOnDisk()}, and when a file changed builds a whole new
 * filter, whose check reads the new file, and swaps it in.
 */
public interface FileBacked {
  /**
   * Reads the files now if {@link Check#prepare()} has not finished reading them, and reports what
   * fails: a new filter is tried this way before it replaces a working one.
   *
   * @throws IOException when a file cannot be read or is damaged
   */
  void load() throws IOException;

  /**
   * The version of the files on disk (times, size, inode, a checksum: any value whose equality
   * means "the same files") when they are no longer those this check read; empty when they are.
   * Changes the check made itself (a commit of what it learned) are not changes. Cheap enough to
   * poll every second.
   *
   * @throws IOException when the files' attributes cannot be read
   */
  Optional<Object> changedOnDisk() throws IOException;
}
