package dev.mailfilter.checks;

import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.mime.Address;
import dev.mailfilter.mime.AddressParser;
import dev.mailfilter.mime.HeaderField;
import dev.mailfilter.mime.Headers;
import dev.mailfilter.mime.Mailbox;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;

/**
 * The header fields every message must have (RFC 5322 section 3.6: Date and From; Message-ID should
 * be there), whether they parse, and whether the Date is plausible: a date far in the future sorts
 * spam to the top of a mailbox, one far in the past marks a stale or replayed message. "Now" comes
 * from a {@link Clock} so that tests are deterministic.
 */
public final class HeaderCheck extends LocalCheck {
  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of("MISSING_DATE", 1.0, "the Date header is missing"),
          SymbolDef.of("INVALID_DATE", 1.5, "the Date header is not an RFC 5322 date"),
          SymbolDef.of("DATE_IN_FUTURE", 4.0, "the Date is further ahead than future_skew"),
          SymbolDef.of("DATE_IN_PAST", 1.0, "the Date is older than past_skew"),
          SymbolDef.of("MISSING_MID", 2.5, "the Message-ID header is missing"),
          SymbolDef.of("INVALID_MSGID", 1.7, "the Message-ID is not <local@domain>"),
          SymbolDef.of("MISSING_FROM", 2.0, "the From header is missing"),
          SymbolDef.of("INVALID_FROM", 2.0, "the From header holds no parseable address"),
          SymbolDef.of("MULTIPLE_FROM", 4.0, "more than one From header"));

  private final Clock clock;
  private final Duration futureSkew;
  private final Duration pastSkew;

  private HeaderCheck(Clock clock, Duration futureSkew, Duration pastSkew) {
    super("headers", Stage.HEADERS, SYMBOLS);
    this.clock = clock;
    this.futureSkew = futureSkew;
    this.pastSkew = pastSkew;
  }

  /** Factory for {@code checks.headers}: options {@code future_skew}, {@code past_skew}. */
  public static HeaderCheck create(CheckSetup setup) {
    return create(setup, Clock.systemUTC());
  }

  /** A check reading "now" from {@code clock}. */
  public static HeaderCheck create(CheckSetup setup, Clock clock) {
    ConfigNode o = setup.options();
    return new HeaderCheck(
        clock,
        o.duration("future_skew", Duration.ofHours(3)),
        o.duration("past_skew", Duration.ofDays(4)));
  }

  @Override
  public void run(CheckContext ctx) {
    Headers h = ctx.message().headers();
    Optional<HeaderField> date = h.first("Date");
    if (date.isEmpty()) {
      ctx.addSymbol("MISSING_DATE");
    } else {
      Optional<ZonedDateTime> d = MailDates.parse(date.get().value());
      if (d.isEmpty()) {
        ctx.addSymbol("INVALID_DATE", clip(date.get().value()));
      } else {
        // Judged against when the message arrived, as SpamAssassin's DATE_IN_PAST_* rules do:
        // the newest Received timestamp (not the clock), so that stored mail, a corpus or the
        // sample messages scanned years later keep their verdict. The clock only without one.
        Instant now = clock.instant();
        Optional<Instant> received = newestReceived(h, now);
        if (received.isPresent()) {
          now = received.get();
        }
        Instant sent = d.get().toInstant();
        if (sent.isAfter(now.plus(futureSkew))) {
          ctx.addSymbol("DATE_IN_FUTURE", hours(Duration.between(now, sent)));
        } else if (sent.isBefore(now.minus(pastSkew))) {
          ctx.addSymbol("DATE_IN_PAST", hours(Duration.between(sent, now)));
        }
      }
    }
    Optional<String> mid = h.firstValue("Message-ID");
    if (mid.isEmpty()) {
      ctx.addSymbol("MISSING_MID");
    } else if (!isMessageId(MailDates.stripComments(mid.get()).strip())) {
      ctx.addSymbol("INVALID_MSGID", clip(mid.get()));
    }
    List<HeaderField> froms = h.all("From");
    if (froms.isEmpty()) {
      ctx.addSymbol("MISSING_FROM");
      return;
    }
    if (froms.size() > 1) {
      ctx.addSymbol("MULTIPLE_FROM");
    }
    List<Address> parsed = AddressParser.parseList(froms.get(0).value(), d -> {});
    boolean any = false;
    for (Address a : parsed) {
      any |= a instanceof Mailbox m && !m.localPart().isEmpty() && !m.domain().isEmpty();
    }
    if (!any) {
      ctx.addSymbol("INVALID_FROM", clip(froms.get(0).value()));
    }
  }

  /**
   * The latest parseable Received timestamp that is not ahead of {@code now} (a hop with a clock in
   * the future must not make an honest Date look old).
   */
  private static Optional<Instant> newestReceived(Headers h, Instant now) {
    Instant newest = null;
    for (HeaderField f : h.all("Received")) {
      String v = f.value();
      int semi = v.lastIndexOf(';');
      if (semi < 0) {
        continue;
      }
      Optional<ZonedDateTime> d = MailDates.parse(v.substring(semi + 1));
      if (d.isPresent()) {
        Instant t = d.get().toInstant();
        if (!t.isAfter(now) && (newest == null || t.isAfter(newest))) {
          newest = t;
        }
      }
    }
    return Optional.ofNullable(newest);
  }

  private static String hours(Duration d) {
    return d.toHours() + "h";
  }

  /**
   * Whether a Message-ID has the shape {@code <left@right>}: angle brackets around at least one
   * char, an {@code @}, and at least one char, none of them an angle bracket or white space (the
   * pattern {@code ^<[^<>\s]+@[^<>\s]+>$}, written out because it runs on every message).
   */
  static boolean isMessageId(String s) {
    int n = s.length();
    if (n < 5 || s.charAt(0) != '<' || s.charAt(n - 1) != '>') {
      return false;
    }
    boolean at = false;
    for (int i = 1; i < n - 1; i++) {
      char c = s.charAt(i);
      if (c == '<' || c == '>' || c == ' ' || (c >= '\t' && c <= '\r')) {
        return false;
      }
      at |= c == '@' && i >= 2 && i <= n - 3;
    }
    return at;
  }

  static String clip(String s) {
    String t = s.strip();
    return t.length() > 60 ? t.substring(0, 60) + "..." : t;
  }
}
