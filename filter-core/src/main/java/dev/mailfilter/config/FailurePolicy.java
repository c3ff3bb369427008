package dev.mailfilter.config;

/** What the engine does when a check throws or overruns its deadline. */
public enum FailurePolicy {
  /** Report the symbol and go on scoring with the other checks (Rspamd's behaviour). */
  CONTINUE,
  /** Report the symbol and answer with a temporary failure, so the client retries later. */
  TEMPFAIL
}
