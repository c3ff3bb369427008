package dev.mailfilter.cluster;

import java.util.List;

/** The answer to {@link TenantStore#changesSince(long)}. */
public sealed interface ChangesSince {

  /**
   * The changes after the asked version, in order, without gaps.
   *
   * @param latest the version these changes bring the caller to (the last one's, or the asked
   *     version when there are none)
   */
  record Changes(List<Change> changes, long latest) implements ChangesSince {
    /** Copies the list. */
    public Changes {
      changes = List.copyOf(changes);
    }
  }

  /**
   * The log no longer reaches back to the asked version (trimmed, or the store was restored): the
   * caller must start again from a {@link TenantStore#snapshot()}.
   *
   * @param oldest the oldest version whose successors the log still holds
   */
  record Trimmed(long oldest) implements ChangesSince {}
}
