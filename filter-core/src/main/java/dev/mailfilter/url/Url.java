package dev.mailfilter.url;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * One URL found in a message.
 *
 * @param url the URL as written (character references and transfer encodings undone), at most
 *     {@link MessageUrls#MAX_URL_LENGTH} characters
 * @param host the host, lower case, without a trailing dot; for an IP literal the canonical address
 *     text ({@code 192.168.1.1}, {@code 2001:db8::1})
 * @param registrableDomain the domain one below its public suffix ({@code example.co.uk} for {@code
 *     www.example.co.uk}, per Guava's public suffix list); the host itself for an IP literal or a
 *     host under no known suffix
 * @param address the address when the host is an IP literal, in any notation a browser accepts
 *     (dotted quad, a single decimal, hex or octal number, mixed forms)
 * @param obfuscatedAddress true when that notation is not a plain dotted quad or bracketed IPv6
 * @param source where the URL was found
 * @param anchorText for an HTML link, the text the reader clicks; otherwise empty
 */
public record Url(
    String url,
    String host,
    String registrableDomain,
    Optional<InetAddress> address,
    boolean obfuscatedAddress,
    Source source,
    String anchorText) {
  public Url {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(registrableDomain, "registrableDomain");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(anchorText, "anchorText");
  }

  /** True when the host is an IP address rather than a name. */
  public boolean isIpLiteral() {
    return address.isPresent();
  }

  /** Where a URL was found. */
  public enum Source {
    /** In plain text (a text/plain part, or the visible text of an HTML part). */
    TEXT,
    /** The target of an HTML {@code <a href>}, {@code <area href>} or {@code <form action>}. */
    HTML_LINK
  }
}
