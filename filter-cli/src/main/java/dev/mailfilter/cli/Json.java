package dev.mailfilter.cli;

/**
 * A tiny JSON writer: objects, arrays, strings, numbers, booleans. Strings are escaped per RFC 8259
 * section 7 (quote, backslash, control characters; lone surrogates as \\u escapes, so the output is
 * always valid UTF-8 JSON).
 */
final class Json {
  private final StringBuilder sb = new StringBuilder();
  // Whether the next value in the current container needs a comma before it.
  private boolean needComma;

  Json beginObject() {
    comma();
    sb.append('{');
    needComma = false;
    return this;
  }

  Json endObject() {
    sb.append('}');
    needComma = true;
    return this;
  }

  Json beginArray() {
    comma();
    sb.append('[');
    needComma = false;
    return this;
  }

  Json endArray() {
    sb.append(']');
    needComma = true;
    return this;
  }

  /** Writes a member name; the next call writes its value. */
  Json name(String name) {
    comma();
    string(name);
    sb.append(':');
    needComma = false;
    return this;
  }

  Json value(String s) {
    comma();
    if (s == null) {
      sb.append("null");
    } else {
      string(s);
    }
    needComma = true;
    return this;
  }

  Json value(long n) {
    comma();
    sb.append(n);
    needComma = true;
    return this;
  }

  Json value(boolean b) {
    comma();
    sb.append(b);
    needComma = true;
    return this;
  }

  private void comma() {
    if (needComma) {
      sb.append(',');
    }
  }

  private void string(String s) {
    string(sb, s);
  }

  /** Appends {@code s} as a JSON string literal, for callers that assemble JSON by hand. */
  static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          boolean loneSurrogate =
              Character.isSurrogate(c)
                  && !(Character.isHighSurrogate(c)
                      && i + 1 < s.length()
                      && Character.isLowSurrogate(s.charAt(i + 1)))
                  && !(Character.isLowSurrogate(c)
                      && i > 0
                      && Character.isHighSurrogate(s.charAt(i - 1)));
          if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029 || loneSurrogate) {
            sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  @Override
  public String toString() {
    return sb.toString();
  }
}
