package dev.mailfilter.dns;

/** What a blocklist lists, hence what is looked up in it. */
public enum ListKind {
  /** Client IP addresses (IPv4 reversed octets, IPv6 reversed nibbles), e.g. zen.spamhaus.org. */
  IP,
  /** Domains of the HELO name, envelope sender and From header (RHSBL), e.g. dbl.spamhaus.org. */
  DOMAIN,
  /** Registrable domains of URLs in the message, e.g. multi.surbl.org. */
  URI
}
