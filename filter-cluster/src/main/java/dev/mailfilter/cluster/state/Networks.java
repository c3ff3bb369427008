package dev.mailfilter.cluster.state;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** Key material shared by the checks: client networks, normalized addresses, bounded hashes. */
final class Networks {
  private Networks() {}

  /**
   * The client's network in CIDR notation: the address with all but its first {@code v4} (IPv4) or
   * {@code v6} (IPv6) bits cleared, since a sending farm retries from a sibling address.
   */
  static String network(InetAddress address, int v4, int v6) {
    byte[] b = address.getAddress();
    int bits = address instanceof Inet4Address ? v4 : v6;
    for (int i = 0; i < b.length; i++) {
      int keep = Math.max(0, Math.min(8, bits - 8 * i));
      b[i] &= (byte) (0xFF << (8 - keep));
    }
    try {
      return InetAddress.getByAddress(b).getHostAddress() + "/" + bits;
    } catch (UnknownHostException e) {
      throw new AssertionError("a 4 or 16 byte address is always valid", e);
    }
  }

  /** The domain of an address, lower case; empty for the null sender or no {@code @}. */
  static String domain(String address) {
    int at = address.lastIndexOf('@');
    return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
  }

  /**
   * An address as greylisting compares it: lower case, without a {@code +extension}, so that VERP
   * and tagged senders of one list do not make a new triplet for every message.
   */
  static String normalized(String address) {
    String a = address.toLowerCase(Locale.ROOT);
    int at = a.lastIndexOf('@');
    if (at < 0) {
      return a;
    }
    int plus = a.indexOf('+');
    return plus >= 0 && plus < at ? a.substring(0, plus) + a.substring(at) : a;
  }

  /** A short, fixed-size digest of arbitrary text: keys stay small whatever the client sends. */
  static String digest(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
