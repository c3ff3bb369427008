package dev.mailfilter.dns.mirror;

import java.net.Inet4Address;
import java.util.Optional;

/**
 * A listing answered by a local mirror, as rbldnsd would have answered it over DNS.
 *
 * @param code the A record (e.g. 127.0.0.2)
 * @param txt the expanded TXT record, if the zone gives one
 */
public record MirrorHit(Inet4Address code, Optional<String> txt) {}
