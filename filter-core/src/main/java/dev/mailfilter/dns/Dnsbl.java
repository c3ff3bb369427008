package dev.mailfilter.dns;

import static java.util.Objects.requireNonNull;

import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;
import dev.mailfilter.api.Stage;
import dev.mailfilter.dns.ListAnswer.Listing;
import dev.mailfilter.dns.ListAnswer.Outcome;
import dev.mailfilter.dns.ListAnswer.Source;
import dev.mailfilter.dns.mirror.Mirror;
import dev.mailfilter.dns.mirror.MirrorHit;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DNS blocklist checks: every configured list answered from its local mirror when one is
 * configured for its zone, otherwise by the shared {@link DnsResolver}; all lookups of one stage in
 * parallel under one {@link Deadline}. Timeouts, SERVFAIL and error codes become symbols with score
 * 0, never listings.
 *
 * <p>Thread-safe. {@link #close} stops the mirror reload poller.
 */
public final class Dnsbl implements AutoCloseable {
  /** The most URL domains one message may cost in queries per URI list. */
  public static final int MAX_URI_DOMAINS = 20;

  private static final Logger log = LoggerFactory.getLogger(Dnsbl.class);
  private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(10);

  private final DnsResolver resolver;
  private final List<DnsblList> lists;
  private final Map<String, Mirror> mirrors;
  private final ScheduledExecutorService poller;
  private final Map<String, Long> lastWarning = new ConcurrentHashMap<>();
  private volatile Map<String, ListStatus> status = Map.of();

  private Dnsbl(
      DnsResolver resolver,
      List<DnsblList> lists,
      Map<String, Mirror> mirrors,
      List<MirrorSettings> mirrorSettings) {
    this.resolver = resolver;
    this.lists = List.copyOf(lists);
    this.mirrors = Map.copyOf(mirrors);
    if (mirrorSettings.isEmpty()) {
      this.poller = null;
    } else {
      this.poller =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "mailfilter-mirror-reload");
                t.setDaemon(true);
                return t;
              });
      for (MirrorSettings s : mirrorSettings) {
        Mirror m = mirrors.get(s.zone());
        long every = s.reloadInterval().toMillis();
        poller.scheduleWithFixedDelay(m::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * Loads the mirrors (a broken file fails here with its line number) and starts polling them.
   *
   * @throws IOException if a mirror file cannot be read or parsed
   */
  public static Dnsbl create(
      DnsResolver resolver, List<DnsblList> lists, List<MirrorSettings> mirrorSettings)
      throws IOException {
    requireNonNull(resolver, "resolver");
    Map<String, Mirror> mirrors = new HashMap<>();
    for (MirrorSettings s : mirrorSettings) {
      if (mirrors.containsKey(s.zone())) {
        throw new IllegalArgumentException("two mirrors for zone " + s.zone());
      }
      mirrors.put(s.zone(), Mirror.load(s.zone(), s.path(), s.kind()));
    }
    return new Dnsbl(resolver, lists, mirrors, mirrorSettings);
  }

  /** The configured lists. */
  public List<DnsblList> lists() {
    return lists;
  }

  /** The resolver used for lists without a mirror. */
  public DnsResolver resolver() {
    return resolver;
  }

  /** The mirror answering {@code zone}, if any. */
  public Optional<Mirror> mirror(String zone) {
    return Optional.ofNullable(mirrors.get(zone));
  }

  /** Runs every list checked at {@code stage} against what {@code request} offers. */
  public DnsblReport check(Stage stage, DnsblRequest request, Deadline deadline) {
    long start = System.nanoTime();
    List<CompletableFuture<ListAnswer>> pending = new ArrayList<>();
    for (DnsblList list : lists) {
      if (list.stage() != stage) {
        continue;
      }
      for (String subject : subjects(list, stage, request)) {
        pending.add(lookup(list, subject, false, deadline));
      }
    }
    List<ListAnswer> answers = new ArrayList<>(pending.size());
    for (CompletableFuture<ListAnswer> f : pending) {
      answers.add(f.join()); // each completes by the deadline with a value, never exceptionally
    }
    return new DnsblReport(answers, hits(answers), Duration.ofNanos(System.nanoTime() - start));
  }

  private static List<String> subjects(DnsblList list, Stage stage, DnsblRequest r) {
    Set<String> out = new LinkedHashSet<>();
    switch (list.kind()) {
      case IP -> r.clientIp().ifPresent(ip -> out.add(InetAddresses.toAddrString(ip)));
      case DOMAIN -> {
        if (stage.compareTo(Stage.HELO) >= 0) {
          r.helo().flatMap(Dnsbl::domainOf).ifPresent(out::add);
        }
        if (stage.compareTo(Stage.MAIL_FROM) >= 0) {
          r.mailFrom().flatMap(Dnsbl::domainOf).ifPresent(out::add);
        }
        if (stage == Stage.DATA) {
          r.fromHeader().flatMap(Dnsbl::domainOf).ifPresent(out::add);
        }
      }
      case URI -> {
        for (String host : r.urlHosts()) {
          if (out.size() >= MAX_URI_DOMAINS) {
            break;
          }
          registrableDomain(host).ifPresent(out::add);
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * Looks {@code subject} up in every list that takes it: an IP address in the IP lists, a domain
   * in the domain and URI lists; all in parallel under one deadline, in configuration order.
   */
  public List<ListAnswer> lookupAll(String subject, boolean withTxt, Deadline deadline) {
    boolean ip = isIpAddress(subject);
    List<CompletableFuture<ListAnswer>> pending = new ArrayList<>();
    for (DnsblList list : lists) {
      if ((list.kind() == ListKind.IP) == ip) {
        pending.add(lookup(list, subject, withTxt, deadline));
      }
    }
    return pending.stream().map(CompletableFuture::join).toList();
  }

  /** Whether {@code s} is an IPv4 or IPv6 address literal. */
  public static boolean isIpAddress(String s) {
    return InetAddresses.isInetAddress(s);
  }

  /** The domain of an address, HELO name or domain; empty for IP literals and invalid names. */
  static Optional<String> domainOf(String s) {
    String d = s.trim();
    int at = d.lastIndexOf('@');
    if (at >= 0) {
      d = d.substring(at + 1);
    }
    if (d.startsWith("<") || d.endsWith(">")) {
      d = d.replace("<", "").replace(">", "");
    }
    d = DnsResolver.normalize(d);
    if (d.isEmpty() || d.startsWith("[") || InetAddresses.isInetAddress(d)) {
      return Optional.empty();
    }
    return InternetDomainName.isValid(d) ? Optional.of(d) : Optional.empty();
  }

  /**
   * The registrable domain of a URL host by the public suffix list ({@code www.example.co.uk} to
   * {@code example.co.uk}); the host itself when it is under no known suffix; empty for IP literals
   * and invalid names.
   */
  public static Optional<String> registrableDomain(String host) {
    Optional<String> d = domainOf(host);
    if (d.isEmpty()) {
      return d;
    }
    InternetDomainName n = InternetDomainName.from(d.get());
    if (n.isUnderPublicSuffix()) {
      return Optional.of(n.topPrivateDomain().toString());
    }
    return n.isPublicSuffix() ? Optional.empty() : d;
  }

  /** The DNS name asked for {@code subject} in {@code list}. */
  public static String queryName(DnsblList list, String subject) {
    if (list.kind() == ListKind.IP) {
      InetAddress ip = InetAddresses.forString(subject);
      return reversed(ip) + "." + list.zone();
    }
    return DnsResolver.normalize(subject) + "." + list.zone();
  }

  /** Reversed octets (IPv4) or reversed nibbles (IPv6), as DNSBLs are queried. */
  public static String reversed(InetAddress ip) {
    byte[] b = ip.getAddress();
    StringBuilder sb = new StringBuilder(72);
    if (ip instanceof Inet4Address) {
      for (int i = 3; i >= 0; i--) {
        sb.append(b[i] & 0xff);
        if (i > 0) {
          sb.append('.');
        }
      }
    } else {
      for (int i = 15; i >= 0; i--) {
        sb.append(Character.forDigit(b[i] & 0xf, 16)).append('.');
        sb.append(Character.forDigit((b[i] >> 4) & 0xf, 16));
        if (i > 0) {
          sb.append('.');
        }
      }
    }
    return sb.toString();
  }

  /**
   * Looks {@code subject} (an IP address for IP lists, a domain otherwise; URI lists reduce it to
   * its registrable domain) up in one list; with {@code withTxt} the TXT record is fetched too.
   */
  public CompletableFuture<ListAnswer> lookup(
      DnsblList list, String subject, boolean withTxt, Deadline deadline) {
    long start = System.nanoTime();
    String s = subject;
    if (list.kind() == ListKind.URI) {
      s = registrableDomain(subject).orElse(DnsResolver.normalize(subject));
    } else if (list.kind() == ListKind.DOMAIN) {
      s = DnsResolver.normalize(subject);
    }
    if (list.kind() == ListKind.IP && !InetAddresses.isInetAddress(s)) {
      throw new IllegalArgumentException(
          "list " + list.zone() + " looks up IP addresses, not '" + subject + "'");
    }
    String query = queryName(list, s);
    Mirror mirror = mirrors.get(list.zone());
    if (mirror != null) {
      Optional<MirrorHit> hit =
          list.kind() == ListKind.IP ? mirror.lookup(InetAddresses.forString(s)) : mirror.lookup(s);
      List<Inet4Address> codes = hit.map(MirrorHit::codes).orElse(List.of());
      List<String> txt = withTxt ? hit.map(MirrorHit::txt).orElse(List.of()) : List.of();
      return CompletableFuture.completedFuture(
          classify(list, s, query, codes, txt, Source.MIRROR, since(start)));
    }
    final String subj = s;
    CompletableFuture<DnsAnswer> a = resolver.query(query, QueryType.A, deadline);
    CompletableFuture<DnsAnswer> t =
        withTxt ? resolver.query(query, QueryType.TXT, deadline) : null;
    return a.thenCompose(
        ans -> {
          CompletableFuture<List<String>> texts =
              t == null
                  ? CompletableFuture.completedFuture(List.of())
                  : t.thenApply(DnsAnswer::texts);
          return texts.thenApply(tx -> fromDns(list, subj, query, ans, tx, start));
        });
  }

  private ListAnswer fromDns(
      DnsblList list, String subject, String query, DnsAnswer ans, List<String> txt, long start) {
    Source source = ans.cached() ? Source.DNS_CACHED : Source.DNS;
    Outcome failure =
        switch (ans.status()) {
          case FOUND, NXDOMAIN, NODATA -> null;
          case TIMEOUT -> Outcome.TIMEOUT;
          case SERVFAIL -> Outcome.SERVFAIL;
          case REFUSED, FAILED -> Outcome.FAILED;
        };
    if (failure != null) {
      return new ListAnswer(
          list, subject, query, failure, List.of(), List.of(), List.of(), source, since(start));
    }
    List<Inet4Address> codes = new ArrayList<>();
    boolean foreign = false;
    for (InetAddress addr : ans.addresses()) {
      if (addr instanceof Inet4Address v4) {
        codes.add(v4);
      } else {
        foreign = true;
      }
    }
    ListAnswer r = classify(list, subject, query, codes, txt, source, since(start));
    if (foreign && r.outcome() != Outcome.BLOCKED) {
      warnBlocked(list, query, "a non-IPv4 A record");
      return new ListAnswer(
          list, subject, query, Outcome.BLOCKED, List.of(), codes, txt, source, r.elapsed());
    }
    return r;
  }

  private ListAnswer classify(
      DnsblList list,
      String subject,
      String query,
      List<Inet4Address> codes,
      List<String> txt,
      Source source,
      Duration elapsed) {
    List<Listing> listings = new ArrayList<>();
    for (Inet4Address code : codes) {
      if ((code.getAddress()[0] & 0xff) != 127 || list.errorCodes().contains(code)) {
        // One error code voids the whole answer: the list did not really answer.
        warnBlocked(list, query, code.getHostAddress());
        return new ListAnswer(
            list, subject, query, Outcome.BLOCKED, List.of(), codes, txt, source, elapsed);
      }
      if (list.returnCodes().isEmpty()) {
        listings.add(new Listing(code, list.symbol()));
      } else {
        String sym = list.returnCodes().get(code);
        if (sym != null) {
          listings.add(new Listing(code, sym));
        }
      }
    }
    Outcome o = listings.isEmpty() ? Outcome.NOT_LISTED : Outcome.LISTED;
    return new ListAnswer(list, subject, query, o, listings, codes, txt, source, elapsed);
  }

  private void warnBlocked(DnsblList list, String query, String code) {
    String key = list.zone() + " " + code;
    long now = System.nanoTime();
    Long last = lastWarning.get(key);
    if (last != null && now - last < WARN_EVERY_NANOS) {
      return;
    }
    lastWarning.put(key, now);
    log.warn(
        "DNSBL {} answered {} for {}: an error code, not a listing; the list is refusing to answer"
            + " (Spamhaus: 127.255.255.254 = query through a public or open resolver, .255 ="
            + " excessive queries, .252 = typo in the zone name, 127.0.1.255 = IP query on a"
            + " domain list). Use your own recursive resolver or a data feed. (Repeated at most"
            + " every 10 minutes.)",
        list.zone(),
        code,
        query);
  }

  private static List<DnsblHit> hits(List<ListAnswer> answers) {
    Map<String, DnsblHit> out = new LinkedHashMap<>();
    for (ListAnswer a : answers) {
      String where = a.query() + (a.source() == Source.MIRROR ? " (mirror)" : "");
      switch (a.outcome()) {
        case LISTED -> {
          for (Listing l : a.listings()) {
            out.putIfAbsent(
                l.symbol(),
                new DnsblHit(
                    l.symbol(),
                    a.list().weight(),
                    a.subject()
                        + " listed in "
                        + a.list().zone()
                        + " as "
                        + l.code().getHostAddress()
                        + (a.txt().isEmpty() ? "" : ": " + a.txt().get(0))));
          }
        }
        case NOT_LISTED -> {}
        case TIMEOUT, SERVFAIL, BLOCKED, FAILED -> {
          String sym = "RBL_" + (a.outcome() == Outcome.FAILED ? "FAIL" : a.outcome().name());
          out.merge(
              sym,
              new DnsblHit(sym, 0, a.outcome().name().toLowerCase(Locale.ROOT) + ": " + where),
              (x, y) -> new DnsblHit(sym, 0, x.reason() + ", " + where));
        }
      }
    }
    return List.copyOf(out.values());
  }

  /**
   * Checks every list's RFC 5782 test points (IP lists: 127.0.0.2 listed, 127.0.0.1 not; domain
   * lists: {@code TEST} listed, {@code INVALID} not), logs each failing list, and keeps the result
   * for {@link #status}.
   */
  public Map<String, ListStatus> selfTest(Duration timeout) {
    Deadline deadline = Deadline.after(timeout);
    Map<String, CompletableFuture<ListAnswer[]>> pending = new LinkedHashMap<>();
    for (DnsblList list : lists) {
      if (!list.testPoints()) {
        continue;
      }
      boolean ip = list.kind() == ListKind.IP;
      CompletableFuture<ListAnswer> yes = lookup(list, ip ? "127.0.0.2" : "test", false, deadline);
      CompletableFuture<ListAnswer> no =
          lookup(list, ip ? "127.0.0.1" : "invalid", false, deadline);
      pending.put(key(list), yes.thenCombine(no, (y, n) -> new ListAnswer[] {y, n}));
    }
    Map<String, ListStatus> result = new LinkedHashMap<>();
    for (var e : pending.entrySet()) {
      ListAnswer y = e.getValue().join()[0];
      ListAnswer n = e.getValue().join()[1];
      // The positive test point must answer with some non-error 127/8 code, whatever the filter.
      boolean yesOk =
          y.outcome() == Outcome.LISTED
              || (y.outcome() == Outcome.NOT_LISTED && !y.codes().isEmpty());
      boolean noOk = n.outcome() == Outcome.NOT_LISTED && n.codes().isEmpty();
      String detail = y.query() + ": " + describe(y) + "; " + n.query() + ": " + describe(n);
      ListStatus st = new ListStatus(y.list(), yesOk && noOk, detail);
      if (!st.healthy()) {
        log.warn(
            "DNSBL {} fails its RFC 5782 test points ({}); its answers are suspect",
            y.list().zone(),
            detail);
      }
      result.put(e.getKey(), st);
    }
    status = Map.copyOf(result);
    return result;
  }

  private static String describe(ListAnswer a) {
    if (a.codes().isEmpty()) {
      return a.outcome() == Outcome.NOT_LISTED ? "not listed" : a.outcome().name();
    }
    return a.outcome() + " " + a.codes().stream().map(Inet4Address::getHostAddress).toList();
  }

  /** The latest {@link #selfTest} results by list ({@code SYMBOL@zone}); empty before the first. */
  public Map<String, ListStatus> status() {
    return status;
  }

  private static String key(DnsblList list) {
    return list.symbol() + "@" + list.zone();
  }

  private static Duration since(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** Stops polling the mirrors. */
  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
