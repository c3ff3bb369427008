package dev.mailfilter.auth;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One authentication method's result as {@code Authentication-Results} reports it (RFC 8601 section
 * 2.2 {@code resinfo}): {@code dkim=pass reason="..." header.d=example.org header.s=sel}. Every
 * method (SPF, DKIM, DMARC, ARC, iprev) gives its results as these, so the header is built in one
 * place whatever the method.
 *
 * @param method the method keyword, {@code spf}, {@code dkim}, {@code dmarc}, {@code arc}, {@code
 *     iprev}
 * @param result the result keyword, {@code pass}, {@code fail}, {@code none}, ...
 * @param reason a human-readable reason ({@code reason="..."}), if any
 * @param properties what was checked ({@code smtp.mailfrom}, {@code header.d}, {@code
 *     policy.dmarc}), in order
 * @param comment a comment written after the result, if any
 */
public record MethodResult(
    String method,
    String result,
    Optional<String> reason,
    List<Property> properties,
    Optional<String> comment) {

  /** Validates: keywords as RFC 8601 defines them, text without line breaks. */
  public MethodResult {
    requireNonNull(method, "method");
    requireNonNull(result, "result");
    requireNonNull(reason, "reason");
    requireNonNull(comment, "comment");
    checkArgument(isKeyword(method), "method is not a keyword: %s", method);
    checkArgument(isKeyword(result), "result is not a keyword: %s", result);
    reason.ifPresent(r -> checkArgument(isText(r), "reason has a control character: %s", r));
    comment.ifPresent(c -> checkArgument(isText(c), "comment has a control character: %s", c));
    properties = List.copyOf(properties);
  }

  /** A result with no reason, properties or comment: {@code MethodResult.of("spf", "pass")}. */
  public static MethodResult of(String method, String result) {
    return new MethodResult(method, result, Optional.empty(), List.of(), Optional.empty());
  }

  /** This result with a reason. */
  public MethodResult withReason(String reason) {
    return new MethodResult(method, result, Optional.of(reason), properties, comment);
  }

  /** This result with a comment. */
  public MethodResult withComment(String comment) {
    return new MethodResult(method, result, reason, properties, Optional.of(comment));
  }

  /**
   * This result with one more property: {@code with("smtp", "mailfrom", "a@example.org")}.
   *
   * @throws IllegalArgumentException for a type or name that is not a keyword
   */
  public MethodResult with(String type, String name, String value) {
    List<Property> ps = new ArrayList<>(properties);
    ps.add(new Property(type, name, value));
    return new MethodResult(method, result, reason, ps, comment);
  }

  /** The value of the first property {@code type.name} (without case), if there is one. */
  public Optional<String> property(String type, String name) {
    for (Property p : properties) {
      if (p.type().equalsIgnoreCase(type) && p.name().equalsIgnoreCase(name)) {
        return Optional.of(p.value());
      }
    }
    return Optional.empty();
  }

  /** The method in lower case, for comparisons. */
  public String methodKey() {
    return method.toLowerCase(Locale.ROOT);
  }

  /**
   * A property: {@code type.name=value}, as {@code smtp.mailfrom=a@example.org}.
   *
   * @param type {@code smtp}, {@code header}, {@code body}, {@code policy}
   * @param name the property, {@code mailfrom}, {@code d}, {@code from}
   * @param value the value, unquoted
   */
  public record Property(String type, String name, String value) {
    /** Validates. */
    public Property {
      requireNonNull(value, "value");
      checkArgument(isKeyword(type), "property type is not a keyword: %s", type);
      checkArgument(isKeyword(name), "property name is not a keyword: %s", name);
      checkArgument(isText(value), "property value has a control character: %s", value);
    }
  }

  /** RFC 8601 {@code Keyword}: a letter or digit, then letters, digits and inner hyphens. */
  static boolean isKeyword(String s) {
    if (s.isEmpty() || !letDig(s.charAt(0)) || !letDig(s.charAt(s.length() - 1))) {
      return false;
    }
    for (int i = 1; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (!letDig(c) && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean letDig(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  /** Printable text on one line: no controls (tab allowed), any other Unicode. */
  static boolean isText(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return false;
      }
    }
    return true;
  }
}
