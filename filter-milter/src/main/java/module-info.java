/**
 * The milter adapter: Postfix and Sendmail hand each SMTP session to mailfilter over the milter
 * protocol.
 *
 * <p>So far the wire codec (packets, commands, replies, option negotiation) and the conversation
 * that drives a core session from decoded commands exist; nothing is exported until the server
 * gives the module a public API.
 */
module dev.mailfilter.milter {
  requires dev.mailfilter.core;
}
