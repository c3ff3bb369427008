package dev.mailfilter.mime;

import java.util.List;
import java.util.Objects;

/**
 * A named group of mailboxes (RFC 5322 section 3.4), such as {@code Undisclosed recipients:;}.
 *
 * @param name the display name of the group, RFC 2047 encoded words decoded
 * @param members the mailboxes in the group, possibly none; an unmodifiable copy
 */
public record Group(String name, List<Mailbox> members) implements Address {
  /** Copies {@code members}. */
  public Group {
    Objects.requireNonNull(name, "name");
    members = List.copyOf(members);
  }
}
