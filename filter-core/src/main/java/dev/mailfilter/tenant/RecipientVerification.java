package dev.mailfilter.tenant;

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How a domain's recipients are verified before DATA (its {@code verify_recipients} key), so that
 * mail for mailboxes that do not exist is refused at RCPT rather than accepted and bounced.
 */
public sealed interface RecipientVerification {
  /**
   * A fixed list of the domain's valid local parts: any other gets {@code 550 5.1.1}.
   *
   * @param localParts the valid local parts, lower case (they compare case-insensitively, as the
   *     directory's users do); {@code bob} also admits {@code bob+anything}
   */
  record ValidList(Set<String> localParts) implements RecipientVerification {
    public ValidList {
      localParts = Set.copyOf(localParts);
      checkArgument(!localParts.isEmpty(), "a list of valid recipients must not be empty");
    }

    /** Whether the local part, or its part before {@code +}, is in the list. */
    public boolean accepts(String localPart) {
      String lower = localPart.toLowerCase(Locale.ROOT);
      if (localParts.contains(lower)) {
        return true;
      }
      int plus = lower.indexOf('+');
      return plus > 0 && localParts.contains(lower.substring(0, plus));
    }
  }

  /**
   * Asks the domain's route whether it takes the recipient (EHLO, {@code MAIL FROM:<>}, {@code RCPT
   * TO}, QUIT), and keeps the answer.
   *
   * @param positiveTtl how long a recipient the route accepted is remembered
   * @param negativeTtl how long a recipient the route refused is remembered
   */
  record Callout(Duration positiveTtl, Duration negativeTtl) implements RecipientVerification {
    /**
     * Default for accepted recipients, as Postfix's {@code address_verify_positive_refresh_time}.
     */
    public static final Duration DEFAULT_POSITIVE_TTL = Duration.ofDays(7);

    /**
     * Default for refused recipients, as Postfix's {@code address_verify_negative_refresh_time}.
     */
    public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofHours(3);

    public Callout {
      Objects.requireNonNull(positiveTtl, "positiveTtl");
      Objects.requireNonNull(negativeTtl, "negativeTtl");
      checkArgument(
          !positiveTtl.isNegative() && !negativeTtl.isNegative(),
          "cache times must not be negative: %s, %s",
          positiveTtl,
          negativeTtl);
    }
  }
}
