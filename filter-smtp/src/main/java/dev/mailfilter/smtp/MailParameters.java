package dev.mailfilter.smtp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SequencedMap;

/**
 * The ESMTP parameters of MAIL FROM, checked against the offered extensions.
 *
 * @param size the declared message size (RFC 1870), if any
 * @param body the declared body type (RFC 6152, RFC 3030), if any
 * @param smtpUtf8 whether {@code SMTPUTF8} was given (RFC 6531 section 3.4)
 * @param ret {@code RET=FULL} or {@code HDRS} (RFC 3461 section 4.3), if any
 * @param envid the {@code ENVID} xtext as sent (RFC 3461 section 4.4), if any
 * @param auth the {@code AUTH=} xtext or {@code <>} as sent (RFC 4954 section 5), if any
 * @param all every parameter in the order sent, keywords in upper case, values verbatim ({@code ""}
 *     for a keyword without value): what the session and the relay leg are given
 */
record MailParameters(
    OptionalLong size,
    Optional<Body> body,
    boolean smtpUtf8,
    Optional<Ret> ret,
    Optional<String> envid,
    Optional<String> auth,
    SequencedMap<String, String> all) {

  /** The body types of {@code BODY=}. */
  public enum Body {
    SEVEN_BIT("7BIT"),
    EIGHT_BIT_MIME("8BITMIME"),
    BINARY_MIME("BINARYMIME");

    private final String keyword;

    Body(String keyword) {
      this.keyword = keyword;
    }

    /** The value as written on the wire. */
    public String keyword() {
      return keyword;
    }
  }

  /** What a DSN should return of the message (RFC 3461 section 4.3). */
  public enum Ret {
    FULL,
    HDRS
  }

  /** No parameters. */
  public static final MailParameters NONE =
      new MailParameters(
          OptionalLong.empty(),
          Optional.empty(),
          false,
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          new LinkedHashMap<>());

  public MailParameters {
    Objects.requireNonNull(size, "size");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(ret, "ret");
    Objects.requireNonNull(envid, "envid");
    Objects.requireNonNull(auth, "auth");
    all = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(all));
  }
}
