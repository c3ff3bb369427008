package dev.mailfilter;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;
import java.util.regex.Pattern;

/** Validation of header field names and values shared by {@link HeaderEdit}s. */
final class HeaderFields {
  private static final Pattern NAME = Pattern.compile("[!-9;-~]+");
  private static final Pattern FOLD = Pattern.compile("\r\n[ \t]");

  private HeaderFields() {}

  static void check(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    checkArgument(NAME.matcher(name).matches(), "invalid header field name: %s", name);
    String unfolded = FOLD.matcher(value).replaceAll(" ");
    checkArgument(
        unfolded.indexOf('\r') < 0 && unfolded.indexOf('\n') < 0,
        "header %s value has a line break that is not folding: %s",
        name,
        value);
  }
}
