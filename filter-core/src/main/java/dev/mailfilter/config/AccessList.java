package dev.mailfilter.config;

import com.google.common.collect.ImmutableSet;
import java.net.InetAddress;
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
