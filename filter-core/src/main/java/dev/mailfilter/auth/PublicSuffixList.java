package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import com.google.common.net.InternetDomainName;
import java.io.IOException;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The Organizational Domain of RFC 7489 section 3.2: the registrable domain by a public suffix
 * list, with the list's algorithm (publicsuffix.org "Formal algorithm"): rules, {@code *.}
 * wildcards, {@code !} exceptions and the implicit rule {@code *}, so that an unlisted TLD is a
 * suffix.
 *
 * <p>Either read from a {@code public_suffix_list.dat} file, or Guava's compiled-in copy with the
 * implicit {@code *} rule added (Guava's {@link InternetDomainName} leaves it out: {@code
 * example.example} has no registrable domain there, while the list's own tests give {@code
 * example.example}).
 */
public final class PublicSuffixList {
  private final Set<String> rules;
  private final Set<String> wildcards;
  private final Set<String> exceptions;
  private final boolean guava;

  private PublicSuffixList(
      Set<String> rules, Set<String> wildcards, Set<String> exceptions, boolean guava) {
    this.rules = rules;
    this.wildcards = wildcards;
    this.exceptions = exceptions;
    this.guava = guava;
  }

  /** Guava's compiled-in list (ICANN and private sections) with the implicit {@code *} rule. */
  public static PublicSuffixList guava() {
    return new PublicSuffixList(Set.of(), Set.of(), Set.of(), true);
  }

  /**
   * Reads a list in the publicsuffix.org format (UTF-8; comments {@code //}; one rule per line, the
   * rule ending at the first white space). Rules are kept in A-labels.
   *
   * @throws IOException when the file cannot be read, or it holds a rule that is no domain name
   *     (naming the line)
   */
  public static PublicSuffixList read(Path file) throws IOException {
    requireNonNull(file, "file");
    Set<String> rules = new HashSet<>();
    Set<String> wildcards = new HashSet<>();
    Set<String> exceptions = new HashSet<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("//")) {
        continue;
      }
      String rule = line.split("\\s", 2)[0];
      try {
        if (rule.startsWith("!")) {
          exceptions.add(ascii(rule.substring(1)));
        } else if (rule.startsWith("*.")) {
          wildcards.add(ascii(rule.substring(2)));
        } else {
          rules.add(ascii(rule));
        }
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ":" + (i + 1) + ": not a rule: " + rule, e);
      }
    }
    if (rules.isEmpty()) {
      throw new IOException(file + ": no rules");
    }
    return new PublicSuffixList(
        Set.copyOf(rules), Set.copyOf(wildcards), Set.copyOf(exceptions), false);
  }

  private static String ascii(String name) {
    return IDN.toASCII(name, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
  }

  /**
   * The registrable domain (the Organizational Domain) of {@code domain}, in lower-case A-labels;
   * empty when the name is itself a public suffix, is empty, has an empty label (a leading dot) or
   * is not a domain name.
   */
  public Optional<String> organizationalDomain(String domain) {
    requireNonNull(domain, "domain");
    // Letters, digits, hyphens and underscores in A-labels only: IDN.toASCII alone lets control
    // characters through.
    Optional<String> normalized = DmarcEvaluator.normalize(domain);
    if (normalized.isEmpty()) {
      return Optional.empty();
    }
    String d = normalized.get();
    String[] labels = d.split("\\.");
    int suffix = guava ? guavaSuffixLabels(d, labels) : suffixLabels(labels);
    if (labels.length <= suffix) {
      return Optional.empty();
    }
    return Optional.of(join(labels, labels.length - suffix - 1));
  }

  /** How many right-most labels form the public suffix, by the list's algorithm. */
  private int suffixLabels(String[] labels) {
    int best = 1; // the implicit rule "*"
    for (int n = 1; n <= labels.length; n++) {
      String tail = join(labels, labels.length - n);
      if (exceptions.contains(tail)) {
        // An exception rule wins: the suffix is the rule minus its left-most label.
        return n - 1;
      }
      if (rules.contains(tail)) {
        best = Math.max(best, n);
      }
      if (n < labels.length && wildcards.contains(tail)) {
        best = Math.max(best, n + 1);
      }
    }
    return best;
  }

  private static int guavaSuffixLabels(String d, String[] labels) {
    try {
      InternetDomainName name = InternetDomainName.from(d);
      if (name.isPublicSuffix()) {
        return labels.length;
      }
      if (name.hasPublicSuffix()) {
        return name.publicSuffix().parts().size();
      }
    } catch (IllegalArgumentException e) {
      // Not a name Guava accepts (a label too long, a bad character): the implicit rule.
    }
    return 1;
  }

  private static String join(String[] labels, int from) {
    return String.join(".", List.of(labels).subList(from, labels.length));
  }
}
