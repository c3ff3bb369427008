package dev.mailfilter.config;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;

/**
 * An IPv4 or IPv6 address range in CIDR notation ({@code 192.0.2.0/24}, {@code 2001:db8::/32}); a
 * bare address is a range of one.
 *
 * @param network the first address, with the host bits cleared
 * @param prefixLength the number of leading bits that must match
 */
public record IpRange(InetAddress network, int prefixLength) {
  public IpRange {
    int bits = network.getAddress().length * 8;
    checkArgument(
        prefixLength >= 0 && prefixLength <= bits,
        "prefix length must be 0..%s: %s",
        bits,
        prefixLength);
  }

  /**
   * Parses {@code address} or {@code address/prefix}.
   *
   * @throws IllegalArgumentException naming the bad text
   */
  public static IpRange parse(String text) {
    String s = text.strip();
    int slash = s.indexOf('/');
    String addr = slash < 0 ? s : s.substring(0, slash);
    if (addr.startsWith("[") && addr.endsWith("]")) {
      addr = addr.substring(1, addr.length() - 1);
    }
    if (!InetAddresses.isInetAddress(addr)) {
      throw new IllegalArgumentException("not an IP address or CIDR range: \"" + text + "\"");
    }
    InetAddress ip = InetAddresses.forString(addr);
    int bits = ip.getAddress().length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad prefix length in \"" + text + "\"", e);
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException(
            "prefix length must be 0.." + bits + " in \"" + text + "\"");
      }
    }
    return new IpRange(mask(ip, prefix), prefix);
  }

  /** Whether an address lies in this range; IPv4 never matches an IPv6 range and vice versa. */
  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    byte[] n = network.getAddress();
    if (a.length != n.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != n[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int m = (0xff << (8 - rest)) & 0xff;
    return (a[full] & m) == (n[full] & m);
  }

  private static InetAddress mask(InetAddress ip, int prefix) {
    byte[] b = ip.getAddress();
    for (int i = 0; i < b.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      b[i] = (byte) (b[i] & ((0xff << (8 - keep)) & 0xff));
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError("address of valid length refused", e);
    }
  }

  @Override
  public String toString() {
    return InetAddresses.toAddrString(network) + "/" + prefixLength;
  }
}
