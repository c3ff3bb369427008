/**
 * mailfilter's core: the zero-copy MIME parser, the classifier API, checks and policy.
 *
 * <p>No server code lives here; the SMTP and milter adapters are thin layers over the session API.
 * The API packages are exported to everyone; the implementation packages only to the sibling
 * modules that need them (the command, the benchmarks), so that they can change freely.
 */
// The qualified exports name sibling modules that a build of this module alone does not see.
@SuppressWarnings("module")
module dev.mailfilter.core {
  requires transitive org.slf4j;
  requires com.google.common;
  requires org.dnsjava;
  requires org.snakeyaml.engine.v2;

  // The API: the filter and its configuration, the values it speaks in, the check SPI, the
  // configuration plumbing for extensions, and the MIME parser that checks read.
  exports dev.mailfilter;
  exports dev.mailfilter.api;
  exports dev.mailfilter.spi;
  exports dev.mailfilter.config;
  exports dev.mailfilter.mime;
  // Tenants, domains and routes: the gateway reads routes and a cluster store implements the
  // directory.
  exports dev.mailfilter.tenant;

  // Implementation packages, for the siblings that drive them directly.
  exports dev.mailfilter.learn to
      dev.mailfilter.cli,
      dev.mailfilter.cluster,
      dev.mailfilter.benchmarks;
  exports dev.mailfilter.dns to
      dev.mailfilter.cli,
      dev.mailfilter.smtp,
      dev.mailfilter.benchmarks;
  exports dev.mailfilter.dns.mirror to
      dev.mailfilter.cli,
      dev.mailfilter.benchmarks;
  // Email authentication (SPF, DKIM, DMARC, ARC): the command's `auth` subcommand drives it
  // directly; the test fixtures sign and seal the messages the servers' interop tests send.
  exports dev.mailfilter.auth to
      dev.mailfilter.cli,
      dev.mailfilter.smtp,
      dev.mailfilter.milter,
      dev.mailfilter.testfixtures,
      dev.mailfilter.benchmarks;
  exports dev.mailfilter.av to
      dev.mailfilter.benchmarks;
  exports dev.mailfilter.sa to
      dev.mailfilter.cli,
      dev.mailfilter.benchmarks;
  exports dev.mailfilter.scores to
      dev.mailfilter.cli,
      dev.mailfilter.benchmarks;
  exports dev.mailfilter.url to
      dev.mailfilter.benchmarks;
}
