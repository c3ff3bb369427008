package dev.mailfilter.dns;

import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.MimePart;
import dev.mailfilter.mime.ParsedMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The domains of a message the blocklists look at: the From header's, and the hosts of URLs in its
 * text parts (after undoing base64 and quoted-printable). Bounded: at most {@link #MAX_HOSTS} hosts
 * from at most {@link #MAX_SCAN} bytes of text.
 */
final class MessageDomains {
  static final int MAX_HOSTS = 100;
  static final int MAX_SCAN = 4 * 1024 * 1024;

  private static final Pattern URL =
      Pattern.compile("(?i)(?:https?://|www\\.)([a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)");
  private static final Pattern FROM_DOMAIN = Pattern.compile("@([A-Za-z0-9.-]+)\\s*>?\\s*$");

  private MessageDomains() {}

  record Found(Optional<String> fromDomain, List<String> urlHosts) {}

  static Found extract(byte[] raw) {
    ParsedMessage m = MessageParser.create().parse(raw);
    Optional<String> from =
        m.headers()
            .firstValue("From")
            .flatMap(
                v -> {
                  Matcher x = FROM_DOMAIN.matcher(v.strip());
                  return x.find() ? Optional.of(x.group(1)) : Optional.empty();
                });
    Set<String> hosts = new LinkedHashSet<>();
    int budget = MAX_SCAN;
    for (MimePart p : m.leaves()) {
      if (!p.mediaType().startsWith("text/") || budget <= 0 || hosts.size() >= MAX_HOSTS) {
        continue;
      }
      byte[] body = p.rawBody().toByteArray();
      String cte =
          p.headers()
              .firstValue("Content-Transfer-Encoding")
              .orElse("")
              .strip()
              .toLowerCase(Locale.ROOT);
      byte[] decoded =
          switch (cte) {
            case "base64" -> base64(body);
            case "quoted-printable" -> quotedPrintable(body);
            default -> body;
          };
      int n = Math.min(decoded.length, budget);
      budget -= n;
      Matcher u = URL.matcher(new String(decoded, 0, n, StandardCharsets.ISO_8859_1));
      while (u.find() && hosts.size() < MAX_HOSTS) {
        hosts.add(u.group(1).toLowerCase(Locale.ROOT));
      }
    }
    return new Found(from, new ArrayList<>(hosts));
  }

  private static byte[] base64(byte[] body) {
    try {
      return Base64.getMimeDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      return body; // broken base64: scan what is there
    }
  }

  private static byte[] quotedPrintable(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
    for (int i = 0; i < b.length; i++) {
      if (b[i] != '=') {
        out.write(b[i]);
      } else if (i + 1 < b.length && (b[i + 1] == '\n' || b[i + 1] == '\r')) {
        i += (b[i + 1] == '\r' && i + 2 < b.length && b[i + 2] == '\n') ? 2 : 1;
      } else if (i + 2 < b.length
          && Character.digit(b[i + 1], 16) >= 0
          && Character.digit(b[i + 2], 16) >= 0) {
        out.write(Character.digit(b[i + 1], 16) * 16 + Character.digit(b[i + 2], 16));
        i += 2;
      } else {
        out.write(b[i]);
      }
    }
    return out.toByteArray();
  }
}
