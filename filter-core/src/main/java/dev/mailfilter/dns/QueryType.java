package dev.mailfilter.dns;

/** The record types the checks ask for: blocklists (A, TXT) and SPF (all of them). */
public enum QueryType {
  /** IPv4 address records: a blocklist's return code. */
  A(1),
  /** Text records: a blocklist's reason, an SPF record. */
  TXT(16),
  /** IPv6 address records. */
  AAAA(28),
  /** Mail exchangers: {@link DnsAnswer#names()} holds the exchange names. */
  MX(15),
  /** Reverse names: {@link DnsAnswer#names()} holds the target names. */
  PTR(12);

  private final int code;

  QueryType(int code) {
    this.code = code;
  }

  int code() {
    return code;
  }
}
