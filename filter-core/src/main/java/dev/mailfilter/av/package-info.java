/**
 * Virus scanning with ClamAV's clamd: a client for its INSTREAM protocol over TCP or a Unix domain
 * socket ({@link dev.mailfilter.av.ClamdClient}), its settings ({@link
 * dev.mailfilter.av.ClamdSettings}) and the outcome of a scan as a value ({@link
 * dev.mailfilter.av.ScanResult}).
 *
 * <p>Protocol outcomes (clean, infected, clamd down, too slow, over its size limit, talking
 * nonsense) are values, never exceptions: a mail filter must decide what to do with the message in
 * every one of those cases.
 */
package dev.mailfilter.av;
