/**
 * The milter adapter: Postfix and Sendmail hand each SMTP session to mailfilter over the milter
 * protocol.
 *
 * <p>So far only the wire codec exists (packets, commands, replies, option negotiation); nothing is
 * exported until the server and its session wiring give the module a public API.
 */
module dev.mailfilter.milter {}
