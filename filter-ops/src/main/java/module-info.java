/**
 * The operations endpoint of every node: Prometheus metrics and health probes over the JDK's HTTP
 * server.
 */
module dev.mailfilter.ops {
  requires transitive dev.mailfilter.core;
  requires jdk.httpserver;
  requires org.slf4j;
  // The snapshots and the registry are in the API (MetricFamilies, OpsServer.start).
  requires transitive io.prometheus.metrics.model;
  // The text formats' writers (its automatic module name is this, not ...expositionformats).
  requires io.prometheus.writer.text;
  requires io.prometheus.metrics.instrumentation.jvm;

  exports dev.mailfilter.ops;
}
