package dev.mailfilter.smtp;

/**
 * What the DATA reader does with a bare LF or a bare CR in message content: a line end that is not
 * CRLF. RFC 5321 section 2.3.8 allows CR and LF only together; senders that break this are the SMTP
 * smuggling vector (CVE-2023-51764 class) when a later server takes the bare form as a line end.
 * Whatever the policy, only CRLF.CRLF ends DATA.
 *
 * <p>The values mirror Postfix's {@code smtpd_forbid_bare_newline}, which covers bare LF only; here
 * a bare CR gets the same treatment, since some servers (Cisco's, in the SMTP smuggling research)
 * take {@code <CR>.<CR>} as the end of DATA.
 */
public enum BareLineEnd {
  /** Each bare LF or bare CR becomes CRLF in the content, as if the client had sent it. Default. */
  NORMALIZE,
  /**
   * The message is refused after the end of DATA with {@code 550 5.5.2}; the content is still read
   * to the real end so that the next command is read in step.
   */
  REJECT,
  /** The content is kept byte for byte and the counts are reported, for the filter to score. */
  NOTE
}
