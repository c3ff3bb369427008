package dev.mailfilter.dns;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;

/**
 * The one resolver every network check uses: dnsjava's asynchronous {@link SimpleResolver} per
 * server (no thread per query), retries on the next server after a timeout or SERVFAIL, one
 * deadline for all the queries of a message, and a bounded cache honouring TTLs.
 *
 * <p>The cache is Guava's size-bounded {@link Cache}; Guava expires entries only by a fixed
 * duration, so each entry stores its own expiry instant (from the record TTL, or for NXDOMAIN and
 * NODATA from the SOA as RFC 2308 says) and a stale entry is dropped when read. Answers without a
 * TTL (negative answers with no SOA), timeouts and failures are not cached.
 *
 * <p>Thread-safe; share one per configuration.
 */
public final class DnsResolver {
  private static final Duration MIN_TRY_TIMEOUT = Duration.ofMillis(50);

  private final DnsSettings settings;
  private final long perTryNanos;
  private final List<SimpleResolver> resolvers;
  private final Cache<String, Cached> cache;
  private final AtomicLong roundRobin = new AtomicLong();
  private final LongAdder queriesSent = new LongAdder();
  private final LongAdder cacheHits = new LongAdder();

  private record Cached(DnsAnswer answer, long expiresNanos) {}

  private DnsResolver(DnsSettings settings) {
    this.settings = settings;
    List<InetSocketAddress> servers = settings.servers();
    if (servers.isEmpty()) {
      servers = ResolverConfig.getCurrentConfig().servers();
    }
    if (servers.isEmpty()) {
      servers = List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
    }
    Duration perTry = settings.deadline().dividedBy(settings.retries() + 1L);
    if (perTry.compareTo(MIN_TRY_TIMEOUT) < 0) {
      perTry = MIN_TRY_TIMEOUT;
    }
    this.perTryNanos = perTry.toNanos();
    List<SimpleResolver> rs = new ArrayList<>();
    for (InetSocketAddress s : servers) {
      SimpleResolver r = new SimpleResolver(s);
      // dnsjava checks its own timeouts coarsely; the per-try timeout is applied with orTimeout,
      // dnsjava's only cleans up the abandoned query.
      r.setTimeout(settings.deadline());
      rs.add(r);
    }
    this.resolvers = List.copyOf(rs);
    this.cache = CacheBuilder.newBuilder().maximumSize(settings.cacheSize()).build();
  }

  /** A resolver for these settings. */
  public static DnsResolver create(DnsSettings settings) {
    return new DnsResolver(settings);
  }

  /** The settings this resolver was made with. */
  public DnsSettings settings() {
    return settings;
  }

  /** The servers asked, in order (the system's when the settings name none). */
  public List<InetSocketAddress> servers() {
    return resolvers.stream().map(SimpleResolver::getAddress).toList();
  }

  /** Queries sent on the wire so far (retries counted). */
  public long queriesSent() {
    return queriesSent.sum();
  }

  /** Answers served from the cache so far. */
  public long cacheHits() {
    return cacheHits.sum();
  }

  /** Drops every cached answer. */
  public void clearCache() {
    cache.invalidateAll();
  }

  /** Resolves with this resolver's own deadline, blocking; never throws for DNS outcomes. */
  public DnsAnswer resolve(String name, QueryType type) {
    Deadline deadline = Deadline.after(settings.deadline());
    try {
      return query(name, type, deadline).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return DnsAnswer.of(normalize(name), type, DnsAnswer.Status.TIMEOUT, settings.deadline());
    } catch (ExecutionException e) {
      throw new IllegalStateException("resolver future failed for " + name, e);
    }
  }

  /**
   * Starts a query that completes by {@code deadline} at the latest, with a {@link DnsAnswer} (a
   * {@link DnsAnswer.Status#TIMEOUT} one if nothing came back); the future never completes
   * exceptionally.
   */
  public CompletableFuture<DnsAnswer> query(String name, QueryType type, Deadline deadline) {
    long start = System.nanoTime();
    String n = normalize(name);
    String key = type.name() + ' ' + n;
    if (settings.cacheSize() > 0) {
      Cached c = cache.getIfPresent(key);
      if (c != null) {
        long now = System.nanoTime();
        if (c.expiresNanos() - now > 0) {
          cacheHits.increment();
          return CompletableFuture.completedFuture(
              c.answer().fromCache(Duration.ofNanos(now - start)));
        }
        cache.asMap().remove(key, c);
      }
    }
    Message query;
    try {
      Name qname = Name.fromString(n + ".");
      query = Message.newQuery(Record.newRecord(qname, type.code(), DClass.IN));
    } catch (TextParseException e) {
      return CompletableFuture.completedFuture(
          DnsAnswer.of(
              n, type, DnsAnswer.Status.FAILED, Duration.ofNanos(System.nanoTime() - start)));
    }
    CompletableFuture<DnsAnswer> result = new CompletableFuture<>();
    long remaining = deadline.nanoTime() - start;
    if (remaining <= 0) {
      result.complete(DnsAnswer.of(n, type, DnsAnswer.Status.TIMEOUT, Duration.ZERO));
      return result;
    }
    Executor timer = CompletableFuture.delayedExecutor(remaining, TimeUnit.NANOSECONDS);
    CompletableFuture.runAsync(
        () ->
            result.complete(
                DnsAnswer.of(
                    n,
                    type,
                    DnsAnswer.Status.TIMEOUT,
                    Duration.ofNanos(System.nanoTime() - start))),
        timer);
    int first = (int) Math.floorMod(roundRobin.getAndIncrement(), (long) resolvers.size());
    attempt(query, n, type, key, start, deadline, first, 0, result);
    return result;
  }

  private void attempt(
      Message query,
      String n,
      QueryType type,
      String key,
      long start,
      Deadline deadline,
      int first,
      int tryNo,
      CompletableFuture<DnsAnswer> result) {
    if (result.isDone()) {
      return;
    }
    SimpleResolver r = resolvers.get((first + tryNo) % resolvers.size());
    queriesSent.increment();
    long tryNanos = Math.min(perTryNanos, Math.max(1, deadline.nanoTime() - System.nanoTime()));
    r.sendAsync(query.clone())
        .toCompletableFuture()
        .orTimeout(tryNanos, TimeUnit.NANOSECONDS)
        .whenComplete(
            (msg, err) -> {
              if (result.isDone()) {
                return;
              }
              boolean canRetry = tryNo < settings.retries() && !deadline.expired();
              if (err != null) {
                if (canRetry) {
                  attempt(query, n, type, key, start, deadline, first, tryNo + 1, result);
                } else {
                  DnsAnswer.Status s =
                      isTimeout(err) ? DnsAnswer.Status.TIMEOUT : DnsAnswer.Status.FAILED;
                  result.complete(DnsAnswer.of(n, type, s, since(start)));
                }
                return;
              }
              if (msg.getRcode() == Rcode.SERVFAIL && canRetry) {
                attempt(query, n, type, key, start, deadline, first, tryNo + 1, result);
                return;
              }
              DnsAnswer a = toAnswer(msg, n, type, since(start));
              if (!a.ttl().isZero() && settings.cacheSize() > 0) {
                Duration ttl =
                    a.ttl().compareTo(settings.maxCacheTtl()) > 0
                        ? settings.maxCacheTtl()
                        : a.ttl();
                cache.put(key, new Cached(a, System.nanoTime() + ttl.toNanos()));
              }
              result.complete(a);
            });
  }

  private static Duration since(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private static boolean isTimeout(Throwable t) {
    while (t instanceof CompletionException || t instanceof ExecutionException) {
      if (t.getCause() == null) {
        break;
      }
      t = t.getCause();
    }
    return t instanceof SocketTimeoutException
        || t instanceof TimeoutException
        || t instanceof InterruptedIOException;
  }

  private static DnsAnswer toAnswer(Message msg, String n, QueryType type, Duration elapsed) {
    int rcode = msg.getRcode();
    DnsAnswer.Status status;
    List<InetAddress> addresses = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    List<String> names = new ArrayList<>();
    long ttl = Long.MAX_VALUE;
    switch (rcode) {
      case Rcode.NOERROR -> {
        for (Record rec : msg.getSection(Section.ANSWER)) {
          if (rec.getType() != type.code()) {
            continue; // e.g. a CNAME before the record
          }
          ttl = Math.min(ttl, rec.getTTL());
          switch (rec) {
            case ARecord a -> addresses.add(a.getAddress());
            case AAAARecord a -> addresses.add(a.getAddress());
            case TXTRecord t -> texts.add(latin1(t.getStringsAsByteArrays()));
            case MXRecord mx -> names.add(normalize(mx.getTarget().toString()));
            case PTRRecord ptr -> names.add(normalize(ptr.getTarget().toString()));
            default -> {}
          }
        }
        status =
            addresses.isEmpty() && texts.isEmpty() && names.isEmpty()
                ? DnsAnswer.Status.NODATA
                : DnsAnswer.Status.FOUND;
      }
      case Rcode.NXDOMAIN -> status = DnsAnswer.Status.NXDOMAIN;
      case Rcode.SERVFAIL -> status = DnsAnswer.Status.SERVFAIL;
      case Rcode.REFUSED -> status = DnsAnswer.Status.REFUSED;
      default -> status = DnsAnswer.Status.FAILED;
    }
    if (status == DnsAnswer.Status.NXDOMAIN || status == DnsAnswer.Status.NODATA) {
      // RFC 2308 section 5: a negative answer lives min(SOA TTL, SOA MINIMUM); no SOA, no caching.
      ttl = 0;
      for (Record rec : msg.getSection(Section.AUTHORITY)) {
        if (rec instanceof SOARecord soa) {
          ttl = Math.min(soa.getTTL(), soa.getMinimum());
        }
      }
    } else if (status != DnsAnswer.Status.FOUND) {
      ttl = 0;
    }
    return new DnsAnswer(
        n, type, status, addresses, texts, names, Duration.ofSeconds(ttl), false, elapsed);
  }

  // dnsjava's getStrings() escapes octets outside printable ASCII as \ddd, which would hide a
  // non-ASCII octet from SPF's syntax check; one char per octet keeps them all.
  private static String latin1(List<byte[]> strings) {
    StringBuilder b = new StringBuilder();
    for (byte[] s : strings) {
      b.append(new String(s, StandardCharsets.ISO_8859_1));
    }
    return b.toString();
  }

  static String normalize(String name) {
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    return n.toLowerCase(Locale.ROOT);
  }
}
