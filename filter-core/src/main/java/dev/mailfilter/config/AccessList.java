package dev.mailfilter.config;

import com.google.common.collect.ImmutableSet;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Sender addresses, sender domains and client networks, for the allow list or the block list.
 * Addresses and domains compare case-insensitively.
 *
 * @param senders exact sender addresses
 * @param domains sender domains; with {@code subdomains}, {@code example.com} also matches {@code
 *     mail.example.com}
 * @param networks client addresses and CIDR ranges, IPv4 and IPv6
 * @param subdomains whether domain entries match subdomains
 */
public record AccessList(
    Set<String> senders, Set<String> domains, List<IpRange> networks, boolean subdomains) {
  public AccessList {
    senders = lower(senders);
    domains = lower(domains);
    networks = List.copyOf(networks);
  }

  /** A list that matches nothing. */
  public static AccessList empty() {
    return new AccessList(Set.of(), Set.of(), List.of(), true);
  }

  /**
   * Parses a list's keys {@code senders}, {@code domains} and {@code ips}, refusing a sender
   * without {@code @}, a domain with one, and an address that is no IP or CIDR range.
   */
  public static AccessList parse(ConfigNode n, boolean subdomains) {
    List<String> senders = n.strings("senders");
    for (int i = 0; i < senders.size(); i++) {
      if (senders.get(i).indexOf('@') < 0) {
        throw new ConfigException(
            n.path("senders") + "[" + i + "]",
            "expected an address with @, got \""
                + senders.get(i)
                + "\" (domains go under domains)");
      }
    }
    List<String> domains = n.strings("domains");
    for (int i = 0; i < domains.size(); i++) {
      String d = domains.get(i);
      if (d.isBlank() || d.indexOf('@') >= 0 || d.indexOf(' ') >= 0) {
        throw new ConfigException(
            n.path("domains") + "[" + i + "]", "expected a domain name, got \"" + d + "\"");
      }
    }
    List<String> ipTexts = n.strings("ips");
    List<IpRange> ranges = new ArrayList<>();
    for (int i = 0; i < ipTexts.size(); i++) {
      try {
        ranges.add(IpRange.parse(ipTexts.get(i)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(n.path("ips") + "[" + i + "]", e.getMessage());
      }
    }
    return new AccessList(Set.copyOf(senders), Set.copyOf(domains), ranges, subdomains);
  }

  /** The entries of both lists; {@code subdomains} is this list's. */
  public AccessList union(AccessList other) {
    if (other.isEmpty()) {
      return this;
    }
    if (isEmpty() && other.subdomains == subdomains) {
      return other;
    }
    Set<String> s = new java.util.HashSet<>(senders);
    s.addAll(other.senders);
    Set<String> d = new java.util.HashSet<>(domains);
    d.addAll(other.domains);
    List<IpRange> n = new ArrayList<>(networks);
    for (IpRange r : other.networks) {
      if (!n.contains(r)) {
        n.add(r);
      }
    }
    return new AccessList(s, d, n, subdomains);
  }

  /** Whether the list has no entries. */
  public boolean isEmpty() {
    return senders.isEmpty() && domains.isEmpty() && networks.isEmpty();
  }

  /** The matching network entry for a client address, if any. */
  public java.util.Optional<IpRange> matchClient(InetAddress address) {
    // A loop, not a stream: this runs at every connection, mostly over an empty list.
    for (IpRange r : networks) {
      if (r.contains(address)) {
        return java.util.Optional.of(r);
      }
    }
    return java.util.Optional.empty();
  }

  /** Whether the sender address is listed (null sender never matches). */
  public boolean matchesSender(String address) {
    return !address.isEmpty() && senders.contains(address.toLowerCase(Locale.ROOT));
  }

  /** The listed domain that matches a sender domain, if any. */
  public java.util.Optional<String> matchDomain(String domain) {
    String d = domain.toLowerCase(Locale.ROOT);
    while (!d.isEmpty()) {
      if (domains.contains(d)) {
        return java.util.Optional.of(d);
      }
      int dot = d.indexOf('.');
      if (!subdomains || dot < 0) {
        break;
      }
      d = d.substring(dot + 1);
    }
    return java.util.Optional.empty();
  }

  private static Set<String> lower(Set<String> in) {
    ImmutableSet.Builder<String> b = ImmutableSet.builder();
    for (String s : in) {
      String l = s.strip().toLowerCase(Locale.ROOT);
      b.add(l.endsWith(".") ? l.substring(0, l.length() - 1) : l);
    }
    return b.build();
  }
}
