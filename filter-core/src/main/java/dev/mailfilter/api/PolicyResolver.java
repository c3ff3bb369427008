package dev.mailfilter.api;

/**
 * Finds the policy of a recipient at RCPT TO. The default resolver gives every recipient the
 * configuration's global policy; a multi-tenant deployment resolves by the recipient's domain.
 * Called on the session's thread; must be thread-safe and fast (cache what it looks up).
 */
@FunctionalInterface
public interface PolicyResolver {
  /** The policy for a recipient address (without angle brackets). */
  Policy resolve(String recipient);
}
