package dev.mailfilter.cli;

import dev.mailfilter.cluster.ClusterNode;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.milter.MilterServer;
import dev.mailfilter.milter.MilterStats;
import dev.mailfilter.ops.MetricFamilies;
import dev.mailfilter.smtp.SmtpServer;
import dev.mailfilter.smtp.SmtpStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The servers' own figures as Prometheus metrics, read at each scrape from their stats: the
 * gateway's ({@link SmtpStats}, verdicts per tenant), the milter's ({@link MilterStats}), and the
 * cluster node's or the admin API's store. The filter's figures are {@code
 * dev.mailfilter.ops.FilterMetrics}.
 */
final class NodeMetrics {
  private NodeMetrics() {}

  /** The gateway: connections, messages by outcome, the relay leg, reply latency, tenants. */
  static MultiCollector smtp(SmtpServer server) {
    return () -> {
      SmtpStats s = server.stats();
      Map<Labels, Long> outcomes = new LinkedHashMap<>();
      outcomes.put(Labels.of("outcome", "relayed"), s.relayed());
      outcomes.put(Labels.of("outcome", "rejected"), s.rejected());
      outcomes.put(Labels.of("outcome", "discarded"), s.discarded());
      outcomes.put(Labels.of("outcome", "quarantined"), s.quarantined());
      Map<Labels, Long> tenants = new LinkedHashMap<>();
      server
          .tenantVerdicts()
          .forEach(
              (tenant, byAction) ->
                  byAction.forEach(
                      (action, n) ->
                          tenants.put(
                              Labels.of("tenant", tenant, "action", action.configName()), n)));
      return MetricSnapshots.of(
          MetricFamilies.counter(
              "mailfilter_smtp_connections", "SMTP connections served.", s.connections()),
          MetricFamilies.counter(
              "mailfilter_smtp_connections_refused",
              "SMTP connections refused over a connection limit (421).",
              s.refusedConnections()),
          MetricFamilies.gauge(
              "mailfilter_smtp_connections_open", "SMTP connections open now.", s.open()),
          MetricFamilies.counter(
              "mailfilter_smtp_messages",
              "Messages whose content was received to its end.",
              s.messages()),
          MetricFamilies.counter(
              "mailfilter_smtp_outcomes",
              "Messages by what the gateway did: relayed (the route said 250), rejected (by the"
                  + " filter, the codec or the route), discarded, quarantined.",
              outcomes),
          MetricFamilies.counter(
              "mailfilter_smtp_relay_connections",
              "Connections opened to the routes' servers.",
              s.relayConnections()),
          MetricFamilies.counter(
              "mailfilter_smtp_relay_reused",
              "Messages relayed over a pooled connection opened for an earlier one.",
              s.relayReused()),
          MetricFamilies.seconds(
              "mailfilter_smtp_reply_duration_seconds",
              "From a message's end to the gateway's reply: the verdict plus the relay leg or the"
                  + " quarantine's write.",
              Map.of(Labels.EMPTY, s.latency())),
          MetricFamilies.counter(
              "mailfilter_tenant_verdicts",
              "Verdicts per tenant (path down to the domain) and action; the tenants beyond"
                  + " ops.max_tenants count as _other, relaying for trusted networks as _none.",
              tenants));
    };
  }

  /** The milter: connections, messages, protocol errors, timeouts, time per message. */
  static MultiCollector milter(MilterServer server) {
    return () -> {
      MilterStats s = server.stats();
      return MetricSnapshots.of(
          MetricFamilies.counter(
              "mailfilter_milter_connections", "Milter connections served.", s.connections()),
          MetricFamilies.counter(
              "mailfilter_milter_connections_refused",
              "Milter connections closed at once over milter.max_connections.",
              s.refusedConnections()),
          MetricFamilies.gauge(
              "mailfilter_milter_connections_open",
              "Milter connections open now.",
              s.openConnections()),
          MetricFamilies.counter(
              "mailfilter_milter_messages",
              "Messages that reached the end of the message and got a verdict.",
              s.messages()),
          MetricFamilies.counter(
              "mailfilter_milter_protocol_errors",
              "Connections closed for a malformed packet or a command out of order.",
              s.protocolErrors()),
          MetricFamilies.counter(
              "mailfilter_milter_timeouts",
              "Connections closed because a read waited longer than milter.read_timeout.",
              s.timeouts()),
          MetricFamilies.seconds(
              "mailfilter_milter_message_duration_seconds",
              "mailfilter's time per message, from MAIL to the reply at its end, without the"
                  + " MTA's time between commands.",
              Map.of(Labels.EMPTY, server.latency())));
    };
  }

  /** A cluster node: the store version of its running tree and whether the store answers. */
  static MultiCollector cluster(ClusterNode node) {
    return () ->
        MetricSnapshots.of(
            MetricFamilies.gauge(
                "mailfilter_cluster_config_version",
                "The store version of the tenant tree the running filter uses.",
                node.version()),
            MetricFamilies.gauge(
                "mailfilter_cluster_store_up",
                "1 when the last attempt to reach the tenant store succeeded, else 0 (the node"
                    + " filters on its last good tree).",
                node.storeDown() ? 0 : 1));
  }

  /** The admin API's store: its version and whether it answers, asked at each scrape. */
  static MultiCollector store(TenantStore store) {
    return () -> {
      long version = -1;
      try {
        version = store.version();
      } catch (RuntimeException e) {
        // down: reported as such below
      }
      return MetricSnapshots.of(
          MetricFamilies.gauge(
              "mailfilter_cluster_store_version",
              "The tenant store's change counter; -1 when it does not answer.",
              version),
          MetricFamilies.gauge(
              "mailfilter_cluster_store_up",
              "1 when the tenant store answered this scrape, else 0.",
              version >= 0 ? 1 : 0));
    };
  }
}
