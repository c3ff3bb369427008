package dev.mailfilter.checks;

import com.google.common.net.InetAddresses;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.config.ConfigNode;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * This site's own host names and addresses ({@code local_names}, {@code local_addresses}), read the
 * same way by every check that has them: names in lower case without a trailing dot.
 *
 * @param names the host names
 * @param addresses the IP addresses
 */
record LocalHosts(Set<String> names, Set<InetAddress> addresses) {
  LocalHosts {
    names = Set.copyOf(names);
    addresses = Set.copyOf(addresses);
  }

  /** Reads {@code local_names} and {@code local_addresses} from a check's options. */
  static LocalHosts read(ConfigNode options) {
    Set<String> names = new HashSet<>();
    for (String n : options.strings("local_names")) {
      names.add(normalise(n));
    }
    Set<InetAddress> addresses = new HashSet<>();
    List<String> addrs = options.strings("local_addresses");
    for (int i = 0; i < addrs.size(); i++) {
      if (!InetAddresses.isInetAddress(addrs.get(i))) {
        throw new ConfigException(
            options.path("local_addresses") + "[" + i + "]",
            "expected an IP address, got \"" + addrs.get(i) + "\"");
      }
      addresses.add(InetAddresses.forString(addrs.get(i)));
    }
    return new LocalHosts(names, addresses);
  }

  /** A host name as compared: lower case, without the trailing dot of a fully qualified name. */
  static String normalise(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }
}
