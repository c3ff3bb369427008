package dev.mailfilter.mime;

import java.util.Objects;

/**
 * A mailbox (RFC 5322 section 3.4): an optional display name and an addr-spec.
 *
 * @param displayName the display name with RFC 2047 encoded words decoded and quotes removed, or ""
 *     when the mailbox has none
 * @param localPart the local part as its semantic value (quotes and escapes of a quoted local part
 *     removed, obsolete whitespace around dots dropped); "" when missing in malformed mail
 * @param domain the domain as written (a domain literal keeps its brackets); "" when missing
 */
public record Mailbox(String displayName, String localPart, String domain) implements Address {
  /** Checks that no component is null; empty strings are allowed for malformed mail. */
  public Mailbox {
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(localPart, "localPart");
    Objects.requireNonNull(domain, "domain");
  }

  /**
   * The address as {@code local@domain}; just the local part when the domain is missing (as in
   * {@code To: undisclosed-recipients}). A local part that is not a dot-atom is written back as a
   * quoted string (RFC 5322 3.4.1), so the result can be compared with envelope addresses.
   */
  public String address() {
    String local = isDotAtom(localPart) || localPart.isEmpty() ? localPart : quote(localPart);
    return domain.isEmpty() ? local : local + "@" + domain;
  }

  private static boolean isDotAtom(String s) {
    if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean atext =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c >= 0x80 // RFC 6532: UTF-8 in local parts
              || "!#$%&'*+-/=?^_`{|}~.".indexOf(c) >= 0;
      if (!atext) {
        return false;
      }
    }
    return true;
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.append('"').toString();
  }
}
