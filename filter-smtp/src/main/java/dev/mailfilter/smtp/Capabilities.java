package dev.mailfilter.smtp;

import dev.mailfilter.api.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The ESMTP extensions a server offers in its EHLO reply. The command parser reads it too: a
 * parameter of an extension not offered is refused ({@code 555 5.5.4}), as RFC 5321 section 4.1.2
 * requires, and a declared {@code SIZE} above {@link #maxSize()} is refused at MAIL FROM ({@code
 * 552 5.3.4}, RFC 1870 section 6.1).
 *
 * <p>A client that greeted with HELO gets {@link #none()}: no extension, no enhanced status codes.
 *
 * @param pipelining RFC 2920 {@code PIPELINING}
 * @param size whether {@code SIZE} is offered (RFC 1870)
 * @param maxSize the largest message in bytes, advertised as {@code SIZE n}; 0 for no fixed limit
 * @param eightBitMime RFC 6152 {@code 8BITMIME}: {@code BODY=8BITMIME}
 * @param smtpUtf8 RFC 6531 {@code SMTPUTF8}: UTF-8 addresses with the {@code SMTPUTF8} parameter
 * @param enhancedStatusCodes RFC 2034 {@code ENHANCEDSTATUSCODES}
 * @param startTls RFC 3207 {@code STARTTLS}; offered only before TLS is on
 * @param chunking RFC 3030 {@code CHUNKING}: the BDAT command
 * @param binaryMime RFC 3030 {@code BINARYMIME}: {@code BODY=BINARYMIME}, only with chunking
 * @param dsn RFC 3461 {@code DSN}: {@code RET}, {@code ENVID}, {@code NOTIFY}, {@code ORCPT}
 */
record Capabilities(
    boolean pipelining,
    boolean size,
    long maxSize,
    boolean eightBitMime,
    boolean smtpUtf8,
    boolean enhancedStatusCodes,
    boolean startTls,
    boolean chunking,
    boolean binaryMime,
    boolean dsn) {
  /**
   * RFC 5321 section 4.5.3.1.4: a command line is at most 512 octets, CRLF included; extensions
   * that add parameters raise that.
   */
  public static final int COMMAND_LINE_LENGTH = 512;

  private static final Capabilities NONE =
      new Capabilities(false, false, 0, false, false, false, false, false, false, false);

  public Capabilities {
    if (maxSize < 0) {
      throw new IllegalArgumentException(
          "maxSize must be 0 (no limit) or positive, got " + maxSize);
    }
    if (binaryMime && !chunking) {
      throw new IllegalArgumentException("BINARYMIME needs CHUNKING (RFC 3030 section 3)");
    }
  }

  /** No extension: the state after HELO, or before any greeting. */
  public static Capabilities none() {
    return NONE;
  }

  /**
   * Every extension this codec speaks, with {@code SIZE maxSize} and without {@code STARTTLS}
   * (offered only when a certificate is configured): {@link #withStartTls(boolean)} adds it.
   */
  public static Capabilities all(long maxSize) {
    return new Capabilities(true, true, maxSize, true, true, true, false, true, true, true);
  }

  /**
   * The same set with {@code STARTTLS} offered or not (not once TLS is on: RFC 3207 section 4.2).
   */
  public Capabilities withStartTls(boolean offered) {
    return new Capabilities(
        pipelining,
        size,
        maxSize,
        eightBitMime,
        smtpUtf8,
        enhancedStatusCodes,
        offered,
        chunking,
        binaryMime,
        dsn);
  }

  /**
   * The longest command line accepted, CRLF included: {@code base} plus what the offered extensions
   * add to MAIL FROM and RCPT TO (RFC 1870: 26 for {@code SIZE}; RFC 3461 section 4: 100 for {@code
   * RET} and {@code ENVID} on MAIL, 500 for {@code NOTIFY} and {@code ORCPT} on RCPT).
   */
  public int commandLineLimit(int base) {
    int mail = base + (size ? 26 : 0) + (dsn ? 100 : 0);
    int rcpt = base + (dsn ? 500 : 0);
    return Math.max(mail, rcpt);
  }

  /**
   * The EHLO reply: {@code 250-name greeting} then one keyword per line, in the order Postfix uses.
   *
   * @param serverName this server's name, first word of the reply
   * @param greeting the rest of the first line, e.g. {@code "Hello client.example [192.0.2.1]"}
   */
  public Reply ehloReply(String serverName, String greeting) {
    Objects.requireNonNull(serverName, "serverName");
    Objects.requireNonNull(greeting, "greeting");
    List<String> lines = new ArrayList<>();
    lines.add(greeting.isEmpty() ? serverName : serverName + " " + greeting);
    if (pipelining) {
      lines.add("PIPELINING");
    }
    if (size) {
      lines.add("SIZE " + maxSize);
    }
    if (startTls) {
      lines.add("STARTTLS");
    }
    if (enhancedStatusCodes) {
      lines.add("ENHANCEDSTATUSCODES");
    }
    if (eightBitMime) {
      lines.add("8BITMIME");
    }
    if (dsn) {
      lines.add("DSN");
    }
    if (smtpUtf8) {
      lines.add("SMTPUTF8");
    }
    if (chunking) {
      lines.add("CHUNKING");
    }
    if (binaryMime) {
      lines.add("BINARYMIME");
    }
    // The EHLO reply is what announces enhanced codes (RFC 2034), so it carries none itself.
    return new Reply(250, "", lines);
  }
}
