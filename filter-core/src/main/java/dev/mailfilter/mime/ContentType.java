package dev.mailfilter.mime;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed Content-Type (RFC 2045 section 5): lower-case type and subtype, and the parameters with
 * lower-case names and RFC 2231 continuations joined and charsets decoded.
 *
 * @param type the primary type, lower case ({@code "text"})
 * @param subtype the subtype, lower case ({@code "plain"})
 * @param parameters parameters by lower-case name, in header order
 */
public record ContentType(String type, String subtype, Map<String, String> parameters) {
  /** The RFC 2045 section 5.2 default: {@code text/plain; charset=us-ascii}. */
  public static final ContentType DEFAULT =
      new ContentType("text", "plain", Map.of("charset", "us-ascii"));

  /** Validates and copies the parameters. */
  public ContentType {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(subtype, "subtype");
    parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
  }

  /** {@code type/subtype}. */
  public String mediaType() {
    return type + "/" + subtype;
  }

  /** A parameter by name, ignoring case. */
  public Optional<String> parameter(String name) {
    return Optional.ofNullable(parameters.get(name.toLowerCase(Locale.ROOT)));
  }

  /** Whether the type is {@code multipart}. */
  public boolean isMultipart() {
    return type.equals("multipart");
  }
}
