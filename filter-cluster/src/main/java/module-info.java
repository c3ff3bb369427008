/**
 * The provider's cluster: the tenant tree in a shared store, applied on every node, and the state
 * that nodes share. Built on the core's public API; the milter and SMTP servers do not need it.
 */
module dev.mailfilter.cluster {
  requires transitive dev.mailfilter.core;
  requires transitive lettuce.core; // RedisTenantStore.Options takes a RedisURI
  // The admin API: the JDK's own HTTP server (a handful of routes need no framework) and Jackson.
  requires jdk.httpserver;
  // transitive: AdminClient (the API called in-process by the web pages) takes and gives JsonNode.
  requires transitive com.fasterxml.jackson.databind;

  exports dev.mailfilter.cluster;
  exports dev.mailfilter.cluster.admin;
  // The state nodes share: greylisting, rate limits, reputation, training events.
  exports dev.mailfilter.cluster.state;
}
