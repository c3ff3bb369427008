/**
 * The milter adapter: Postfix and Sendmail hand each SMTP session to mailfilter over the milter
 * protocol. The API is the server ({@link dev.mailfilter.milter.MilterServer}), its settings and
 * counters; the wire codec and the protocol state machine are package-private.
 */
module dev.mailfilter.milter {
  requires transitive dev.mailfilter.core;
  requires dev.mailfilter.server;
  // TCP_QUICKACK (jdk.net.ExtendedSocketOptions): Linux only, ignored where unsupported.
  requires jdk.net;

  exports dev.mailfilter.milter;
}
