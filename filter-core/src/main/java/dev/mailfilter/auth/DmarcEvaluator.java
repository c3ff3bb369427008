package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import dev.mailfilter.dns.DnsAnswer;
import dev.mailfilter.dns.QueryType;
import java.net.IDN;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * DMARC evaluation (RFC 9989, DMARCbis; RFC 7489 on request): policy discovery, identifier
 * alignment, the policy for the message and the trusted-ARC exception, as a pure function of a
 * {@link DmarcInput} and the answers of a {@link Dns}.
 *
 * <p>Thread-safe and immutable: each call evaluates on its own state.
 */
public final class DmarcEvaluator {
  /** How the Organizational Domain is found. */
  public enum Mode {
    /** RFC 9989's DNS Tree Walk (section 4.10). */
    BIS,
    /** RFC 7489's public suffix list (section 3.2) and its two-query policy discovery (6.6.3). */
    PSL
  }

  /**
   * The DNS queries DMARC needs: TXT at {@code _dmarc.<domain>} and, for {@code np}, whether the
   * Author Domain exists (RFC 9989 section 3.2.13: an NXDOMAIN answer). The check answers them with
   * the resolver under the stage deadline; a query that times out is a {@link
   * DnsAnswer.Status#TIMEOUT} answer, never an exception.
   */
  @FunctionalInterface
  public interface Dns {
    /** Asks for {@code type} records at {@code name}. */
    DnsAnswer query(String name, QueryType type);
  }

  // RFC 9989 section 4.10, steps 3 and 4: at most eight queries per walk.
  private static final int LONG_NAME_LABELS = 8;
  private static final int SHORTENED_LABELS = 7;

  private final Mode mode;
  private final PublicSuffixList psl;
  private final Set<String> trustedSealers;

  private DmarcEvaluator(Mode mode, PublicSuffixList psl, Set<String> trustedSealers) {
    this.mode = requireNonNull(mode, "mode");
    this.psl = requireNonNull(psl, "psl");
    this.trustedSealers = trustedSealers;
  }

  /**
   * An evaluator.
   *
   * @param psl the list for {@link Mode#PSL} (unused in {@link Mode#BIS})
   * @param trustedArcSealers the ARC sealer domains whose results may override a {@code fail}
   */
  public static DmarcEvaluator create(
      Mode mode, PublicSuffixList psl, Collection<String> trustedArcSealers) {
    Set<String> sealers =
        trustedArcSealers.stream()
            .map(DmarcEvaluator::normalize)
            .flatMap(Optional::stream)
            .collect(Collectors.toUnmodifiableSet());
    return new DmarcEvaluator(mode, psl, sealers);
  }

  /** The mode. */
  public Mode mode() {
    return mode;
  }

  /** Evaluates {@code input}, asking {@code dns}. */
  public DmarcResult evaluate(DmarcInput input, Dns dns) {
    requireNonNull(input, "input");
    requireNonNull(dns, "dns");
    Optional<String> author = normalize(input.authorDomain());
    if (author.isEmpty()) {
      return DmarcResult.without(
          DmarcResult.Code.PERMERROR, "", "From domain is no domain name: " + input.authorDomain());
    }
    try {
      return new Evaluation(author.get(), dns).run(input);
    } catch (DnsFailure e) {
      return DmarcResult.without(DmarcResult.Code.TEMPERROR, author.get(), e.getMessage());
    }
  }

  /** Lower-case A-labels without a trailing dot; empty for what is no domain name. */
  static Optional<String> normalize(String domain) {
    String d = domain.strip();
    if (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    try {
      d = IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (d.isEmpty() || d.length() > 253) {
      return Optional.empty();
    }
    for (String label : d.split("\\.", -1)) {
      if (label.isEmpty()
          || label.length() > 63
          || !label.chars().allMatch(DmarcEvaluator::nameChar)) {
        return Optional.empty();
      }
    }
    return Optional.of(d);
  }

  private static boolean nameChar(int c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  }

  /**
   * The names a DNS Tree Walk queries from {@code start} (RFC 9989 section 4.10): the name itself,
   * then for eight labels or more the right-most seven, then one label fewer each time.
   */
  static List<String> treeWalkTargets(String start) {
    String[] labels = start.split("\\.");
    List<String> out = new ArrayList<>();
    out.add(start);
    int next = labels.length >= LONG_NAME_LABELS ? SHORTENED_LABELS : labels.length - 1;
    for (int n = next; n >= 1; n--) {
      out.add(suffix(labels, n));
    }
    return out;
  }

  private static String suffix(String[] labels, int n) {
    return String.join(".", Arrays.asList(labels).subList(labels.length - n, labels.length));
  }

  private static final class DnsFailure extends Exception {
    private static final long serialVersionUID = 1L;

    DnsFailure(DnsAnswer a) {
      super(
          a.type() + " lookup of " + a.name() + ": " + a.status().name().toLowerCase(Locale.ROOT),
          null,
          false,
          false);
    }
  }

  /** A valid DMARC Policy Record found at {@code domain}. */
  private record Found(String domain, DmarcRecord record) {}

  /** What a lookup at one name gave: one record, or none, or several (all discarded). */
  private record Lookup(Optional<DmarcRecord> record, boolean several) {}

  private final class Evaluation {
    private final String author;
    private final Dns dns;
    private final Map<String, List<Found>> walks = new HashMap<>();
    private final Map<String, Lookup> lookups = new HashMap<>();

    Evaluation(String author, Dns dns) {
      this.author = author;
      this.dns = dns;
    }

    DmarcResult run(DmarcInput input) throws DnsFailure {
      Optional<Found> policy = mode == Mode.BIS ? discoverBis() : discoverPsl();
      if (policy.isEmpty()) {
        return DmarcResult.without(DmarcResult.Code.NONE, author, "no DMARC record for " + author);
      }
      DmarcRecord rec = policy.get().record();
      String policyDomain = policy.get().domain();
      if (!rec.policyUsable()) {
        return new DmarcResult(
            DmarcResult.Code.PERMERROR,
            author,
            Optional.of(policyDomain),
            Optional.empty(),
            Optional.of(rec),
            DmarcResult.Source.NONE,
            DmarcRecord.Policy.NONE,
            DmarcRecord.Policy.NONE,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            policyDomain
                + ": bad policy tag and no valid rua: "
                + String.join("; ", rec.defects()));
      }
      DnsFailure failure = null;
      Optional<String> spfAligned = Optional.empty();
      DmarcInput.Spf spf = input.spf();
      if (spf.code() == SpfResult.Code.PASS) {
        Optional<String> d = normalize(spf.domain());
        if (d.isPresent()) {
          try {
            if (aligned(rec.aspf(), d.get())) {
              spfAligned = d;
            }
          } catch (DnsFailure e) {
            failure = e;
          }
        }
      }
      Optional<String> dkimAligned = Optional.empty();
      for (String raw : input.dkimDomains()) {
        Optional<String> d = normalize(raw);
        if (d.isEmpty()) {
          continue;
        }
        try {
          if (aligned(rec.adkim(), d.get())) {
            dkimAligned = d;
            break;
          }
        } catch (DnsFailure e) {
          failure = e;
        }
      }
      Optional<String> org = organizationalDomainQuietly(author);
      if (spfAligned.isPresent() || dkimAligned.isPresent()) {
        return new DmarcResult(
            DmarcResult.Code.PASS,
            author,
            Optional.of(policyDomain),
            org,
            Optional.of(rec),
            DmarcResult.Source.NONE,
            DmarcRecord.Policy.NONE,
            DmarcRecord.Policy.NONE,
            spfAligned,
            dkimAligned,
            Optional.empty(),
            spfAligned.isPresent()
                ? "SPF aligned: " + spfAligned.get()
                : "DKIM aligned: " + dkimAligned.get());
      }
      if (failure != null) {
        throw failure; // neither pass nor fail (RFC 9989 section 5.3.6)
      }
      DmarcResult.Source source;
      DmarcRecord.Policy requested;
      if (policyDomain.equals(author)) {
        source = DmarcResult.Source.P;
        requested = rec.p();
      } else if (rec.np().isPresent() && !exists(author)) {
        source = DmarcResult.Source.NP;
        requested = rec.np().get();
      } else if (rec.sp().isPresent()) {
        source = DmarcResult.Source.SP;
        requested = rec.sp().get();
      } else {
        source = DmarcResult.Source.P;
        requested = rec.p();
      }
      DmarcRecord.Policy disposition = rec.testing() ? requested.oneLevelBelow() : requested;
      Optional<String> sealer = Optional.empty();
      if (disposition != DmarcRecord.Policy.NONE && input.arc().isPresent()) {
        sealer = trustedVouch(input.arc().get(), rec);
        if (sealer.isPresent()) {
          disposition = DmarcRecord.Policy.NONE;
        }
      }
      String reason =
          "no aligned identifier; "
              + source.name().toLowerCase(Locale.ROOT)
              + "="
              + requested.keyword()
              + " at "
              + policyDomain
              + (rec.testing() && requested != DmarcRecord.Policy.NONE ? " (t=y)" : "")
              + sealer.map(s -> ", vouched for by trusted ARC sealer " + s).orElse("");
      return new DmarcResult(
          DmarcResult.Code.FAIL,
          author,
          Optional.of(policyDomain),
          org,
          Optional.of(rec),
          source,
          requested,
          disposition,
          Optional.empty(),
          Optional.empty(),
          sealer,
          reason);
    }

    /** Section 4.10.1: the Author Domain's record, else its Organizational Domain's, else PSD's. */
    private Optional<Found> discoverBis() throws DnsFailure {
      List<Found> walk = walk(author);
      if (!walk.isEmpty() && walk.get(0).domain().equals(author)) {
        return Optional.of(walk.get(0));
      }
      if (walk.isEmpty()) {
        return Optional.empty();
      }
      String org = select(author, walk);
      for (Found f : walk) {
        if (f.domain().equals(org)) {
          return Optional.of(f);
        }
      }
      for (Found f : walk) {
        if (f.record().psd() == DmarcRecord.Psd.Y) {
          return Optional.of(f);
        }
      }
      return Optional.empty();
    }

    /** RFC 7489 section 6.6.3: the Author Domain, then its Organizational Domain by the list. */
    private Optional<Found> discoverPsl() throws DnsFailure {
      Lookup own = lookup(author);
      if (own.several()) {
        return Optional.empty(); // "multiple records ... policy discovery terminates"
      }
      if (own.record().isPresent()) {
        return Optional.of(new Found(author, own.record().get()));
      }
      String org = psl.organizationalDomain(author).orElse(author);
      if (org.equals(author)) {
        return Optional.empty();
      }
      Lookup parent = lookup(org);
      return parent.several() ? Optional.empty() : parent.record().map(r -> new Found(org, r));
    }

    /** Identifier Alignment (RFC 9989 section 3.2.10): identical, or same Organizational Domain. */
    private boolean aligned(DmarcRecord.Alignment m, String identifier) throws DnsFailure {
      if (identifier.equals(author)) {
        return true;
      }
      if (m == DmarcRecord.Alignment.STRICT) {
        return false;
      }
      return organizationalDomain(identifier).equals(organizationalDomain(author));
    }

    private String organizationalDomain(String domain) throws DnsFailure {
      if (mode == Mode.PSL) {
        return psl.organizationalDomain(domain).orElse(domain);
      }
      return select(domain, walk(domain));
    }

    private Optional<String> organizationalDomainQuietly(String domain) {
      try {
        return Optional.of(organizationalDomain(domain));
      } catch (DnsFailure e) {
        return Optional.empty();
      }
    }

    /**
     * Section 4.10.2's selection over a walk's records, longest name first: {@code psd=n} is the
     * Organizational Domain; {@code psd=y} (not at the start) makes it the name one label below;
     * otherwise the record with the fewest labels; with no record, the start itself.
     */
    private String select(String start, List<Found> walk) {
      for (Found f : walk) {
        if (f.record().psd() == DmarcRecord.Psd.N) {
          return f.domain();
        }
        if (f.record().psd() == DmarcRecord.Psd.Y && !f.domain().equals(start)) {
          String[] labels = start.split("\\.");
          return suffix(labels, f.domain().split("\\.").length + 1);
        }
      }
      return walk.isEmpty() ? start : walk.get(walk.size() - 1).domain();
    }

    /** Section 4.10: the valid records from {@code start} up, stopping at a {@code psd} y or n. */
    private List<Found> walk(String start) throws DnsFailure {
      List<Found> cached = walks.get(start);
      if (cached != null) {
        return cached;
      }
      List<Found> found = new ArrayList<>();
      for (String target : treeWalkTargets(start)) {
        Lookup l = lookup(target);
        if (l.record().isPresent()) {
          DmarcRecord r = l.record().get();
          found.add(new Found(target, r));
          if (r.psd() != DmarcRecord.Psd.U) {
            break;
          }
        }
      }
      List<Found> out = List.copyOf(found);
      walks.put(start, out);
      return out;
    }

    /** The TXT records at {@code _dmarc.<domain>}: one valid DMARC record, or none. */
    private Lookup lookup(String domain) throws DnsFailure {
      Lookup cached = lookups.get(domain);
      if (cached != null) {
        return cached;
      }
      DnsAnswer a = dns.query("_dmarc." + domain, QueryType.TXT);
      Lookup l =
          switch (a.status()) {
            case FOUND -> {
              List<DmarcRecord> records =
                  a.texts().stream().map(DmarcRecord::parse).flatMap(Optional::stream).toList();
              yield records.size() == 1
                  ? new Lookup(Optional.of(records.get(0)), false)
                  : new Lookup(Optional.empty(), records.size() > 1);
            }
            case NXDOMAIN, NODATA -> new Lookup(Optional.empty(), false);
            case SERVFAIL, REFUSED, TIMEOUT, FAILED -> throw new DnsFailure(a);
          };
      lookups.put(domain, l);
      return l;
    }

    /** Section 3.2.13: a domain exists unless a query for it answers NXDOMAIN. */
    private boolean exists(String domain) throws DnsFailure {
      DnsAnswer a = dns.query(domain, QueryType.A);
      return switch (a.status()) {
        case FOUND, NODATA -> true;
        case NXDOMAIN -> false;
        case SERVFAIL, REFUSED, TIMEOUT, FAILED -> throw new DnsFailure(a);
      };
    }

    /**
     * The trusted sealer that vouches for the message: the chain validated, and among the newest
     * ARC sets, as far down as every sealer is trusted, one recorded a DMARC pass for the Author
     * Domain, or an SPF or DKIM pass of an identifier aligned with it. An untrusted newer set ends
     * the search: it could have changed the message after the trusted one sealed it.
     */
    private Optional<String> trustedVouch(ArcEvidence arc, DmarcRecord rec) {
      if (!arc.chainPass()) {
        return Optional.empty();
      }
      List<ArcEvidence.Hop> hops =
          arc.hops().stream()
              .sorted(Comparator.comparingInt(ArcEvidence.Hop::instance).reversed())
              .toList();
      for (ArcEvidence.Hop hop : hops) {
        Optional<String> sealer = normalize(hop.sealer());
        if (sealer.isEmpty() || !trustedSealers.contains(sealer.get())) {
          return Optional.empty();
        }
        for (ArcEvidence.AuthResult r : hop.results()) {
          if (vouches(r, rec)) {
            return sealer;
          }
        }
      }
      return Optional.empty();
    }

    private boolean vouches(ArcEvidence.AuthResult r, DmarcRecord rec) {
      Optional<String> d = r.domain().flatMap(DmarcEvaluator::normalize);
      try {
        if (r.passes("dmarc")) {
          return d.isEmpty() || d.get().equals(author);
        }
        if (r.passes("dkim") && d.isPresent()) {
          return aligned(rec.adkim(), d.get());
        }
        if (r.passes("spf") && d.isPresent()) {
          return aligned(rec.aspf(), d.get());
        }
      } catch (DnsFailure e) {
        return false; // no evidence, not a failure of the message
      }
      return false;
    }
  }
}
