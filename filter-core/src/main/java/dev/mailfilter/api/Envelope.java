package dev.mailfilter.api;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything known about a transaction apart from the message itself.
 *
 * @param connection the client
 * @param helo the HELO/EHLO argument, empty when the client sent none (yet)
 * @param sender the MAIL FROM address without angle brackets, empty for the null sender {@code <>}
 * @param mailParameters ESMTP parameters of MAIL FROM (keys upper case, e.g. {@code SIZE}, {@code
 *     BODY}); a parameter without value maps to the empty string
 * @param recipients accepted RCPT TO addresses without angle brackets, in order
 */
public record Envelope(
    Connection connection,
    String helo,
    String sender,
    Map<String, String> mailParameters,
    List<String> recipients) {
  public Envelope {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(helo, "helo");
    Objects.requireNonNull(sender, "sender");
    mailParameters = Map.copyOf(mailParameters);
    recipients = List.copyOf(recipients);
  }

  /** The common case: a client address, its HELO name, the sender and the recipients. */
  public static Envelope of(
      InetAddress clientAddress, String helo, String sender, List<String> recipients) {
    return new Envelope(Connection.of(clientAddress), helo, sender, Map.of(), recipients);
  }

  /** The domain of the sender address in lower case, empty for the null sender or no domain. */
  public String senderDomain() {
    return Addresses.domain(sender);
  }
}
