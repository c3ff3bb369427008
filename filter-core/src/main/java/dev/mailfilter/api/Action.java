package dev.mailfilter.api;

/**
 * What happens to a message, from mildest to most severe. The order matters: when several outcomes
 * apply (a score threshold and an action forced by a check), the most severe one wins.
 */
public enum Action {
  /** Deliver unchanged (apart from informational headers). */
  ACCEPT,
  /** Deliver with the spam headers ({@code X-Spam-Flag: YES}). */
  ADD_HEADER,
  /** Deliver with the spam headers and a tagged subject. */
  REWRITE_SUBJECT,
  /** Accept from the client but hold the message instead of delivering it. */
  QUARANTINE,
  /** Refuse temporarily so that a legitimate sender retries (needs a greylist store). */
  GREYLIST,
  /** Refuse temporarily (4xx) without greylisting semantics. */
  SOFT_REJECT,
  /** Refuse permanently (5xx). */
  REJECT,
  /** Accept from the client and drop silently. */
  DISCARD,
  /** Refuse temporarily because the filter could not decide (a failed check, an overload). */
  TEMPFAIL;

  /**
   * Whether this action means the message was judged spam: tagged, held, refused or dropped. A
   * temporary failure or greylisting is no judgement.
   */
  public boolean isSpam() {
    return switch (this) {
      case ADD_HEADER, REWRITE_SUBJECT, QUARANTINE, REJECT, DISCARD -> true;
      case ACCEPT, GREYLIST, SOFT_REJECT, TEMPFAIL -> false;
    };
  }

  /** Whether the client is refused during the SMTP transaction (4xx or 5xx reply). */
  public boolean refusesClient() {
    return switch (this) {
      case GREYLIST, SOFT_REJECT, REJECT, TEMPFAIL -> true;
      case ACCEPT, ADD_HEADER, REWRITE_SUBJECT, QUARANTINE, DISCARD -> false;
    };
  }

  // Worked out once: parsers ask for every action's spelling for each mapping they read.
  private final String configName = name().toLowerCase(java.util.Locale.ROOT);

  /** The configuration spelling of this action: lower case with underscores. */
  public String configName() {
    return configName;
  }
}
