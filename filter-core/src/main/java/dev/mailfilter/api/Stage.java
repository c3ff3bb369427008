package dev.mailfilter.api;

/** The SMTP stage a check runs at, in protocol order. */
public enum Stage {
  /** The client connected: its address and reverse name are known (DNSBL, IP lists). */
  CONNECT,
  /** HELO/EHLO: the client's claimed name is known. */
  HELO,
  /** MAIL FROM: the sender is known (SPF, sender lists). */
  MAIL_FROM,
  /** RCPT TO, once per recipient: the recipient and its policy are known. */
  RCPT,
  /**
   * End of headers: the header block is known, the body not yet (the milter's EOH). Checks here see
   * {@code message()} parsed from the header block alone and may refuse before the body arrives.
   * Runs once per message: at {@code endOfHeaders()}, or at the end of data when the adapter did
   * not call it.
   */
  HEADERS,
  /** End of data: the message is known (content checks, the model, the virus scanner). */
  DATA;

  /** The configuration spelling of this stage: lower case with underscores. */
  public String configName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
