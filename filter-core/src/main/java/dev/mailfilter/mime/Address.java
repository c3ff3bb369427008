package dev.mailfilter.mime;

/**
 * One entry of an RFC 5322 section 3.4 address list: a single {@link Mailbox} or a named {@link
 * Group} of mailboxes. Sealed, so a {@code switch} over the two needs no default.
 */
public sealed interface Address permits Mailbox, Group {}
