package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Optional;

/**
 * The outcome of one SPF evaluation ({@code check_host()} of RFC 7208 section 4) for one identity.
 *
 * @param code the result, as RFC 7208 section 2.6 defines it
 * @param identity which identity was checked
 * @param domain the domain whose policy was evaluated (the sender's domain, or the HELO name)
 * @param sender the {@code <sender>} argument: the MAIL FROM address, or {@code postmaster@<helo>}
 * @param explanation for {@link Code#FAIL} only: the domain's explanation ({@code exp=}) or the
 *     receiver's default, macro-expanded
 * @param reason a short text for logs and symbols: the directive that matched or the error
 */
public record SpfResult(
    Code code,
    Identity identity,
    String domain,
    String sender,
    Optional<String> explanation,
    String reason) {

  /** Validates. */
  public SpfResult {
    requireNonNull(code, "code");
    requireNonNull(identity, "identity");
    requireNonNull(domain, "domain");
    requireNonNull(sender, "sender");
    requireNonNull(explanation, "explanation");
    requireNonNull(reason, "reason");
  }

  /** The seven results of RFC 7208 section 2.6. */
  public enum Code {
    /** No syntactically valid domain, or no SPF record. */
    NONE,
    /** The domain states nothing about the client ({@code ?}, or no directive matched). */
    NEUTRAL,
    /** The client is authorized. */
    PASS,
    /** The client is not authorized ({@code -}). */
    FAIL,
    /** The client is probably not authorized ({@code ~}). */
    SOFTFAIL,
    /** A transient DNS error (a timeout, SERVFAIL): a later retry may succeed. */
    TEMPERROR,
    /** The domain's records cannot be interpreted: a syntax error, a limit exceeded. */
    PERMERROR;

    /** The lower-case keyword used in {@code Received-SPF} and {@code Authentication-Results}. */
    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The identity an evaluation authorizes (RFC 7208 section 2.3 and 2.4). */
  public enum Identity {
    /** The MAIL FROM address ({@code smtp.mailfrom}); with the null sender, its HELO stand-in. */
    MAILFROM,
    /** The HELO/EHLO name ({@code smtp.helo}). */
    HELO
  }
}
