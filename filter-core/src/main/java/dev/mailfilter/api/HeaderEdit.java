package dev.mailfilter.api;

/**
 * A change to the message header that the adapter applies before delivery: milter {@code
 * SMFIR_ADDHEADER}, {@code SMFIR_INSHEADER}, {@code SMFIR_CHGHEADER}; the SMTP gateway rewrites the
 * header block. Values may contain folding ({@code CRLF} followed by a tab); adapters that need
 * bare {@code LF} convert.
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
}
