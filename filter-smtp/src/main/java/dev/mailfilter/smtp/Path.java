package dev.mailfilter.smtp;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A reverse-path (MAIL FROM) or forward-path (RCPT TO), parsed by RFC 5321 section 4.1.2 with the
 * UTF-8 of RFC 6531 section 3.3.
 *
 * <p>Parsing decides only syntax. Whether a recipient may be relayed to is the core's decision, so
 * a path keeps what the relay control needs: the domain exactly as sent, a normalised form to look
 * up, and the {@link Form forms} that old MTAs took as routing (the percent hack, bang paths, a
 * quoted {@code @}, a trailing dot, source routes, address literals), each of which may be refused.
 *
 * @param localPart the local part as sent, quotes and backslashes included; empty only for the null
 *     path
 * @param domain the domain or address literal as sent (brackets included, trailing dot kept); empty
 *     for the null path and for {@code <postmaster>}
 * @param normalizedDomain the domain to look up: trailing dot removed, A-labels (IDNA), lower case;
 *     for an address literal the brackets around the canonical address text ({@code [192.0.2.1]},
 *     {@code [IPv6:2001:db8::1]}); empty when {@code domain} is
 * @param sourceRoute the {@code @host} list of a source route, as sent, without the {@code @}s;
 *     ignored for delivery (RFC 5321 appendix C) but kept for logs
 * @param forms the notable forms of this path
 */
record Path(
    String localPart,
    String domain,
    String normalizedDomain,
    List<String> sourceRoute,
    Set<Form> forms) {

  /** Forms of a path that a receiver may want to know about, most of them relay hazards. */
  public enum Form {
    /** {@code <@a,@b:user@d>}: RFC 5321 appendix C; the route is ignored. */
    SOURCE_ROUTE,
    /** A {@code %} in the local part: {@code user%other.example@ours.example}. */
    PERCENT_HACK,
    /** A {@code !} in the local part: UUCP's {@code host!user}. */
    BANG_PATH,
    /** The local part is a quoted string. */
    QUOTED_LOCAL_PART,
    /** An {@code @} inside a quoted local part: {@code <"user@other.example"@ours.example>}. */
    AT_IN_LOCAL_PART,
    /** The domain ends with a dot: {@code user@ours.example.}. */
    TRAILING_DOT,
    /** The domain is an address literal: {@code user@[192.0.2.1]}. */
    ADDRESS_LITERAL,
    /** The path holds non-ASCII characters (RFC 6531), allowed only with {@code SMTPUTF8}. */
    UTF8
  }

  /** The null reverse-path {@code <>}. */
  public static final Path NULL = new Path("", "", "", List.of(), Set.of());

  public Path {
    Objects.requireNonNull(localPart, "localPart");
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(normalizedDomain, "normalizedDomain");
    sourceRoute = List.copyOf(sourceRoute);
    forms = forms.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(forms));
    if (localPart.isEmpty() && !domain.isEmpty()) {
      throw new IllegalArgumentException("a path with a domain needs a local part: @" + domain);
    }
  }

  /** Whether this is the null path {@code <>}, valid in MAIL FROM only. */
  public boolean isNull() {
    return localPart.isEmpty();
  }

  /**
   * Whether this is {@code <postmaster>} without a domain, valid in RCPT TO only (RFC 5321 section
   * 4.1.1.3).
   */
  public boolean isPostmaster() {
    return !localPart.isEmpty() && domain.isEmpty();
  }

  /** Whether the path has the given form. */
  public boolean has(Form form) {
    return forms.contains(form);
  }

  /**
   * The mailbox as sent, without brackets or source route: {@code user@example.com}, {@code
   * postmaster}, or empty for the null path. What the core's session takes.
   */
  public String mailbox() {
    return domain.isEmpty() ? localPart : localPart + "@" + domain;
  }

  /** The path as it goes on the wire to the next hop: {@code <mailbox>}, the route dropped. */
  @Override
  public String toString() {
    return "<" + mailbox() + ">";
  }
}
