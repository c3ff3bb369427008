package dev.mailfilter.auth;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

/**
 * How SPF is evaluated.
 *
 * @param receiver this host's name, the {@code %{r}} macro of explanations (RFC 7208 section 7.2)
 * @param defaultExplanation the explanation of a fail whose domain gives none (macros allowed)
 * @param lookupLimit the most mechanisms and modifiers that cause DNS lookups (RFC 7208 section
 *     4.6.4: 10)
 * @param voidLookupLimit the most lookups that find nothing (RFC 7208 section 4.6.4: 2)
 */
public record SpfSettings(
    String receiver, String defaultExplanation, int lookupLimit, int voidLookupLimit) {
  /** The RFC's limits, receiver {@code unknown} and a short default explanation. */
  public static final SpfSettings DEFAULTS =
      new SpfSettings("unknown", "%{d} does not authorize %{i} to send mail as %{s}", 10, 2);

  /** Validates; messages carry the bad value. */
  public SpfSettings {
    requireNonNull(receiver, "receiver");
    requireNonNull(defaultExplanation, "defaultExplanation");
    checkArgument(
        lookupLimit >= 1 && lookupLimit <= 100, "lookup limit not in [1, 100]: %s", lookupLimit);
    checkArgument(
        voidLookupLimit >= 0 && voidLookupLimit <= 100,
        "void lookup limit not in [0, 100]: %s",
        voidLookupLimit);
  }

  /** These settings with another receiver name. */
  public SpfSettings withReceiver(String receiver) {
    return new SpfSettings(receiver, defaultExplanation, lookupLimit, voidLookupLimit);
  }

  /** These settings with another default explanation. */
  public SpfSettings withDefaultExplanation(String explanation) {
    return new SpfSettings(receiver, explanation, lookupLimit, voidLookupLimit);
  }
}
