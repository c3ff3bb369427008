/**
 * SpamAssassin rule compatibility: reads SpamAssassin {@code .cf} rule files ({@link
 * dev.mailfilter.sa.RuleSet}), translates their Perl regular expressions to Java's, and runs them
 * as the {@code spamassassin} check ({@link dev.mailfilter.sa.SpamAssassinCheck}), each hit a
 * symbol scored as SpamAssassin scores it. What is supported and what not: docs/spamassassin.md.
 */
package dev.mailfilter.sa;
