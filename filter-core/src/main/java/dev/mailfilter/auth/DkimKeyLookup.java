package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import dev.mailfilter.dns.Deadline;
import dev.mailfilter.dns.DnsAnswer;
import dev.mailfilter.dns.DnsResolver;
import dev.mailfilter.dns.QueryType;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Finds the key record of a selector and domain at {@code <selector>._domainkey.<domain>} (RFC 6376
 * section 3.6.2). {@link #dns} asks the project's resolver within the stage's deadline; {@link
 * #fromRecords} serves a map (tests, key files).
 */
@FunctionalInterface
public interface DkimKeyLookup {
  /** The longest DNS name in text form, without the trailing dot (RFC 1035 section 2.3.4). */
  int MAX_NAME_LENGTH = 253;

  /** The TXT answer for a name; the lookup turns it into a {@link Result}. */
  DnsAnswer txt(String name, Deadline deadline);

  /** The key of {@code selector} at {@code domain}: found, none, or an error. */
  default Result find(String selector, String domain, Deadline deadline) {
    String name = (selector + "._domainkey." + domain).toLowerCase(Locale.ROOT);
    if (name.length() > MAX_NAME_LENGTH) {
      // No DNS name is this long: a resolver would call it a failure, which is no temperror.
      return new Result.PermError(
          TagList.abbreviate(name), "key name longer than " + MAX_NAME_LENGTH + " characters");
    }
    return result(name, txt(name, deadline));
  }

  /** The outcome of a key lookup; every variant carries the name asked. */
  sealed interface Result {
    /** The name asked. */
    String name();

    /** A key record that parses. */
    record Found(String name, DkimKey key) implements Result {}

    /** No record (NXDOMAIN or no TXT): {@code permerror} for the signature (section 6.1.2). */
    record None(String name, String reason) implements Result {}

    /** DNS failed or timed out: {@code temperror}. */
    record TempError(String name, String reason) implements Result {}

    /** Records exist but none parses: {@code permerror}. */
    record PermError(String name, String reason) implements Result {}
  }

  /** Looks up with {@code resolver} (its cache, servers and the caller's deadline). */
  public static DkimKeyLookup dns(DnsResolver resolver) {
    requireNonNull(resolver, "resolver");
    return (name, deadline) -> {
      try {
        return resolver.query(name, QueryType.TXT, deadline).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new DnsAnswer(
            name,
            QueryType.TXT,
            DnsAnswer.Status.TIMEOUT,
            List.of(),
            List.of(),
            List.of(),
            Duration.ZERO,
            false,
            Duration.ZERO);
      } catch (ExecutionException e) {
        throw new IllegalStateException("resolver future failed for " + name, e);
      }
    };
  }

  /**
   * Serves {@code records}: each name (lower case, no trailing dot) with its TXT records, each one
   * the strings already joined; a name not in the map does not exist.
   */
  static DkimKeyLookup fromRecords(Map<String, List<String>> records) {
    Map<String, List<String>> copy = Map.copyOf(records);
    return (name, deadline) -> {
      List<String> texts = copy.get(name);
      DnsAnswer.Status status =
          texts == null
              ? DnsAnswer.Status.NXDOMAIN
              : texts.isEmpty() ? DnsAnswer.Status.NODATA : DnsAnswer.Status.FOUND;
      return new DnsAnswer(
          name,
          QueryType.TXT,
          status,
          List.of(),
          texts == null ? List.of() : texts,
          List.of(),
          Duration.ZERO,
          false,
          Duration.ZERO);
    };
  }

  /**
   * The result of an answer: the first record that parses as a key (section 3.6.2.2 leaves several
   * records undefined; taking the first valid one is what OpenDKIM and dkimpy do in effect).
   */
  static Result result(String name, DnsAnswer answer) {
    return switch (answer.status()) {
      case NXDOMAIN -> new Result.None(name, "no key record at " + name + " (NXDOMAIN)");
      case NODATA -> new Result.None(name, "no key record at " + name);
      case FOUND -> {
        String firstError = null;
        for (String text : answer.texts()) {
          try {
            yield new Result.Found(name, DkimKey.parse(text));
          } catch (DkimException e) {
            if (firstError == null) {
              firstError = e.getMessage();
            }
          }
        }
        yield firstError == null
            ? new Result.None(name, "no key record at " + name)
            : new Result.PermError(name, "bad key record at " + name + ": " + firstError);
      }
      default ->
          new Result.TempError(
              name,
              "TXT lookup of " + name + ": " + answer.status().name().toLowerCase(Locale.ROOT));
    };
  }
}
