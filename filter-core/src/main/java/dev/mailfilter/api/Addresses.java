package dev.mailfilter.api;

import java.util.Locale;

/** Small address helpers used by the engine and the lists; not a full RFC 5321 parser. */
public final class Addresses {
  private Addresses() {}

  /** The domain after the last {@code @}, lower case, without a trailing dot; empty if none. */
  public static String domain(String address) {
    int at = address.lastIndexOf('@');
    if (at < 0 || at == address.length() - 1) {
      return "";
    }
    String d = address.substring(at + 1).toLowerCase(Locale.ROOT);
    return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
  }

  /** Strips one pair of angle brackets and surrounding blanks: {@code <a@b>} to {@code a@b}. */
  public static String unbracket(String address) {
    String a = address.strip();
    if (a.length() >= 2 && a.charAt(0) == '<' && a.charAt(a.length() - 1) == '>') {
      a = a.substring(1, a.length() - 1).strip();
    }
    return a;
  }
}
