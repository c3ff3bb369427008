package dev.mailfilter.checks;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.net.InetAddress;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Received chains that cannot be true (SpamAssassin's FORGED_RCVD and RCVD_ILLEGAL_IP family): a
 * hop below our own that claims to be this server by name or address, timestamps that go backwards
 * down the chain by more than a clock's skew, and Received fields without a parseable date. Our own
 * topmost field (added by the MTA in front of a milter) is skipped.
 */
public final class ReceivedCheck extends LocalCheck {
  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of(
              "FORGED_RECEIVED", 3.0, "a Received hop below ours claims to be this server"),
          SymbolDef.of(
              "RCVD_DATE_BACKWARDS", 1.0, "Received timestamps go backwards by over max_backwards"),
          SymbolDef.of("RCVD_MALFORMED", 0.5, "a Received field has no parseable date"));

  /** Fields looked at; a longer chain is a loop or a forgery anyway. */
  static final int MAX_FIELDS = 50;

  private static final Pattern BY = Pattern.compile("(?i)\\bby\\s+([^\\s;()]+)");
  private static final Pattern IPV4 =
      Pattern.compile("(?<![\\d.])(\\d{1,3}(?:\\.\\d{1,3}){3})(?![\\d.])");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*");

  private final Set<String> localNames;
  private final Set<InetAddress> localAddresses;
  private final Duration maxBackwards;

  private ReceivedCheck(Set<String> names, Set<InetAddress> addresses, Duration maxBackwards) {
    super("received", Stage.HEADERS, SYMBOLS);
    this.localNames = Set.copyOf(names);
    this.localAddresses = Set.copyOf(addresses);
    this.maxBackwards = maxBackwards;
  }

  /**
   * Factory for {@code checks.received}: options {@code local_names}, {@code local_addresses},
   * {@code max_backwards}.
   */
  public static ReceivedCheck create(CheckSetup setup) {
    ConfigNode o = setup.options();
    LocalHosts local = LocalHosts.read(o);
    return new ReceivedCheck(
        local.names(), local.addresses(), o.duration("max_backwards", Duration.ofHours(6)));
  }

  @Override
  public void run(CheckContext ctx) {
    List<HeaderField> fields = ctx.message().headers().all("Received");
    int n = Math.min(fields.size(), MAX_FIELDS);
    boolean clientIsLocal = ctx.connection().clientAddress().isLoopbackAddress();
    ZonedDateTime newer = null;
    for (int i = 0; i < n; i++) {
      String v = fields.get(i).value();
      int semi = v.lastIndexOf(';');
      Optional<ZonedDateTime> date =
          semi < 0 ? Optional.empty() : MailDates.parse(v.substring(semi + 1));
      if (date.isEmpty()) {
        ctx.addSymbol("RCVD_MALFORMED", HeaderCheck.clip(v));
      } else {
        if (newer != null && date.get().toInstant().isAfter(newer.toInstant().plus(maxBackwards))) {
          ctx.addSymbol("RCVD_DATE_BACKWARDS", "hop " + (i + 1));
        }
        newer = date.get();
      }
      boolean ours = i == 0 && knowsUs() && claimsUs(by(v));
      if (!ours && !clientIsLocal && (claimsUs(v.substring(0, semi < 0 ? v.length() : semi)))) {
        ctx.addSymbol("FORGED_RECEIVED", HeaderCheck.clip(v));
      }
    }
  }

  private static String by(String v) {
    Matcher m = BY.matcher(v);
    return m.find() ? m.group(1) : "";
  }

  /** Whether any names or addresses are ours: without, the "by" part need not be found. */
  private boolean knowsUs() {
    return !localNames.isEmpty() || !localAddresses.isEmpty();
  }

  /** True when the text names one of our host names or addresses. */
  private boolean claimsUs(String text) {
    if (!knowsUs()) {
      return false;
    }
    Matcher ip = IPV4.matcher(text);
    while (ip.find()) {
      if (InetAddresses.isInetAddress(ip.group(1))
          && localAddresses.contains(InetAddresses.forString(ip.group(1)))) {
        return true;
      }
    }
    Matcher name = NAME.matcher(text);
    while (name.find()) {
      String t = name.group().toLowerCase(Locale.ROOT);
      t = t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
      if (localNames.contains(t)) {
        return true;
      }
    }
    return false;
  }
}
