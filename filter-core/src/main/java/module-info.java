/**
 * mailfilter's core: the zero-copy MIME parser, the classifier API, checks and policy.
 *
 * <p>No server code lives here; the SMTP and milter adapters are thin layers over the session API.
 */
module dev.mailfilter.core {
  requires transitive org.slf4j;
  requires com.google.common;
  requires org.dnsjava;
  requires org.snakeyaml.engine.v2;

  exports dev.mailfilter;
  exports dev.mailfilter.check;
  exports dev.mailfilter.config;
  exports dev.mailfilter.learn;
  exports dev.mailfilter.mime;
  exports dev.mailfilter.dns;
  exports dev.mailfilter.dns.mirror;
  exports dev.mailfilter.av;
  exports dev.mailfilter.url;
}
