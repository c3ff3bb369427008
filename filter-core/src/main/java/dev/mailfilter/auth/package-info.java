/**
 * Email authentication: SPF (RFC 7208) now; DKIM, DMARC and ARC will join it here, each verifier
 * giving its results as immutable values that the checks turn into symbols and that DMARC and the
 * {@code Authentication-Results} header read later in the transaction.
 *
 * <p>Written on the project's dnsjava resolver rather than on Apache James jSPF: jSPF implements
 * RFC 4408 (no void-lookup limit, RFC 4408's processing-limit and record-selection rules) and runs
 * its own resolver and threads, outside the stage deadline and cache every other lookup shares.
 */
package dev.mailfilter.auth;
