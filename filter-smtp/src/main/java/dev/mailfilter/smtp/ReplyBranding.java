package dev.mailfilter.smtp;

import dev.mailfilter.api.Reply;

/**
 * How a refusal reads for the sender, per recipient domain: a provider's white-label partners have
 * the gateway say their name and support address ({@code 554 5.7.1 Message rejected as spam;
 * rejected by Acme Mail Shield spam protection, contact help@acme.example}) rather than the
 * provider's. Given to {@link SmtpServer.Builder#replyBranding}; asked for every 4xx and 5xx answer
 * to RCPT TO and to the end of a message that the filter decided (block lists, greylisting, rate
 * limits, spam, viruses, DMARC), never for protocol errors.
 */
@FunctionalInterface
public interface ReplyBranding {
  /**
   * The refusal as the sender sees it.
   *
   * @param recipientDomain the recipient's domain (for the end of a message: the transaction's
   *     first recipient's, as all of them share one tenant's route)
   * @param refusal the filter's reply, 4xx or 5xx
   * @return the reply to send; a branding that throws is ignored and {@code refusal} sent
   */
  Reply brand(String recipientDomain, Reply refusal);

  /** No branding: the filter's replies as configured. */
  static ReplyBranding none() {
    return (domain, refusal) -> refusal;
  }
}
