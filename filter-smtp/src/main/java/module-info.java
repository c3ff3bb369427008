/**
 * The filtering SMTP gateway: an MX that filters during the SMTP conversation and relays good mail
 * to each customer's own server.
 *
 * <p>The API is {@link dev.mailfilter.smtp.SmtpServer} with its limits and timeouts, and {@link
 * dev.mailfilter.smtp.Quarantine}, the store of held messages; the wire codec beside it is
 * package-private.
 */
module dev.mailfilter.smtp {
  requires transitive dev.mailfilter.core;
  requires dev.mailfilter.server;
  requires com.google.common;
  // MX lookups for the relay leg's mx routes, with the servers of the core's dns: section.
  requires org.dnsjava;

  exports dev.mailfilter.smtp;
}
