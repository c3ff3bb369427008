package dev.mailfilter.dns;

/** The record types the blocklist checks ask for. */
public enum QueryType {
  /** IPv4 address records: a blocklist's return code. */
  A(1),
  /** Text records: a blocklist's reason. */
  TXT(16);

  private final int code;

  QueryType(int code) {
    this.code = code;
  }

  int code() {
    return code;
  }
}
