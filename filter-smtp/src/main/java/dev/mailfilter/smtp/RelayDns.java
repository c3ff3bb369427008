package dev.mailfilter.smtp;

import dev.mailfilter.api.Reply;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * MX lookups for {@code mx: true} routes (RFC 5321 section 5.1): the MX hosts by preference, in
 * random order among equal preferences, each with its addresses; the domain itself when it has no
 * MX records (the implicit MX); a null MX (RFC 7505) refuses the mail permanently.
 *
 * <p>Failures are replies for the gateway's client. A lookup that times out or gets SERVFAIL is
 * {@code 451 4.4.3}. A domain or MX host that does not exist is temporary too ({@code 451 4.4.4}),
 * unlike Postfix's bounce: the domain is a route the operator configured, a mistake there is fixed
 * by the operator, and a temporary refusal keeps the mail with its sender until then.
 */
final class RelayDns {
  /** At most this many addresses are tried for one message, as Postfix's smtp_mx_address_limit. */
  static final int MAX_TARGETS = 5;

  /** A server to try: its host name (for the certificate check) and one address. */
  record Target(String name, InetAddress address) {}

  /** The outcome of a lookup. */
  sealed interface Result {}

  /** The servers to try, in order; never empty. */
  record Targets(List<Target> targets) implements Result {}

  /** No server to try; the reply for the client. */
  record Failure(Reply reply) implements Result {}

  private final Supplier<List<InetSocketAddress>> servers;
  private final Duration timeout;
  private final RandomGenerator random;

  /**
   * @param servers the name servers to ask, asked per lookup so that a reloaded {@code dns:}
   *     section applies; empty: the system's
   */
  RelayDns(Supplier<List<InetSocketAddress>> servers, Duration timeout, RandomGenerator random) {
    this.servers = Objects.requireNonNull(servers, "servers");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.random = Objects.requireNonNull(random, "random");
  }

  /** The servers of {@code domain}'s MX records, or the domain's own addresses without any. */
  Result lookup(String domain) {
    Name name;
    try {
      name = Name.fromString(domain.endsWith(".") ? domain : domain + ".");
    } catch (TextParseException e) {
      return new Failure(Reply.of(451, "4.4.4", "Route domain is not a valid DNS name: " + domain));
    }
    Resolver resolver = resolver();
    Message answer;
    try {
      answer = query(resolver, name, Type.MX);
    } catch (IOException e) {
      return new Failure(lookupFailed(domain, "MX", e.getMessage()));
    }
    int rcode = answer.getRcode();
    if (rcode == Rcode.NXDOMAIN) {
      return new Failure(Reply.of(451, "4.4.4", "Route domain not found in DNS: " + domain));
    }
    if (rcode != Rcode.NOERROR) {
      return new Failure(lookupFailed(domain, "MX", Rcode.string(rcode)));
    }
    List<MXRecord> mx = new ArrayList<>();
    for (Record r : answer.getSection(Section.ANSWER)) {
      if (r instanceof MXRecord m) {
        mx.add(m);
      }
    }
    if (mx.isEmpty()) {
      // RFC 5321 section 5.1: no MX records, so the domain is its own implicit MX.
      return targets(resolver, List.of(name), domain);
    }
    List<MXRecord> real = mx.stream().filter(m -> !m.getTarget().equals(Name.root)).toList();
    if (real.isEmpty()) {
      return new Failure(
          Reply.of(
              556, "5.1.10", "Domain " + domain + " does not accept mail (null MX, RFC 7505)"));
    }
    return targets(
        resolver, order(real, random).stream().map(MXRecord::getTarget).toList(), domain);
  }

  /** By preference, lowest first, and shuffled among equal preferences (RFC 5321 section 5.1). */
  static List<MXRecord> order(List<MXRecord> records, RandomGenerator random) {
    List<MXRecord> shuffled = new ArrayList<>(records);
    // Shuffle first, then a stable sort by preference keeps the random order within a preference.
    Collections.shuffle(shuffled, random);
    shuffled.sort(Comparator.comparingInt(MXRecord::getPriority));
    return shuffled;
  }

  private Result targets(Resolver resolver, List<Name> hosts, String domain) {
    List<Target> targets = new ArrayList<>();
    Reply failure = null;
    for (Name host : hosts) {
      String hostName = host.toString(/* omitFinalDot= */ true);
      for (int type : new int[] {Type.A, Type.AAAA}) {
        if (targets.size() >= MAX_TARGETS) {
          return new Targets(targets);
        }
        try {
          Message m = query(resolver, host, type);
          if (m.getRcode() != Rcode.NOERROR && m.getRcode() != Rcode.NXDOMAIN) {
            failure = lookupFailed(hostName, Type.string(type), Rcode.string(m.getRcode()));
            continue;
          }
          for (Record r : m.getSection(Section.ANSWER)) {
            address(r)
                .filter(a -> targets.size() < MAX_TARGETS)
                .ifPresent(a -> targets.add(new Target(hostName, a)));
          }
        } catch (IOException e) {
          failure = lookupFailed(hostName, Type.string(type), e.getMessage());
        }
      }
    }
    if (!targets.isEmpty()) {
      return new Targets(targets);
    }
    return new Failure(
        failure != null
            ? failure
            : Reply.of(451, "4.4.4", "No address found for the mail servers of " + domain));
  }

  private static Optional<InetAddress> address(Record r) {
    if (r instanceof ARecord a) {
      return Optional.of(a.getAddress());
    }
    if (r instanceof AAAARecord a) {
      return Optional.of(a.getAddress());
    }
    return Optional.empty();
  }

  private static Reply lookupFailed(String name, String type, String why) {
    return Reply.of(451, "4.4.3", "DNS lookup of " + name + " " + type + " failed: " + why);
  }

  private Resolver resolver() {
    List<InetSocketAddress> list = servers.get();
    Resolver r;
    if (list.size() == 1) {
      r = new SimpleResolver(list.getFirst());
    } else if (list.isEmpty()) {
      r = new ExtendedResolver();
    } else {
      r = new ExtendedResolver(list.stream().map(s -> (Resolver) new SimpleResolver(s)).toList());
    }
    r.setTimeout(timeout);
    return r;
  }

  private static Message query(Resolver resolver, Name name, int type) throws IOException {
    return resolver.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
  }
}
