package dev.mailfilter.dns.mirror;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The answer an rbldnsd zone gives for a listed entry: the A record and an optional TXT template in
 * which {@code $} stands for the listed subject and {@code $$} for a dollar sign.
 *
 * @param a the A record as a 32-bit address (127.0.0.2 by default)
 * @param txtTemplate the TXT template, substitution variables {@code $1..$9} already applied; empty
 *     when the zone gives no TXT
 */
public record ZoneValue(int a, Optional<String> txtTemplate) {
  /** rbldnsd's default for entries with no value: 127.0.0.2 and no TXT. */
  public static final ZoneValue DEFAULT = new ZoneValue(0x7f000002, Optional.empty());

  /** The A record as an address. */
  public Inet4Address address() {
    byte[] b = {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    try {
      return (Inet4Address) InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new AssertionError("4 bytes are always an address", e);
    }
  }

  /** The TXT text for {@code subject} (an IP address or domain), as rbldnsd would expand it. */
  public Optional<String> txtFor(String subject) {
    return txtTemplate.map(t -> expand(t, subject));
  }

  private static String expand(String template, String subject) {
    StringBuilder sb = new StringBuilder(template.length() + subject.length());
    for (int i = 0; i < template.length(); i++) {
      char c = template.charAt(i);
      if (c != '$') {
        sb.append(c);
      } else if (i + 1 < template.length() && template.charAt(i + 1) == '$') {
        sb.append('$');
        i++;
      } else {
        sb.append(subject);
      }
    }
    return sb.toString();
  }
}
