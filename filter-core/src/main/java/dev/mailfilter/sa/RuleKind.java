package dev.mailfilter.sa;

/** The kinds of SpamAssassin rules the loader reads: what text each one tests. */
public enum RuleKind {
  /** A header field (decoded unless {@code :raw}), or one of the pseudo-headers. */
  HEADER,
  /**
   * The rendered body: text parts decoded, HTML reduced to text, the Subject first, by paragraph.
   */
  BODY,
  /** The text parts transfer-decoded, HTML as written, in chunks of about 2,048 characters. */
  RAWBODY,
  /** The whole message as received. */
  FULL,
  /** Each URL of the message. */
  URI,
  /** A boolean or arithmetic expression over other rules. */
  META
}
