package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * A change to the message header that the adapter applies before delivery: milter {@code
 * SMFIR_ADDHEADER}, {@code SMFIR_INSHEADER}, {@code SMFIR_CHGHEADER}; the SMTP gateway rewrites the
 * header block. Values may contain folding ({@code CRLF} followed by a tab); adapters that need
 * bare {@code LF} convert.
 *
 * <p>{@link RemoveAt} indexes refer to the header as received. The engine lists them first, each
 * name's from the highest index down, so that applying the list in order keeps every index valid;
 * the adapters apply them before the other edits whatever the order.
 */
public sealed interface HeaderEdit {
  /** The field name the edit applies to. */
  String name();

  /** Appends a field at the end of the header. */
  record Add(String name, String value) implements HeaderEdit {
    public Add {
      HeaderFields.check(name, value);
    }
  }

  /** Inserts a field at the top of the header, where trace fields go. */
  record Prepend(String name, String value) implements HeaderEdit {
    public Prepend {
      HeaderFields.check(name, value);
    }
  }

  /** Replaces the first occurrence of a field (adds it when absent) and removes the others. */
  record Set(String name, String value) implements HeaderEdit {
    public Set {
      HeaderFields.check(name, value);
    }
  }

  /**
   * Removes every occurrence of a field, e.g. a forged {@code X-Spam-Flag} that came from outside.
   */
  record Remove(String name) implements HeaderEdit {
    public Remove {
      HeaderFields.check(name, "");
    }
  }

  /**
   * Removes one occurrence of a field: the {@code index}-th field named {@code name} (1-based,
   * names compared without case) in the header as received, as milter's {@code SMFIR_CHGHEADER}
   * counts. Used where other occurrences must stay, like a forged {@code Authentication-Results}
   * claiming our authserv-id among genuine ones of other hosts (RFC 8601 section 5). An index
   * beyond the fields of that name removes nothing.
   *
   * <p>The removal is a security measure: an adapter that cannot apply it must not deliver the
   * message as if it had (the milter answers with a temporary failure, see docs/milter.md).
   */
  record RemoveAt(String name, int index) implements HeaderEdit {
    public RemoveAt {
      HeaderFields.check(name, "");
      checkArgument(index >= 1, "header index must be at least 1: %s", index);
    }
  }
}
