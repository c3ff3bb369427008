package dev.mailfilter.dns.mirror;

import java.util.Locale;

/** The rbldnsd dataset types a local mirror understands, named as on rbldnsd's command line. */
public enum MirrorKind {
  /** IPv4 addresses, CIDR blocks, ranges {@code a-b}, exclusions, per-entry values. */
  IP4SET,
  /** "Trivial" IPv4 set: single addresses only, one shared value. */
  IP4TSET,
  /** IPv6 prefixes of any length with per-entry values and exclusions. */
  IP6TRIE,
  /** "Trivial" IPv6 set: /64 prefixes, /128 exclusions, one shared value. */
  IP6TSET,
  /** Domain names, with {@code *.} and {@code .} wildcards and exclusions. */
  DNSET;

  /** Whether this dataset answers address queries (as opposed to domain names). */
  public boolean isAddressSet() {
    return this != DNSET;
  }

  /** Parses an rbldnsd dataset name such as {@code ip4set}; the message names the bad value. */
  public static MirrorKind parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown mirror kind '" + name + "' (ip4set, ip4tset, ip6trie, ip6tset, dnset)", e);
    }
  }

  /** The rbldnsd spelling, e.g. {@code ip4set}. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
