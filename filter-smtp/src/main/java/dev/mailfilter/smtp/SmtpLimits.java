package dev.mailfilter.smtp;

/**
 * The codec's limits: how long a command line and a text line may be, how large a message, and what
 * to do with bare line ends in DATA. The server's timeouts and counts live elsewhere.
 *
 * @param commandLineLength the longest command line in octets, CRLF included, before the allowances
 *     of the offered extensions ({@link Capabilities#commandLineLimit}); RFC 5321 section 4.5.3.1.4
 *     says 512
 * @param textLineLength the text line length of RFC 5321 section 4.5.3.1.6 (1000, CRLF included);
 *     longer DATA lines are counted in {@link DataResult#longLines()}, not refused, since section
 *     4.5.3.1 asks receivers to impose no limit where they can and real mail exceeds it
 * @param maxMessageSize the largest message in octets after dot-unstuffing; beyond it DATA is read
 *     to its end, nothing more is delivered, and the result is {@code 552 5.3.4}
 * @param bareLineEnd the policy for bare LF and bare CR in DATA content
 */
public record SmtpLimits(
    int commandLineLength, int textLineLength, long maxMessageSize, BareLineEnd bareLineEnd) {
  /** The default message size limit: 25 MiB, a common MX limit. */
  public static final long DEFAULT_MAX_MESSAGE_SIZE = 25L << 20;

  public SmtpLimits {
    if (commandLineLength < Capabilities.COMMAND_LINE_LENGTH) {
      throw new IllegalArgumentException(
          "commandLineLength must be at least 512 (RFC 5321 section 4.5.3.1.4), got "
              + commandLineLength);
    }
    if (commandLineLength > 1 << 20) {
      throw new IllegalArgumentException(
          "commandLineLength must be at most 1 MiB, got " + commandLineLength);
    }
    if (textLineLength < 1000) {
      throw new IllegalArgumentException(
          "textLineLength must be at least 1000 (RFC 5321 section 4.5.3.1.6), got "
              + textLineLength);
    }
    if (maxMessageSize < 1) {
      throw new IllegalArgumentException("maxMessageSize must be positive, got " + maxMessageSize);
    }
    if (bareLineEnd == null) {
      throw new NullPointerException("bareLineEnd");
    }
  }

  /** RFC 5321's limits, a 25 MiB message size, bare line ends normalised. */
  public static SmtpLimits defaults() {
    return new SmtpLimits(
        Capabilities.COMMAND_LINE_LENGTH, 1000, DEFAULT_MAX_MESSAGE_SIZE, BareLineEnd.NORMALIZE);
  }

  /** The same limits with another message size limit. */
  public SmtpLimits withMaxMessageSize(long bytes) {
    return new SmtpLimits(commandLineLength, textLineLength, bytes, bareLineEnd);
  }

  /** The same limits with another bare line end policy. */
  public SmtpLimits withBareLineEnd(BareLineEnd policy) {
    return new SmtpLimits(commandLineLength, textLineLength, maxMessageSize, policy);
  }

  /** The same limits with another command line length. */
  public SmtpLimits withCommandLineLength(int octets) {
    return new SmtpLimits(octets, textLineLength, maxMessageSize, bareLineEnd);
  }
}
