package dev.mailfilter.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * What a message offers the blocklists; a stage looks at the parts known by then.
 *
 * @param clientIp the connecting client's address (IP lists)
 * @param helo the HELO/EHLO name (domain lists, from stage HELO)
 * @param mailFrom the envelope sender address or its domain (domain lists, from stage MAIL)
 * @param fromHeader the From header's address or domain (domain lists at DATA)
 * @param urlHosts host names of URLs in the message (URI lists at DATA), reduced to registrable
 *     domains and capped at {@link Dnsbl#MAX_URI_DOMAINS}
 */
public record DnsblRequest(
    Optional<InetAddress> clientIp,
    Optional<String> helo,
    Optional<String> mailFrom,
    Optional<String> fromHeader,
    List<String> urlHosts) {

  /** Copies the list. */
  public DnsblRequest {
    urlHosts = List.copyOf(urlHosts);
  }

  /** A request with only the client address. */
  public static DnsblRequest ofClient(InetAddress clientIp) {
    return new DnsblRequest(
        Optional.of(clientIp), Optional.empty(), Optional.empty(), Optional.empty(), List.of());
  }
}
