package dev.mailfilter.sa;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SpamAssassin's trust path ({@code Received.pm}'s parse_received_headers): the message's relays
 * from its {@code Received} fields, newest first, split where trust ends into trusted and
 * untrusted, and where the site's own network ends into internal and external. Rules read them as
 * the pseudo-headers {@code X-Spam-Relays-Trusted}, {@code -Untrusted}, {@code -Internal} and
 * {@code -External}.
 *
 * <p>Without {@code trusted_networks} or {@code internal_networks} (Debian's configuration sets
 * neither) the boundary is inferred as SpamAssassin infers it: relays from private addresses and
 * authenticated ones are trusted (and internal), and trust ends at the first other one.
 *
 * @param trusted relays before trust ended
 * @param untrusted the others
 * @param internal relays inside the site's network
 * @param external the others
 * @param unparseable how many fields named a handover in no format the parser knows
 */
record TrustPath(
    List<Relay> trusted,
    List<Relay> untrusted,
    List<Relay> internal,
    List<Relay> external,
    int unparseable) {

  /** A relay with the trust marks SpamAssassin writes into its string. */
  record Relay(Received.Relay relay, boolean internal, boolean msa) {
    String asString() {
      return relay.asString(internal, msa);
    }
  }

  /**
   * The networks that decide trust: SpamAssassin's {@code trusted_networks}, {@code
   * internal_networks} and {@code msa_networks}, and the single-address headers it reads as extra
   * handovers ({@code originating_ip_headers}).
   */
  record Networks(
      Optional<NetSet> trusted,
      Optional<NetSet> internal,
      NetSet msa,
      List<String> originatingIpHeaders) {

    /** Nothing configured: the boundary is inferred. */
    static final Networks INFERRED =
        new Networks(Optional.empty(), Optional.empty(), NetSet.EMPTY, List.of());
  }

  private static final Pattern ANY_IP = Pattern.compile(Received.IP);

  /**
   * Reads the path.
   *
   * @param received the {@code Received} field values in message order (newest first)
   * @param originating the values of the {@code originating_ip_headers} fields, in their order
   */
  static TrustPath of(List<String> received, List<String> originating, Networks nets) {
    Optional<NetSet> trustedNets = nets.trusted().or(nets::internal);
    Optional<NetSet> internalNets = nets.internal().or(nets::trusted);
    boolean configured = trustedNets.isPresent();

    List<String> lines = new ArrayList<>(received);
    for (String v : originating) {
      Matcher m = ANY_IP.matcher(v);
      if (m.find()) {
        lines.add("from X-Originating-IP: " + m.group());
      }
    }

    List<Relay> trusted = new ArrayList<>();
    List<Relay> untrusted = new ArrayList<>();
    List<Relay> internal = new ArrayList<>();
    List<Relay> external = new ArrayList<>();
    boolean inTrusted = true;
    boolean inInternal = true;
    boolean foundMsa = false;
    boolean allowFetchMarkers = true;
    String qmailScannerEnvfrom = null;
    int unparseable = 0;
    for (String line : lines) {
      String carried = qmailScannerEnvfrom;
      qmailScannerEnvfrom = null;
      Received.Parse parse = Received.parse(line);
      if (parse instanceof Received.Skipped s) {
        if (s.mailFetcher() && allowFetchMarkers) {
          // A fetchmail or getmail handover inside the trusted part: the path starts again here.
          trusted.clear();
          internal.clear();
          external.clear();
        }
        if (s.qmailScannerEnvfrom() != null) {
          qmailScannerEnvfrom = s.qmailScannerEnvfrom();
        }
        continue;
      }
      if (!(parse instanceof Received.Relay relay)) {
        unparseable++;
        continue;
      }
      if (carried != null) {
        relay = relay.withEnvfrom(carried);
      }
      boolean msa = false;
      if (inTrusted && !foundMsa) {
        if (!configured) {
          if (!relay.ipPrivate() && relay.auth().isEmpty()) {
            inTrusted = false;
            inInternal = false;
          }
        } else if (relay.auth().isEmpty() && !trustedNets.get().contains(relay.ip())) {
          inTrusted = false;
          inInternal = false;
        } else {
          if (inInternal && relay.auth().isEmpty() && !internalNets.get().contains(relay.ip())) {
            inInternal = false;
          }
          if (nets.msa().contains(relay.ip())) {
            foundMsa = true;
            msa = true;
          }
        }
      }
      Relay r = new Relay(relay, inInternal, msa);
      if (inTrusted) {
        trusted.add(r);
        allowFetchMarkers = true;
      } else {
        untrusted.add(r);
        allowFetchMarkers = false;
      }
      (inInternal ? internal : external).add(r);
    }
    return new TrustPath(
        List.copyOf(trusted),
        List.copyOf(untrusted),
        List.copyOf(internal),
        List.copyOf(external),
        unparseable);
  }

  /** The pseudo-header {@code X-Spam-Relays-<which>}, or empty for another name. */
  Optional<String> pseudoHeader(String name) {
    List<Relay> which =
        switch (name.toLowerCase(java.util.Locale.ROOT)) {
          case "x-spam-relays-trusted" -> trusted;
          case "x-spam-relays-untrusted" -> untrusted;
          case "x-spam-relays-internal" -> internal;
          case "x-spam-relays-external" -> external;
          default -> null;
        };
    if (which == null) {
      return Optional.empty();
    }
    StringBuilder b = new StringBuilder();
    for (Relay r : which) {
      if (!b.isEmpty()) {
        b.append(' ');
      }
      b.append(r.asString());
    }
    return Optional.of(b.toString());
  }

  /** Whether {@code name} is one of the relay pseudo-headers. */
  static boolean isPseudoHeader(String name) {
    String n = name.toLowerCase(java.util.Locale.ROOT);
    return n.equals("x-spam-relays-trusted")
        || n.equals("x-spam-relays-untrusted")
        || n.equals("x-spam-relays-internal")
        || n.equals("x-spam-relays-external");
  }

  /**
   * A list of networks as SpamAssassin's NetSet reads them: {@code 10.0.1.5}, {@code 10.0.1.},
   * {@code 10.0.1/24}, {@code 2001:db8::/32}, {@code [::1]}, each optionally negated with {@code
   * !}; the first entry that contains an address decides. 127/8 and ::1 are always in.
   */
  record NetSet(List<Entry> entries) {
    static final NetSet EMPTY = new NetSet(List.of());

    record Entry(byte[] network, int prefix, boolean exclude) {}

    /** Parses the entries of one or more directive lines, with the loopback nets first. */
    static NetSet parse(List<String> specs, boolean withLoopback) throws Unsupported {
      List<Entry> out = new ArrayList<>();
      for (String spec : specs) {
        out.add(entry(spec));
      }
      if (withLoopback) {
        out.add(entry("127.0.0.0/8"));
        out.add(entry("::1"));
      }
      return new NetSet(List.copyOf(out));
    }

    private static Entry entry(String written) throws Unsupported {
      String s = written.strip();
      boolean exclude = s.startsWith("!");
      if (exclude) {
        s = s.substring(1).strip();
      }
      Integer prefix = null;
      int slash = s.indexOf('/');
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
          throw new Unsupported("network '" + written + "': the mask is not a prefix length");
        }
        s = s.substring(0, slash);
      }
      if (s.startsWith("[") && s.endsWith("]")) {
        s = s.substring(1, s.length() - 1);
      }
      if (!s.contains(":")) {
        // 10.0.1. and 10.0.1 mean 10.0.1.0/24 (a partial address counts its octets).
        String t = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        String[] octets = t.split("\\.", -1);
        if (octets.length < 4) {
          if (prefix == null) {
            prefix = 8 * octets.length;
          }
          StringBuilder b = new StringBuilder(t);
          for (int i = octets.length; i < 4; i++) {
            b.append(".0");
          }
          s = b.toString();
        }
      }
      InetAddress a;
      try {
        a = InetAddresses.forString(s);
      } catch (IllegalArgumentException e) {
        throw new Unsupported("network '" + written + "' is not an address");
      }
      byte[] bytes = a.getAddress();
      int max = bytes.length * 8;
      int p = prefix == null ? max : prefix;
      if (p < 0 || p > max) {
        throw new Unsupported("network '" + written + "': prefix length out of range");
      }
      return new Entry(bytes, p, exclude);
    }

    /** Whether the relay address (as the parser left it) is in the set. */
    boolean contains(String ip) {
      if (entries.isEmpty()) {
        return false;
      }
      byte[] addr;
      try {
        addr = InetAddresses.forString(ip).getAddress();
      } catch (IllegalArgumentException e) {
        return false;
      }
      for (Entry e : entries) {
        if (e.network().length == addr.length && inPrefix(e.network(), addr, e.prefix())) {
          return !e.exclude();
        }
      }
      return false;
    }

    private static boolean inPrefix(byte[] net, byte[] addr, int prefix) {
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (net[i] != addr[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (net[full] & mask) == (addr[full] & mask);
    }
  }
}
