package dev.mailfilter.smtp;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;

/**
 * The ESMTP parameters of RCPT TO: the DSN requests of RFC 3461, kept verbatim for the relay leg.
 *
 * @param notifyOn the {@code NOTIFY} conditions (RFC 3461 section 4.1), empty when not given;
 *     {@code NEVER} stands alone
 * @param orcpt the {@code ORCPT} value as sent, {@code addr-type;xtext} (RFC 3461 section 4.2)
 * @param all every parameter in the order sent, keywords in upper case, values verbatim
 */
record RcptParameters(
    Set<Notify> notifyOn, Optional<String> orcpt, SequencedMap<String, String> all) {

  /** The conditions of {@code NOTIFY=}. */
  public enum Notify {
    NEVER,
    SUCCESS,
    FAILURE,
    DELAY
  }

  /** No parameters. */
  public static final RcptParameters NONE =
      new RcptParameters(Set.of(), Optional.empty(), new LinkedHashMap<>());

  public RcptParameters {
    notifyOn =
        notifyOn.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(notifyOn));
    Objects.requireNonNull(orcpt, "orcpt");
    all = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(all));
  }
}
