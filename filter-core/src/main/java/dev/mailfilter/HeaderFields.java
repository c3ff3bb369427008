package dev.mailfilter;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;
import java.util.regex.Pattern;

/** Validation of header field names and values shared by {@link HeaderEdit}s. */
final class HeaderFields {
  private static final Pattern FOLD = Pattern.compile("\r\n[ \t]");

  private HeaderFields() {}

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
    // Nearly every value is one line: only a value with a break needs the pattern.
    String unfolded =
        value.indexOf('\r') < 0 && value.indexOf('\n') < 0
            ? value
            : FOLD.matcher(value).replaceAll(" ");
    checkArgument(
        unfolded.indexOf('\r') < 0 && unfolded.indexOf('\n') < 0,
        "header %s value has a line break that is not folding: %s",
        name,
        value);
  }
}
