package dev.mailfilter.mime;

/** A Content-Transfer-Encoding (RFC 2045 section 6). */
public enum TransferEncoding {
  SEVEN_BIT("7bit"),
  EIGHT_BIT("8bit"),
  BINARY("binary"),
  BASE64("base64"),
  QUOTED_PRINTABLE("quoted-printable"),
  /** A value this library does not know; the body is left as it is. */
  UNKNOWN("unknown");

  private final String token;

  TransferEncoding(String token) {
    this.token = token;
  }

  /** The lower-case token as written in the header ({@code "unknown"} for {@link #UNKNOWN}). */
  public String token() {
    return token;
  }

  /** Whether the body bytes are the content as they are (7bit, 8bit, binary). */
  public boolean isIdentity() {
    return this == SEVEN_BIT || this == EIGHT_BIT || this == BINARY;
  }

  /**
   * The encoding named by a header value, ignoring case and surrounding white space; {@link
   * #UNKNOWN} for anything else.
   */
  public static TransferEncoding fromToken(CharSequence value) {
    String v = value.toString().strip();
    for (TransferEncoding e : values()) {
      if (e != UNKNOWN && e.token.equalsIgnoreCase(v)) {
        return e;
      }
    }
    return UNKNOWN;
  }
}
