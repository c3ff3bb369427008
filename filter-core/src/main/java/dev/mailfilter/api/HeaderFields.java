package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/** Validation of header field names and values shared by {@link HeaderEdit}s. */
final class HeaderFields {

  private HeaderFields() {}

  /**
   * Whether every line break is a fold, CRLF followed by a space or tab (RFC 5322 section 2.2.3):
   * the result headers are folded, and a regex on every one of them was a measurable cost.
   */
  static boolean breaksOnlyFold(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\n') {
        return false; // a fold's LF is skipped with its CR below
      }
      if (c == '\r') {
        if (i + 2 >= value.length()
            || value.charAt(i + 1) != '\n'
            || (value.charAt(i + 2) != ' ' && value.charAt(i + 2) != '\t')) {
          return false;
        }
        i += 2;
      }
    }
    return true;
  }

  /** RFC 5322 ftext: printable US-ASCII except colon, at least one. */
  static boolean isFieldName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '!' || c > '~' || c == ':') {
        return false;
      }
    }
    return true;
  }

  static void check(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    checkArgument(isFieldName(name), "invalid header field name: %s", name);
    checkArgument(
        breaksOnlyFold(value),
        "header %s value has a line break that is not folding: %s",
        name,
        value);
  }
}
