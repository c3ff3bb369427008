package dev.mailfilter.dns;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * The outcome of one DNS query: never an exception, so a timeout or SERVFAIL is a value the caller
 * turns into a symbol.
 *
 * @param name the queried name, lower case, without the trailing dot
 * @param type the record type asked for
 * @param status what happened
 * @param addresses the A or AAAA records ({@link QueryType#A}, {@link QueryType#AAAA})
 * @param texts the TXT records, each one's strings joined with nothing between them, one char per
 *     octet (ISO-8859-1, so that no octet is lost or escaped: SPF must see a non-ASCII byte)
 * @param names the MX exchanges or PTR targets, lower case without the trailing dot, in answer
 *     order ({@link QueryType#MX}, {@link QueryType#PTR})
 * @param ttl how long the answer may be cached (zero when it may not)
 * @param cached whether it came from the resolver's cache
 * @param elapsed how long the lookup took
 */
public record DnsAnswer(
    String name,
    QueryType type,
    Status status,
    List<InetAddress> addresses,
    List<String> texts,
    List<String> names,
    Duration ttl,
    boolean cached,
    Duration elapsed) {

  /** What a query came back with. */
  public enum Status {
    /** NOERROR with records of the asked type. */
    FOUND,
    /** The name does not exist (for a blocklist: not listed). */
    NXDOMAIN,
    /** The name exists but has no record of the asked type. */
    NODATA,
    /** The server failed (RCODE 2) on every try. */
    SERVFAIL,
    /** The server refused (RCODE 5). */
    REFUSED,
    /** No answer before the deadline. */
    TIMEOUT,
    /** Anything else: unreachable server, other RCODE, malformed name. */
    FAILED
  }

  /** Copies the lists. */
  public DnsAnswer {
    addresses = List.copyOf(addresses);
    texts = List.copyOf(texts);
    names = List.copyOf(names);
  }

  static DnsAnswer of(String name, QueryType type, Status status, Duration elapsed) {
    return new DnsAnswer(
        name, type, status, List.of(), List.of(), List.of(), Duration.ZERO, false, elapsed);
  }

  DnsAnswer fromCache(Duration elapsed) {
    return new DnsAnswer(name, type, status, addresses, texts, names, ttl, true, elapsed);
  }
}
