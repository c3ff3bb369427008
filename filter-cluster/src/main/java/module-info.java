/**
 * The provider's cluster: the tenant tree in a shared store, applied on every node, and the state
 * that nodes share. Built on the core's public API; the milter and SMTP servers do not need it.
 */
module dev.mailfilter.cluster {
  requires transitive dev.mailfilter.core;
  requires lettuce.core;

  // The state nodes share: greylisting, rate limits, reputation, training events.
  exports dev.mailfilter.cluster.state;
}
