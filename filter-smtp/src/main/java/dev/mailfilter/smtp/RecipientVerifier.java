package dev.mailfilter.smtp;

import static dev.mailfilter.smtp.SmtpServer.LOG;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.mailfilter.api.Reply;
import dev.mailfilter.tenant.RecipientVerification;
import dev.mailfilter.tenant.Route;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Verifies recipients before DATA as each domain's {@link RecipientVerification} says: against its
 * list, or by a {@link Callout} to its route whose answers are cached, accepted and refused
 * recipients each for their own time. One per server, shared by its connections; it outlives
 * configuration reloads, so a cache entry is keyed by the route it was asked of.
 *
 * <p>The caches are bounded ({@link #MAX_ENTRIES} each, least recently used out first), so a
 * dictionary attack costs memory only up to that bound. Thread-safe.
 */
final class RecipientVerifier {
  /** Entries per cache (accepted, refused). */
  static final int MAX_ENTRIES = 100_000;

  private final Callout callout;
  private final Ticker ticker;
  private final Cache<String, Long> accepted; // value: when the entry expires, ticker nanos
  private final Cache<String, Refusal> refused;
  private final LongAdder callouts = new LongAdder();
  // Probes under way, by cache key: concurrent RCPTs of one address share the first one's probe
  // (a dictionary attack from many connections asks the route once per address, not once each).
  private final ConcurrentHashMap<String, CompletableFuture<Callout.Result>> inFlight =
      new ConcurrentHashMap<>();

  private record Refusal(Reply reply, long expires) {}

  RecipientVerifier(Callout callout, Ticker ticker) {
    this.callout = Objects.requireNonNull(callout, "callout");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.accepted = CacheBuilder.newBuilder().maximumSize(MAX_ENTRIES).ticker(ticker).build();
    this.refused = CacheBuilder.newBuilder().maximumSize(MAX_ENTRIES).ticker(ticker).build();
  }

  /** How many callouts were made: a cache hit makes none. */
  long callouts() {
    return callouts.sum();
  }

  /**
   * Verifies one recipient of a domain that has a verification.
   *
   * @param address {@code localPart@normalizedDomain}, as relay control looked it up
   * @param localPart the local part as sent
   * @param route the domain's route (a callout asks it)
   * @param log the connection id, for the log line
   * @return empty when the recipient is valid, else the reply to RCPT: {@code 550 5.1.1} for an
   *     unknown recipient, {@code 450 4.1.1} when a callout could not tell
   */
  Optional<Reply> verify(
      String address, String localPart, RecipientVerification v, Route route, String log) {
    return switch (v) {
      case RecipientVerification.ValidList list ->
          list.accepts(localPart)
              ? Optional.empty()
              : Optional.of(unknown(address, Optional.empty()));
      case RecipientVerification.Callout c -> callout(address, c, route, log);
    };
  }

  private Optional<Reply> callout(
      String address, RecipientVerification.Callout c, Route route, String log) {
    String key = route + " " + address;
    long now = ticker.read();
    Long until = accepted.getIfPresent(key);
    if (until != null && now - until < 0) {
      return Optional.empty();
    }
    Refusal no = refused.getIfPresent(key);
    if (no != null && now - no.expires() < 0) {
      return Optional.of(unknown(address, Optional.of(no.reply())));
    }
    Callout.Result r = probeOnce(key, route, address);
    return switch (r) {
      case Callout.Result.Accepted a -> {
        put(accepted, key, Long.valueOf(expiry(c.positiveTtl())), c.positiveTtl());
        yield Optional.empty();
      }
      case Callout.Result.Refused f -> {
        put(refused, key, new Refusal(f.reply(), expiry(c.negativeTtl())), c.negativeTtl());
        LOG.info("smtp {}: callout to {}: {} refused: {}", log, route, address, one(f.reply()));
        yield Optional.of(unknown(address, Optional.of(f.reply())));
      }
      case Callout.Result.Failed f -> {
        // Not cached: the next RCPT asks again (Postfix's unverified_recipient_tempfail_action).
        LOG.warn("smtp {}: callout for {} failed: {}", log, address, f.reason());
        yield Optional.of(
            Reply.of(
                450,
                "4.1.1",
                "<"
                    + address
                    + ">: Recipient address rejected: unverified address: "
                    + f.reason()));
      }
    };
  }

  private Callout.Result probeOnce(String key, Route route, String address) {
    CompletableFuture<Callout.Result> mine = new CompletableFuture<>();
    CompletableFuture<Callout.Result> running = inFlight.putIfAbsent(key, mine);
    if (running != null) {
      return running.join(); // a probe never throws: Callout turns every failure into a Result
    }
    try {
      callouts.increment();
      Callout.Result r = callout.probe(route, address);
      mine.complete(r);
      return r;
    } catch (RuntimeException e) {
      Callout.Result failed = new Callout.Result.Failed("probe failed: " + e);
      mine.complete(failed);
      return failed;
    } finally {
      inFlight.remove(key, mine);
    }
  }

  private static <V> void put(Cache<String, V> cache, String key, V value, Duration ttl) {
    if (ttl.isPositive()) {
      cache.put(key, value);
    }
  }

  private long expiry(Duration ttl) {
    // A year at most: more would overflow nanoseconds, and no mailbox is that stable.
    Duration capped = ttl.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365) : ttl;
    return ticker.read() + capped.toNanos();
  }

  private static String one(Reply r) {
    String enhanced = r.enhanced().isEmpty() ? "" : r.enhanced() + " ";
    return r.code() + " " + enhanced + String.join(" ", r.lines());
  }

  /** {@code 550 5.1.1}, with what the route said when it was asked. */
  private static Reply unknown(String address, Optional<Reply> downstream) {
    String text = "<" + address + ">: Recipient address rejected: ";
    return Reply.of(
        550,
        "5.1.1",
        downstream.isEmpty()
            ? text + "User unknown"
            : text + "undeliverable address: " + one(downstream.get()));
  }
}
