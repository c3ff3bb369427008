/** The {@code mailfilter} command. */
module dev.mailfilter.cli {
  requires dev.mailfilter.core;
  requires dev.mailfilter.milter;
  // sun.misc.Signal (see Signals): mailfilter milter reloads on SIGHUP and drains on SIGTERM before
  // it exits 0; the JDK has no supported API for either.
  requires jdk.unsupported;
  requires dev.mailfilter.smtp;
  // admin, backup and restore (the tenant store) and the shared-state checks a node can enable.
  requires dev.mailfilter.cluster;
  // mailfilter web: the pages.
  requires dev.mailfilter.web;
  // RedisURI: --tenant-store redis://... names the shared store.
  requires lettuce.core;
}
