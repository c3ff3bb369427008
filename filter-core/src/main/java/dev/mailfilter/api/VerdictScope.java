package dev.mailfilter.api;

/**
 * How many verdicts one message may need, which decides what the session does with a recipient
 * whose tenant policy or route differs from the transaction's first accepted recipient. The adapter
 * chooses it when it opens the session.
 */
public enum VerdictScope {
  /**
   * SMTP: one transaction carries recipients of one group (same route, same effective policy). A
   * recipient of another group is answered {@code 452 4.5.3} so that the client sends it again in a
   * new transaction (RFC 5321 section 3.3 lets a client retry such recipients).
   */
  ONE_GROUP_PER_TRANSACTION,
  /**
   * Milter and embedding: the message gets one verdict whatever its recipients. Their policies are
   * merged into the strictest one (see {@code docs/tenants.md}).
   */
  ONE_VERDICT_PER_MESSAGE
}
