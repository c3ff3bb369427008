package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything known about a transaction apart from the message itself.
 *
 * @param connection the client
 * @param helo the HELO/EHLO argument, empty when the client sent none (yet)
 * @param sender the MAIL FROM address without angle brackets, empty for the null sender {@code <>}
 * @param mailParameters ESMTP parameters of MAIL FROM (keys upper case, e.g. {@code SIZE}, {@code
 *     BODY}); a parameter without value maps to the empty string
 * @param recipients accepted RCPT TO addresses without angle brackets, in order
 * @param queueId the MTA's queue id of this transaction, once the adapter knows it (Postfix gives
 *     it to milters from DATA on); empty before, and outside a transaction
 */
public record Envelope(
    Connection connection,
    String helo,
    String sender,
    Map<String, String> mailParameters,
    List<String> recipients,
    Optional<String> queueId) {
  public Envelope {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(helo, "helo");
    Objects.requireNonNull(sender, "sender");
    mailParameters = Map.copyOf(mailParameters);
    recipients = List.copyOf(recipients);
    Objects.requireNonNull(queueId, "queueId");
    queueId.ifPresent(Envelope::checkQueueId);
  }

  /** An envelope whose queue id is not known. */
  public Envelope(
      Connection connection,
      String helo,
      String sender,
      Map<String, String> mailParameters,
      List<String> recipients) {
    this(connection, helo, sender, mailParameters, recipients, Optional.empty());
  }

  /** The common case: a client address, its HELO name, the sender and the recipients. */
  public static Envelope of(
      InetAddress clientAddress, String helo, String sender, List<String> recipients) {
    return new Envelope(Connection.of(clientAddress), helo, sender, Map.of(), recipients);
  }

  /** This envelope with the MTA's queue id. */
  public Envelope withQueueId(String queueId) {
    return new Envelope(connection, helo, sender, mailParameters, recipients, Optional.of(queueId));
  }

  /**
   * Checks a queue id for the log line and headers: printable ASCII without spaces, as every MTA's
   * ids are.
   *
   * @throws IllegalArgumentException naming the id otherwise
   */
  static void checkQueueId(String id) {
    Objects.requireNonNull(id, "queueId");
    checkArgument(!id.isEmpty(), "queue id is empty");
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      checkArgument(c > ' ' && c <= '~', "queue id has a space or non-ASCII character: %s", id);
    }
  }

  /** The domain of the sender address in lower case, empty for the null sender or no domain. */
  public String senderDomain() {
    return Addresses.domain(sender);
  }
}
