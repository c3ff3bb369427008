package dev.mailfilter.cluster.events;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.spi.VerdictObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One verdict or refusal of a node, as the spam-source map, the statistics and message tracking see
 * it. Sizes are capped ({@link #MAX_RECIPIENTS}, {@link #MAX_SYMBOLS}, {@link #MAX_TEXT}) so that
 * the store of the last N events has a bound per event whatever the mail.
 *
 * @param time when the outcome was reached
 * @param node the node that judged it
 * @param transactionId the core's transaction id (as in the verdict log line)
 * @param queueId the server's queue id, empty when none
 * @param client the client's address as text
 * @param country the client's ISO 3166-1 alpha-2 country, upper case; empty when unknown
 * @param asn the client's autonomous system number; 0 when unknown
 * @param asOrg the autonomous system's organisation; empty when unknown
 * @param action the action
 * @param score the score
 * @param required the spam threshold that applied; infinite when none
 * @param symbols the symbols by falling absolute score, at most {@link #MAX_SYMBOLS}, each with at
 *     most {@link #MAX_OPTIONS} options of at most half {@link #MAX_TEXT}
 * @param tenant the tenant of the first known recipient ({@code acme/bakery/bakery.example}); empty
 *     when none is known (a refusal before RCPT, an unconfigured domain)
 * @param sender the envelope sender, empty for a bounce or before MAIL FROM
 * @param recipients the first {@link #MAX_RECIPIENTS} recipients
 * @param moreRecipients how many recipients were left out
 * @param beforeData whether the message was refused before its data
 */
public record VerdictEvent(
    Instant time,
    String node,
    String transactionId,
    String queueId,
    String client,
    String country,
    long asn,
    String asOrg,
    Action action,
    double score,
    double required,
    List<Symbol> symbols,
    String tenant,
    String sender,
    List<String> recipients,
    int moreRecipients,
    boolean beforeData) {
  /** Recipients kept per event. */
  public static final int MAX_RECIPIENTS = 5;

  /** Symbols kept per event, the strongest first. */
  public static final int MAX_SYMBOLS = 12;

  /** Characters kept of any one text (an address, a reason, a name). */
  public static final int MAX_TEXT = 200;

  public VerdictEvent {
    Objects.requireNonNull(time, "time");
    node = cap(node);
    transactionId = cap(transactionId);
    queueId = cap(queueId);
    client = cap(client);
    country = cap(country).toUpperCase(Locale.ROOT);
    if (asn < 0) {
      throw new IllegalArgumentException("negative ASN " + asn);
    }
    asOrg = cap(asOrg);
    Objects.requireNonNull(action, "action");
    List<Symbol> s = new ArrayList<>(symbols);
    s.sort(Comparator.comparingDouble((Symbol x) -> -Math.abs(x.score())));
    List<Symbol> kept = new ArrayList<>(Math.min(s.size(), MAX_SYMBOLS));
    for (Symbol x : s.subList(0, Math.min(s.size(), MAX_SYMBOLS))) {
      kept.add(capOptions(x));
    }
    symbols = List.copyOf(kept);
    tenant = cap(tenant);
    sender = cap(sender);
    if (moreRecipients < 0) {
      throw new IllegalArgumentException("negative moreRecipients " + moreRecipients);
    }
    if (recipients.size() > MAX_RECIPIENTS) {
      moreRecipients += recipients.size() - MAX_RECIPIENTS;
      recipients = recipients.subList(0, MAX_RECIPIENTS);
    }
    recipients = recipients.stream().map(VerdictEvent::cap).toList();
  }

  /** The event of an engine's outcome, with the client's place. */
  public static VerdictEvent of(VerdictObserver.Outcome o, GeoIp.Place place, String node) {
    return new VerdictEvent(
        o.time(),
        node,
        o.transactionId(),
        o.queueId().orElse(""),
        o.connection().clientAddress().getHostAddress(),
        place.country(),
        place.asn(),
        place.asOrg(),
        o.action(),
        o.score(),
        o.required(),
        o.symbols(),
        o.tenants().isEmpty() ? "" : o.tenants().get(0),
        o.sender(),
        o.recipients(),
        0,
        o.beforeData());
  }

  /** Whether the message counts as a spam source: refused, quarantined or over the threshold. */
  public boolean spam() {
    return switch (action) {
      case REJECT, QUARANTINE, DISCARD -> true;
      case ACCEPT, TEMPFAIL -> false;
      default -> score >= required;
    };
  }

  /** The domains of the recipients, lower case. */
  public List<String> recipientDomains() {
    List<String> out = new ArrayList<>(recipients.size());
    for (String r : recipients) {
      int at = r.lastIndexOf('@');
      String d = at < 0 ? "" : r.substring(at + 1).toLowerCase(Locale.ROOT);
      if (!d.isEmpty() && !out.contains(d)) {
        out.add(d);
      }
    }
    return out;
  }

  /** Options kept per symbol. */
  public static final int MAX_OPTIONS = 3;

  /** The stored form: one line, as {@code EventCodec} writes it. */
  public String encoded() {
    return EventCodec.encode(this);
  }

  /**
   * An event of its stored form.
   *
   * @throws IllegalArgumentException naming what is wrong with the line
   */
  public static VerdictEvent decode(String line) {
    return EventCodec.decode(line);
  }

  private static Symbol capOptions(Symbol x) {
    List<String> o = x.options();
    boolean fits = o.size() <= MAX_OPTIONS;
    for (String s : o) {
      fits &= s.length() <= MAX_TEXT / 2;
    }
    if (fits) {
      return x;
    }
    List<String> kept = new ArrayList<>();
    for (String s : o.subList(0, Math.min(o.size(), MAX_OPTIONS))) {
      kept.add(s.length() <= MAX_TEXT / 2 ? s : s.substring(0, MAX_TEXT / 2));
    }
    return new Symbol(x.name(), x.score(), kept);
  }

  private static String cap(String s) {
    Objects.requireNonNull(s);
    return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
  }
}
