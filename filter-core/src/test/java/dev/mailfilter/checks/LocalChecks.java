package dev.mailfilter.checks;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.testing.SettableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs the local content checks through a real {@link MailFilter}, with every other check off and
 * the header check reading "now" from a clock the test sets.
 */
final class LocalChecks implements AutoCloseable {
  static final Path CORPORA =
      Path.of(System.getProperty("mailfilter.shared", "../shared"), "corpora");

  static final Set<String> NAMES =
      Set.of(
          "headers",
          "sender",
          "subject",
          "encoded_words",
          "received",
          "html",
          "obfuscation",
          "urls",
          "attachments");

  /**
   * YAML lines (under {@code checks:}) turning the local checks off, for tests of other checks that
   * feed sparse synthetic messages (no Date, no Message-ID) and expect only their symbols.
   */
  static final String OFF_YAML =
      NAMES.stream()
          .sorted()
          .map(n -> "  " + n + ": {enabled: false}\n")
          .collect(Collectors.joining());

  static final Envelope ENV =
      Envelope.of(InetAddresses.forString("192.0.2.9"), "", "", List.of("rcpt@example.org"));

  final SettableClock clock = new SettableClock(Instant.parse("2002-09-01T00:00:00Z"));
  final MailFilter filter;

  /** The local checks with their defaults and extra YAML under {@code checks:}. */
  LocalChecks(String checksYaml) {
    // The checks' own scores, not the shipped learned set: these tests pin what each check scores.
    StringBuilder y = new StringBuilder("scores: {learned: false}\nchecks:\n");
    for (String other :
        List.of(
            "gtube",
            "helo",
            "mime_defects",
            "dnsbl_connect",
            "dnsbl_helo",
            "dnsbl_mail_from",
            "dnsbl_data",
            "model",
            "headers")) {
      y.append("  ").append(other).append(": {enabled: false}\n");
    }
    y.append(checksYaml);
    filter =
        MailFilter.builder()
            .config(FilterConfig.builder().yaml(y.toString()).build())
            .addCheck(
                HeaderCheck.create(setup("headers", ConfigNode.empty("checks.headers")), clock))
            .build();
  }

  LocalChecks() {
    this("");
  }

  Verdict classify(byte[] raw) {
    return filter.classify(raw, ENV);
  }

  List<String> symbols(byte[] raw) {
    return classify(raw).symbols().stream().map(Symbol::name).sorted().toList();
  }

  /** Symbols of a message given with LF line ends (sent as CRLF). */
  List<String> symbols(String message) {
    return symbols(message.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A well-formed message dated at the clock's "now": {@code headers} (LF separated, may be empty)
   * follow the usual ones, and a header given there replaces the default of the same name.
   */
  String message(String headers, String body) {
    StringBuilder m = new StringBuilder();
    java.util.Map<String, String> defaults = new java.util.LinkedHashMap<>();
    defaults.put("From", "Alice Example <alice@example.org>");
    defaults.put("To", "bob@example.net");
    defaults.put("Subject", "Minutes of Tuesday's meeting");
    defaults.put(
        "Date",
        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
            clock.instant().atZone(ZoneOffset.UTC)));
    defaults.put("Message-ID", "<minutes-1@example.org>");
    for (String line : headers.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        defaults.remove(line.substring(0, colon));
      }
    }
    defaults.forEach((k, v) -> m.append(k).append(": ").append(v).append('\n'));
    if (!headers.isEmpty()) {
      m.append(headers).append(headers.endsWith("\n") ? "" : "\n");
    }
    return m.append('\n').append(body).toString();
  }

  /** Symbol names with their options, for failure messages. */
  static String describe(Verdict v) {
    return v.symbols().stream().map(s -> s.name() + s.options()).collect(Collectors.joining(", "));
  }

  static Set<String> names(Verdict v) {
    return v.symbols().stream().map(Symbol::name).collect(Collectors.toSet());
  }

  static CheckSetup setup(String name, ConfigNode options) {
    return new CheckSetup() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public ConfigNode options() {
        return options;
      }

      @Override
      public <T> T section(ConfigSection<T> section) {
        throw new IllegalStateException("the local checks read no other section");
      }
    };
  }

  @Override
  public void close() {
    filter.close();
  }
}
