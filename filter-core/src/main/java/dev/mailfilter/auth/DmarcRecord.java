package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A DMARC Policy Record (RFC 9989 section 4.7 and 4.8), with the RFC 7489 tags that old records
 * still carry ({@code pct}, {@code rf}, {@code ri}).
 *
 * <p>Parsing follows the RFC's rules for bad input: a text whose first tag is not {@code v=DMARC1}
 * is no DMARC record at all; in the rest of the record an unknown tag is ignored and a tag with a
 * bad value falls back to its default (section 4.8). A bad {@code p}, {@code sp} or {@code np}
 * makes the record's policy unusable unless a valid {@code rua} URI is present, in which case it
 * reads as {@code p=none} (section 4.10.1). Each thing ignored is named in {@link #defects()}.
 *
 * @param p the policy for the domain itself ({@code none} when absent, as section 4.7 says)
 * @param sp the policy for existing subdomains, if given
 * @param np the policy for non-existent subdomains, if given
 * @param psd whether the domain is a Public Suffix Domain
 * @param testing {@code t=y}, or for a record without {@code t} the RFC 7489 {@code pct=0} (RFC
 *     9989 appendix A.6: {@code pct} 0 and 100 meant what {@code t=y} and {@code t=n} mean)
 * @param adkim DKIM alignment mode
 * @param aspf SPF alignment mode
 * @param rua aggregate report URIs (valid ones only; a {@code !size} suffix dropped)
 * @param ruf failure report URIs (valid ones only)
 * @param fo failure reporting options, as written ({@code 0} by default)
 * @param pct RFC 7489's percentage, when the record has a valid one (reported, otherwise only read
 *     as described for {@code testing})
 * @param rf RFC 7489's failure report format ({@code afrf} by default)
 * @param ri RFC 7489's report interval in seconds (86400 by default)
 * @param policyUsable false when {@code p}, {@code sp} or {@code np} was bad and no valid {@code
 *     rua} rescued the record: the Mail Receiver applies no DMARC processing (section 4.10.1)
 * @param defects what was ignored or defaulted, for logs
 */
public record DmarcRecord(
    Policy p,
    Optional<Policy> sp,
    Optional<Policy> np,
    Psd psd,
    boolean testing,
    Alignment adkim,
    Alignment aspf,
    List<URI> rua,
    List<URI> ruf,
    String fo,
    OptionalInt pct,
    String rf,
    long ri,
    boolean policyUsable,
    List<String> defects) {

  /** Copies the lists. */
  public DmarcRecord {
    requireNonNull(p, "p");
    requireNonNull(sp, "sp");
    requireNonNull(np, "np");
    requireNonNull(psd, "psd");
    requireNonNull(adkim, "adkim");
    requireNonNull(aspf, "aspf");
    requireNonNull(fo, "fo");
    requireNonNull(pct, "pct");
    requireNonNull(rf, "rf");
    rua = List.copyOf(rua);
    ruf = List.copyOf(ruf);
    defects = List.copyOf(defects);
  }

  /** A Domain Owner Assessment Policy ({@code dmarc-request}). */
  public enum Policy {
    /** No expression of preference: monitoring mode. */
    NONE,
    /** Treat failing mail as suspicious. */
    QUARANTINE,
    /** Refuse failing mail. */
    REJECT;

    /** The keyword as written in records and reports. */
    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** One level below, as {@code t=y} asks (section 4.7): reject to quarantine, else none. */
    Policy oneLevelBelow() {
      return this == REJECT ? QUARANTINE : NONE;
    }
  }

  /** The {@code psd} tag: {@code y}, {@code n} or the default {@code u}. */
  public enum Psd {
    /** The domain is a Public Suffix Domain. */
    Y,
    /** The domain is an Organizational Domain. */
    N,
    /** Unknown: the tree walk decides. */
    U
  }

  /** The {@code adkim}/{@code aspf} mode. */
  public enum Alignment {
    /** Same Organizational Domain. */
    RELAXED,
    /** Identical domains. */
    STRICT
  }

  /** Whether {@code text} starts like a DMARC record ({@code v=DMARC1} as its first tag). */
  public static boolean isDmarc(String text) {
    return parse(text).isPresent();
  }

  /**
   * Parses a TXT record's text; empty when it is no DMARC record (the first tag is not {@code
   * v=DMARC1}, or a tag name occurs twice, which makes a DKIM-style tag-list invalid: RFC 6376
   * section 3.2, whose syntax section 4.7 adopts). Never throws for any text.
   */
  public static Optional<DmarcRecord> parse(String text) {
    requireNonNull(text, "text");
    if (!text.startsWith("v")) {
      return Optional.empty(); // dmarc-record = dmarc-version ...: nothing before the "v"
    }
    List<String[]> tags = new ArrayList<>();
    for (String part : text.split(";", -1)) {
      String t = trimWsp(part);
      if (t.isEmpty()) {
        if (tags.isEmpty()) {
          return Optional.empty(); // the version must come first, not an empty tag
        }
        continue; // a trailing or doubled separator
      }
      int eq = t.indexOf('=');
      if (eq < 0) {
        if (tags.isEmpty()) {
          return Optional.empty();
        }
        tags.add(new String[] {t, null});
        continue;
      }
      tags.add(new String[] {trimWsp(t.substring(0, eq)), trimWsp(t.substring(eq + 1))});
    }
    if (tags.isEmpty()) {
      return Optional.empty();
    }
    String[] first = tags.get(0);
    if (!"v".equals(first[0]) || !"DMARC1".equals(first[1])) {
      return Optional.empty();
    }
    Set<String> seen = new HashSet<>();
    for (String[] tag : tags) {
      if (tag[1] != null && !seen.add(tag[0].toLowerCase(Locale.ROOT))) {
        return Optional.empty();
      }
    }
    return Optional.of(new Builder().read(tags.subList(1, tags.size())));
  }

  private static String trimWsp(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && (s.charAt(b) == ' ' || s.charAt(b) == '\t')) {
      b++;
    }
    while (e > b && (s.charAt(e - 1) == ' ' || s.charAt(e - 1) == '\t')) {
      e--;
    }
    return s.substring(b, e);
  }

  private static final class Builder {
    Policy p;
    boolean pBad;
    Optional<Policy> sp = Optional.empty();
    boolean spBad;
    Optional<Policy> np = Optional.empty();
    boolean npBad;
    Psd psd = Psd.U;
    Optional<Boolean> t = Optional.empty();
    Alignment adkim = Alignment.RELAXED;
    Alignment aspf = Alignment.RELAXED;
    List<URI> rua = List.of();
    List<URI> ruf = List.of();
    String fo = "0";
    OptionalInt pct = OptionalInt.empty();
    String rf = "afrf";
    long ri = 86400;
    final List<String> defects = new ArrayList<>();

    DmarcRecord read(List<String[]> tags) {
      for (String[] tag : tags) {
        String name = tag[0];
        String value = tag[1];
        if (value == null || value.isEmpty() || !name.chars().allMatch(Builder::alpha)) {
          defects.add("malformed tag ignored: " + name);
          continue;
        }
        if (!value.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
          defects.add(name + ": value with a non-printing character ignored");
          if (name.equalsIgnoreCase("p")) {
            pBad = true;
          } else if (name.equalsIgnoreCase("sp")) {
            spBad = true;
          } else if (name.equalsIgnoreCase("np")) {
            npBad = true;
          }
          continue;
        }
        String lower = value.toLowerCase(Locale.ROOT);
        switch (name.toLowerCase(Locale.ROOT)) {
          case "p" -> {
            p = policy(lower);
            pBad = p == null;
          }
          case "sp" -> {
            Policy x = policy(lower);
            sp = Optional.ofNullable(x);
            spBad = x == null;
          }
          case "np" -> {
            Policy x = policy(lower);
            np = Optional.ofNullable(x);
            npBad = x == null;
          }
          case "psd" -> {
            switch (lower) {
              case "y" -> psd = Psd.Y;
              case "n" -> psd = Psd.N;
              case "u" -> psd = Psd.U;
              default -> bad(name, value);
            }
          }
          case "t" -> {
            switch (lower) {
              case "y" -> t = Optional.of(true);
              case "n" -> t = Optional.of(false);
              default -> bad(name, value);
            }
          }
          case "adkim" -> adkim = alignment(name, lower, adkim);
          case "aspf" -> aspf = alignment(name, lower, aspf);
          case "rua" -> rua = uris(name, value);
          case "ruf" -> ruf = uris(name, value);
          case "fo" -> {
            if (validFo(lower)) {
              fo = lower;
            } else {
              bad(name, value);
            }
          }
          case "pct" -> {
            if (value.matches("[0-9]{1,3}") && Integer.parseInt(value) <= 100) {
              pct = OptionalInt.of(Integer.parseInt(value));
            } else {
              bad(name, value);
            }
          }
          case "rf" -> {
            if (lower.matches("[a-z0-9-]+(\\s*:\\s*[a-z0-9-]+)*")) {
              rf = lower;
            } else {
              bad(name, value);
            }
          }
          case "ri" -> {
            if (value.matches("[0-9]{1,10}") && Long.parseLong(value) <= 0xFFFF_FFFFL) {
              ri = Long.parseLong(value);
            } else {
              bad(name, value);
            }
          }
          default -> defects.add("unknown tag ignored: " + name);
        }
      }
      boolean usable = true;
      if (pBad || spBad || npBad) {
        if (rua.isEmpty()) {
          usable = false;
        } else {
          // Section 4.10.1: with a valid rua the record is read as p=none.
          defects.add("bad policy tag: read as p=none because rua is valid");
          p = Policy.NONE;
          sp = Optional.empty();
          np = Optional.empty();
        }
      }
      boolean testing = t.orElse(pct.isPresent() && pct.getAsInt() == 0);
      return new DmarcRecord(
          p == null ? Policy.NONE : p,
          sp,
          np,
          psd,
          testing,
          adkim,
          aspf,
          rua,
          ruf,
          fo,
          pct,
          rf,
          ri,
          usable,
          defects);
    }

    private static boolean alpha(int c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private Policy policy(String lower) {
      return switch (lower) {
        case "none" -> Policy.NONE;
        case "quarantine" -> Policy.QUARANTINE;
        case "reject" -> Policy.REJECT;
        default -> null;
      };
    }

    private Alignment alignment(String name, String lower, Alignment current) {
      return switch (lower) {
        case "r" -> Alignment.RELAXED;
        case "s" -> Alignment.STRICT;
        default -> {
          bad(name, lower);
          yield current;
        }
      };
    }

    private void bad(String name, String value) {
      defects.add("bad value ignored: " + name + "=" + value);
    }

    /** A comma-separated URI list; invalid entries are dropped (section 4.8: ignored). */
    private List<URI> uris(String name, String value) {
      List<URI> out = new ArrayList<>();
      for (String item : value.split(",", -1)) {
        String u = trimWsp(item);
        int bang = u.indexOf('!');
        if (bang >= 0 && u.substring(bang).matches("![0-9]+[kmgtKMGT]?")) {
          u = u.substring(0, bang); // obs-dmarc-report-size: to be ignored
        }
        try {
          URI uri = new URI(u);
          if (uri.getScheme() == null || !uri.getScheme().matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            throw new URISyntaxException(u, "no scheme");
          }
          out.add(uri);
        } catch (URISyntaxException e) {
          defects.add(name + ": invalid URI ignored: " + u);
        }
      }
      return out;
    }

    /** {@code dmarc-fo}: 0 or 1 at most once, d and s each at most once, colon-separated. */
    private static boolean validFo(String fo) {
      int digits = 0;
      Set<String> seen = new HashSet<>();
      for (String item : fo.split(":", -1)) {
        String x = trimWsp(item);
        if (!seen.add(x)) {
          return false;
        }
        switch (x) {
          case "0", "1" -> digits++;
          case "d", "s" -> {}
          default -> {
            return false;
          }
        }
      }
      return digits <= 1;
    }
  }
}
