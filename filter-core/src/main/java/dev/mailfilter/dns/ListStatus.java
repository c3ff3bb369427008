package dev.mailfilter.dns;

/**
 * The result of a list's RFC 5782 start-up test (127.0.0.2 or {@code TEST} listed, 127.0.0.1 or
 * {@code INVALID} not).
 *
 * @param list the list
 * @param healthy whether both test points answered as RFC 5782 requires
 * @param detail what was seen, e.g. {@code 2.0.0.127.zen.spamhaus.org: TIMEOUT}
 */
public record ListStatus(DnsblList list, boolean healthy, String detail) {}
