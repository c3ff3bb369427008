package dev.mailfilter.dns;

import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.url.MessageUrls;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The domains of a message the blocklists look at: the From header's, and the hosts of the URLs
 * that {@link MessageUrls} extracted once for every check of the transaction. Bounded: at most
 * {@link #MAX_HOSTS} hosts.
 */
final class MessageDomains {
  static final int MAX_HOSTS = 100;

  private static final Pattern FROM_DOMAIN = Pattern.compile("@([A-Za-z0-9.-]+)\\s*>?\\s*$");

  private MessageDomains() {}

  record Found(Optional<String> fromDomain, List<String> urlHosts) {}

  static Found extract(ParsedMessage m, MessageUrls urls) {
    Optional<String> from =
        m.headers()
            .firstValue("From")
            .flatMap(
                v -> {
                  Matcher x = FROM_DOMAIN.matcher(v.strip());
                  return x.find() ? Optional.of(x.group(1)) : Optional.empty();
                });
    List<String> hosts = new ArrayList<>();
    for (String h : urls.hosts()) {
      if (hosts.size() >= MAX_HOSTS) {
        break;
      }
      hosts.add(h);
    }
    return new Found(from, hosts);
  }
}
