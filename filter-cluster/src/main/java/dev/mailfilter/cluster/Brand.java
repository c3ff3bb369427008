package dev.mailfilter.cluster;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A reseller's white label, used in replies, digests and pages: the name customers see, the support
 * address, an optional logo (a URL), colours by role ({@code primary}, {@code accent}..., each
 * {@code #rrggbb}) and the host names its pages are served under.
 */
public record Brand(
    String name,
    String supportAddress,
    Optional<String> logoUrl,
    Map<String, String> colours,
    List<String> hostNames) {

  private static final Pattern COLOUR = Pattern.compile("#[0-9a-fA-F]{6}");
  private static final Pattern ROLE = Pattern.compile("[a-z][a-z0-9_]{0,31}");

  /** Checks every field; an {@link IllegalArgumentException} names the field and the reason. */
  public Brand {
    Objects.requireNonNull(logoUrl, "logoUrl");
    if (name == null || name.isBlank() || name.length() > 200) {
      throw new IllegalArgumentException("brand.name: required, at most 200 characters");
    }
    if (supportAddress == null
        || supportAddress.indexOf('@') < 1
        || supportAddress.indexOf('@') == supportAddress.length() - 1
        || supportAddress.chars().anyMatch(c -> c <= ' ')) {
      throw new IllegalArgumentException(
          "brand.support_address: expected an address, got \"" + supportAddress + "\"");
    }
    logoUrl.ifPresent(
        u -> {
          if (!(u.startsWith("https://") || u.startsWith("http://"))
              || u.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException(
                "brand.logo_url: expected an http(s) URL, got \"" + u + "\"");
          }
        });
    colours = Map.copyOf(new TreeMap<>(colours));
    colours.forEach(
        (role, c) -> {
          if (!ROLE.matcher(role).matches()) {
            throw new IllegalArgumentException(
                "brand.colours: not a colour role: \"" + role + "\"");
          }
          if (c == null || !COLOUR.matcher(c).matches()) {
            throw new IllegalArgumentException(
                "brand.colours." + role + ": expected #rrggbb, got \"" + c + "\"");
          }
        });
    hostNames =
        hostNames.stream()
            .map(
                h -> {
                  try {
                    return new TenantPath.Segment(TenantPath.Kind.DOMAIN, h).name();
                  } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                        "brand.host_names: not a host name: \"" + h + "\"", e);
                  }
                })
            .toList();
  }
}
