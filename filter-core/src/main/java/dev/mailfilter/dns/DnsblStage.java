package dev.mailfilter.dns;

/**
 * The SMTP stage a blocklist is checked at. IP lists default to {@link #CONNECT} so adapters can
 * refuse before DATA; domain lists to {@link #MAIL}; URI lists need the message ({@link #DATA}).
 */
public enum DnsblStage {
  /** After the TCP connection: the client IP is known. */
  CONNECT,
  /** After HELO/EHLO: the HELO name is known. */
  HELO,
  /** After MAIL FROM: the envelope sender's domain is known. */
  MAIL,
  /** At the end of DATA: the From header and the URLs of the message are known. */
  DATA
}
