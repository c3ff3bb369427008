package dev.mailfilter.dns.mirror;

import java.net.Inet4Address;
import java.util.List;

/**
 * A listing answered by a local mirror, as rbldnsd would have answered it over DNS: one A record
 * per distinct value of the entries that match at the most specific level, and their TXT records.
 *
 * @param codes the A records (e.g. 127.0.0.2), never empty
 * @param txt the expanded TXT records, empty when the zone gives none
 */
public record MirrorHit(List<Inet4Address> codes, List<String> txt) {
  /** Copies the lists. */
  public MirrorHit {
    codes = List.copyOf(codes);
    txt = List.copyOf(txt);
  }
}
