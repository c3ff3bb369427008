package dev.mailfilter.dns;

/**
 * A symbol produced by the blocklist checks, for the engine to add to the verdict.
 *
 * @param symbol e.g. {@code RBL_SPAMHAUS_XBL} or {@code RBL_TIMEOUT}
 * @param score the list's weight for listings, 0 for failures
 * @param reason what was looked up where, and what came back
 */
public record DnsblHit(String symbol, double score, String reason) {}
