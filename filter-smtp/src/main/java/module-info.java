/**
 * The filtering SMTP gateway: an MX that filters during the SMTP conversation and relays good mail
 * to each customer's own server.
 *
 * <p>So far the server-side wire codec exists (strict CRLF line reader, command parser, DATA and
 * BDAT content readers, reply writer, EHLO capabilities), without sockets; nothing is exported
 * until the server gives the module a public API.
 */
module dev.mailfilter.smtp {
  requires dev.mailfilter.core;
  requires com.google.common;
}
