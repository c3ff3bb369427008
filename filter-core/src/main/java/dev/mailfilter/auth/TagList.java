package dev.mailfilter.auth;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RFC 6376 section 3.2 tag lists, the syntax of {@code DKIM-Signature} fields and key records:
 * {@code name=value} pairs separated by {@code ;}, a trailing {@code ;} allowed, folding white
 * space allowed around names and values and between the words of a value.
 */
final class TagList {
  // A tag list longer than any real signature or key record (RFC 6376 keys of 4096 bits are ~740
  // characters of base64): bounds the work on hostile input.
  static final int MAX_LENGTH = 64 * 1024;

  private TagList() {}

  /**
   * The tags in the order written, names case-sensitive (section 3.2), values with their
   * surrounding white space removed and inner white space kept.
   *
   * @throws DkimException for bad syntax or a tag given twice, naming the offending text
   */
  static Map<String, String> parse(String text) {
    if (text.length() > MAX_LENGTH) {
      throw new DkimException("tag list longer than " + MAX_LENGTH + " characters");
    }
    Map<String, String> tags = new LinkedHashMap<>();
    int pos = 0;
    int n = text.length();
    while (pos <= n) {
      int semi = text.indexOf(';', pos);
      int end = semi < 0 ? n : semi;
      String spec = text.substring(pos, end);
      if (isBlank(spec)) {
        // Only the (white) space after the final ";" may be empty; "a=1;;b=2" is not a tag-list.
        if (semi >= 0) {
          throw new DkimException("empty tag-spec at offset " + pos + " in: " + abbreviate(text));
        }
        if (pos == 0) {
          throw new DkimException("empty tag list");
        }
        break;
      }
      int eq = spec.indexOf('=');
      if (eq < 0) {
        throw new DkimException("tag-spec without '=': " + abbreviate(spec.strip()));
      }
      String name = strip(spec.substring(0, eq));
      String value = strip(spec.substring(eq + 1));
      checkName(name, spec);
      checkValue(value, name);
      if (tags.putIfAbsent(name, value) != null) {
        throw new DkimException("duplicate tag " + name + "= in: " + abbreviate(text));
      }
      if (semi < 0) {
        break;
      }
      pos = semi + 1;
    }
    return Collections.unmodifiableMap(tags);
  }

  private static void checkName(String name, String spec) {
    boolean ok = !name.isEmpty() && isAlpha(name.charAt(0));
    for (int i = 1; ok && i < name.length(); i++) {
      char c = name.charAt(i);
      ok = isAlpha(c) || (c >= '0' && c <= '9') || c == '_';
    }
    if (!ok) {
      throw new DkimException("bad tag name in: " + abbreviate(spec.strip()));
    }
  }

  private static void checkValue(String value, String name) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      // VALCHAR is %x21-3A / %x3C-7E with FWS between words; octets above 0x7F are let through for
      // RFC 8616 (UTF-8 in i= and z=), the rest of the controls are not.
      if (c < 0x20 && !isFws(c) || c == 0x7f) {
        throw new DkimException(
            "control character 0x" + Integer.toHexString(c) + " in the value of " + name + "=");
      }
    }
  }

  static boolean isFws(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private static boolean isAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isBlank(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!isFws(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  static String strip(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && isFws(s.charAt(from))) {
      from++;
    }
    while (to > from && isFws(s.charAt(to - 1))) {
      to--;
    }
    return s.substring(from, to);
  }

  /** {@code s} without any folding white space: for base64 values ({@code b=}, {@code p=}). */
  static String removeFws(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isFws(c)) {
        b.append(c);
      }
    }
    return b.toString();
  }

  static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
