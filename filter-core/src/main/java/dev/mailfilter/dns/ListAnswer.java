package dev.mailfilter.dns;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.List;

/**
 * One blocklist's answer for one subject.
 *
 * @param list the list asked
 * @param subject the IP address or domain looked up (a URL host already reduced to its registrable
 *     domain)
 * @param query the DNS name asked, or for a mirror the name that would have been asked
 * @param outcome listed, not listed, or why there is no answer
 * @param listings the codes that count as listings, with their symbols
 * @param codes every A record of the answer, filtered or not (what {@code dig} would show)
 * @param txt TXT records, when asked for
 * @param source where the answer came from
 * @param elapsed how long it took
 */
public record ListAnswer(
    DnsblList list,
    String subject,
    String query,
    Outcome outcome,
    List<Listing> listings,
    List<Inet4Address> codes,
    List<String> txt,
    Source source,
    Duration elapsed) {

  /** Copies the lists. */
  public ListAnswer {
    listings = List.copyOf(listings);
    codes = List.copyOf(codes);
    txt = List.copyOf(txt);
  }

  /** What a list said. */
  public enum Outcome {
    /** At least one code passed the return-code filter. */
    LISTED,
    /** NXDOMAIN, or only codes the filter drops. */
    NOT_LISTED,
    /** No answer before the deadline: symbol {@code RBL_TIMEOUT}, never a listing. */
    TIMEOUT,
    /** SERVFAIL on every try: symbol {@code RBL_SERVFAIL}, never a listing. */
    SERVFAIL,
    /**
     * An error code (e.g. Spamhaus 127.255.255.254): symbol {@code RBL_BLOCKED}, never a listing.
     */
    BLOCKED,
    /** Anything else (unreachable server, REFUSED, bad name): symbol {@code RBL_FAIL}. */
    FAILED
  }

  /** Where an answer came from. */
  public enum Source {
    /** A local mirror (no DNS traffic). */
    MIRROR,
    /** A DNS query on the wire. */
    DNS,
    /** The resolver's cache. */
    DNS_CACHED
  }

  /**
   * One listing.
   *
   * @param code the A record
   * @param symbol its symbol
   */
  public record Listing(Inet4Address code, String symbol) {}
}
