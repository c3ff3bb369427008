package dev.mailfilter.web.quarantine;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mailfilter.api.Reply;
import dev.mailfilter.cluster.Brand;
import dev.mailfilter.smtp.Outbound;
import dev.mailfilter.smtp.Quarantine;
import dev.mailfilter.smtp.QuarantineEntry;
import dev.mailfilter.tenant.Route;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * The daily digest: one mail per recipient with the messages held for them since the last digest,
 * each with a release and a block-sender link ({@link DigestTokens}), in the brand of the
 * recipient's reseller, sent to the recipient's domain's route through the gateway's relay leg
 * ({@link Outbound}).
 *
 * <p>"Since the last digest" is a watermark in a state file: the id of the newest entry a run saw
 * (ids sort by the time held). A recipient whose route refused the digest keeps its own older mark,
 * so the next run sends it what it missed. The file is replaced atomically after a run, so a crash
 * sends a digest again rather than never.
 */
public final class Digest {
  /** At most this many messages are listed in one mail; the page shows the rest. */
  public static final int MAX_LISTED = 200;

  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * How digests are written and sent.
   *
   * @param from the envelope and header sender ({@code quarantine@mx.example.net}); the brand's
   *     support address is the {@code Reply-To}
   * @param baseUrl where the web pages are ({@code https://mail.example.net}); the links go to its
   *     {@code /quarantine/link} page
   * @param linkLifetime how long a link works
   * @param stateFile the watermark of the last run
   */
  public record Settings(String from, URI baseUrl, Duration linkLifetime, Path stateFile) {
    public Settings {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(baseUrl, "baseUrl");
      Objects.requireNonNull(stateFile, "stateFile");
      if (from.indexOf('@') < 1 || from.chars().anyMatch(c -> c <= ' ' || c == '<' || c == '>')) {
        throw new IllegalArgumentException(
            "digest from: expected an address, got \"" + from + "\"");
      }
      String scheme = String.valueOf(baseUrl.getScheme());
      if (!(scheme.equals("https") || scheme.equals("http")) || baseUrl.getHost() == null) {
        throw new IllegalArgumentException(
            "digest base URL: expected http(s)://host, got \"" + baseUrl + "\"");
      }
      if (linkLifetime.isNegative() || linkLifetime.isZero()) {
        throw new IllegalArgumentException("digest link lifetime must be positive");
      }
    }
  }

  /**
   * What a run did.
   *
   * @param mailed recipients whose digest the route accepted
   * @param listed messages listed in those digests
   * @param failed recipients whose route refused it, with the reply: they get it next time
   */
  public record Result(int mailed, int listed, Map<String, Reply> failed) {
    public Result {
      failed = Map.copyOf(failed);
    }
  }

  private final Quarantine quarantine;
  private final DigestTokens tokens;
  private final Outbound outbound;
  private final Function<QuarantineEntry, Brand> brands;
  private final Settings settings;
  private final Clock clock;

  private Digest(
      Quarantine quarantine,
      DigestTokens tokens,
      Outbound outbound,
      Function<QuarantineEntry, Brand> brands,
      Settings settings,
      Clock clock) {
    this.quarantine = quarantine;
    this.tokens = tokens;
    this.outbound = outbound;
    this.brands = brands;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * A digest over this quarantine.
   *
   * @param brands the brand an entry's recipients see: their reseller's, or the provider's
   */
  public static Digest create(
      Quarantine quarantine,
      DigestTokens tokens,
      Outbound outbound,
      Function<QuarantineEntry, Brand> brands,
      Settings settings,
      Clock clock) {
    return new Digest(
        Objects.requireNonNull(quarantine, "quarantine"),
        Objects.requireNonNull(tokens, "tokens"),
        Objects.requireNonNull(outbound, "outbound"),
        Objects.requireNonNull(brands, "brands"),
        Objects.requireNonNull(settings, "settings"),
        Objects.requireNonNull(clock, "clock"));
  }

  /**
   * The brand an entry's recipients see: their reseller's from the tenant tree, else {@code
   * fallback} (the provider's own customers, domains outside the tree).
   */
  public static Function<QuarantineEntry, Brand> brands(
      dev.mailfilter.cluster.TenantStore store, Brand fallback) {
    QuarantineScope scope = new QuarantineScope(store);
    return e ->
        scope
            .node(e)
            .filter(
                p ->
                    p.segments().getFirst().kind()
                        == dev.mailfilter.cluster.TenantPath.Kind.RESELLER)
            .flatMap(
                p ->
                    store.get(
                        dev.mailfilter.cluster.TenantPath.reseller(p.segments().getFirst().name())))
            .flatMap(dev.mailfilter.cluster.Tenant::brand)
            .orElse(fallback);
  }

  /** One recipient's digest being gathered. */
  private static final class Pending {
    final List<HeldMessage> listed = new ArrayList<>();
    int more;
    Route route;
    Brand brand;
  }

  /** Sends the digests of everything held since the last run. */
  public Result run() throws IOException {
    Properties state = load();
    String since = state.getProperty("since", "");
    // Where to start reading: the oldest mark, a recipient that missed a digest included.
    String start = since;
    for (String k : state.stringPropertyNames()) {
      if (k.startsWith("pending.") && state.getProperty(k).compareTo(start) < 0) {
        start = state.getProperty(k);
      }
    }
    Map<String, Pending> byRecipient = new LinkedHashMap<>();
    String newest = since;
    Optional<String> after = start.isEmpty() ? Optional.empty() : Optional.of(start);
    do {
      Quarantine.Page page = quarantine.list(e -> !e.isReleased(), after, 1000);
      for (QuarantineEntry e : page.entries()) {
        if (e.id().compareTo(newest) > 0) {
          newest = e.id();
        }
        for (String r : e.recipients()) {
          String rcpt = r.toLowerCase(Locale.ROOT);
          String mark = state.getProperty("pending." + rcpt, since);
          if (e.id().compareTo(mark) <= 0 || e.isReleasedTo(r)) {
            continue;
          }
          Pending p = byRecipient.computeIfAbsent(rcpt, k -> new Pending());
          if (p.listed.size() < MAX_LISTED) {
            p.listed.add(HeldMessage.read(quarantine, e));
          } else {
            p.more++;
          }
          p.route = e.route();
          if (p.brand == null) {
            p.brand = brands.apply(e);
          }
        }
      }
      after = page.next();
    } while (after.isPresent());

    int mailed = 0;
    int listed = 0;
    Map<String, Reply> failed = new LinkedHashMap<>();
    for (Map.Entry<String, Pending> d : byRecipient.entrySet()) {
      String rcpt = d.getKey();
      Pending p = d.getValue();
      byte[] mail = compose(rcpt, p.brand, p.listed, p.more);
      Reply r = outbound.send(p.route, settings.from(), List.of(rcpt), mail);
      if (r.code() == 250) {
        mailed++;
        listed += p.listed.size();
        state.remove("pending." + rcpt);
      } else {
        failed.put(rcpt, r);
        state.setProperty("pending." + rcpt, state.getProperty("pending." + rcpt, since));
      }
    }
    state.setProperty("since", newest);
    save(state);
    return new Result(mailed, listed, failed);
  }

  /** The digest mail for one recipient: text and HTML alternatives, in the brand. */
  byte[] compose(String rcpt, Brand brand, List<HeldMessage> held, int more) {
    String boundary = "=_digest_" + HexFormat.of().formatHex(random(12));
    int count = held.size() + more;
    String subject =
        brand.name() + ": " + count + " new message" + (count == 1 ? "" : "s") + " held for you";
    StringBuilder m = new StringBuilder();
    header(m, "From", encodeWord(brand.name()) + " <" + settings.from() + ">");
    header(m, "Reply-To", "<" + brand.supportAddress() + ">");
    header(m, "To", "<" + rcpt + ">");
    header(m, "Subject", encodeWord(subject));
    header(
        m,
        "Date",
        DateTimeFormatter.RFC_1123_DATE_TIME.format(clock.instant().atOffset(ZoneOffset.UTC)));
    header(
        m,
        "Message-ID",
        "<digest." + HexFormat.of().formatHex(random(12)) + "@" + domainOf(settings.from()) + ">");
    // RFC 3834: an automatic message, so that vacation responders stay quiet.
    header(m, "Auto-Submitted", "auto-generated");
    header(m, "MIME-Version", "1.0");
    header(m, "Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
    m.append("\r\n");
    m.append("--").append(boundary).append("\r\n");
    part(m, "text/plain; charset=utf-8", text(rcpt, brand, held, more));
    m.append("--").append(boundary).append("\r\n");
    part(m, "text/html; charset=utf-8", html(rcpt, brand, held, more));
    m.append("--").append(boundary).append("--\r\n");
    return m.toString().getBytes(UTF_8);
  }

  private String link(DigestTokens.Action action, QuarantineEntry e, String rcpt) {
    String token = tokens.issue(action, e.id(), rcpt, settings.linkLifetime());
    String base = settings.baseUrl().toString().replaceAll("/+$", "");
    return base + "/quarantine/link?t=" + URLEncoder.encode(token, UTF_8);
  }

  private String text(String rcpt, Brand brand, List<HeldMessage> held, int more) {
    StringBuilder t = new StringBuilder();
    t.append("These messages to ")
        .append(rcpt)
        .append(" were held as possible spam since the last summary.\n");
    t.append("Release a message you want, or block its sender. Each link works once, until ")
        .append(WHEN.format(clock.instant().plus(settings.linkLifetime())))
        .append(".\n\n");
    for (HeldMessage h : held) {
      QuarantineEntry e = h.entry();
      t.append(WHEN.format(e.time()))
          .append("  score ")
          .append(e.score())
          .append('\n')
          .append("From:    ")
          .append(h.headerFrom().isEmpty() ? "<" + e.from() + ">" : h.headerFrom())
          .append('\n')
          .append("Subject: ")
          .append(h.subject())
          .append('\n')
          .append("Release: ")
          .append(link(DigestTokens.Action.RELEASE, e, rcpt))
          .append('\n')
          .append("Block sender: ")
          .append(link(DigestTokens.Action.BLOCK_SENDER, e, rcpt))
          .append("\n\n");
    }
    if (more > 0) {
      t.append("and ").append(more).append(" more: see your quarantine page.\n\n");
    }
    t.append("Your quarantine: ")
        .append(settings.baseUrl().toString().replaceAll("/+$", ""))
        .append("/quarantine\n");
    t.append("Questions: ").append(brand.supportAddress()).append('\n');
    t.append("-- \n").append(brand.name()).append('\n');
    return t.toString();
  }

  private String html(String rcpt, Brand brand, List<HeldMessage> held, int more) {
    // Colours come from the brand, which only admits #rrggbb: safe inside a style attribute.
    String primary = brand.colours().getOrDefault("primary", "#1f4e79");
    String text = brand.colours().getOrDefault("text", "#1a1a1a");
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(escape(brand.name()))
        .append("</title></head><body style=\"font-family:sans-serif;color:")
        .append(text)
        .append("\">\n<h1 style=\"color:")
        .append(primary)
        .append("\">")
        .append(escape(brand.name()))
        .append("</h1>\n<p>These messages to ")
        .append(escape(rcpt))
        .append(" were held as possible spam since the last summary. Each link works once, until ")
        .append(escape(WHEN.format(clock.instant().plus(settings.linkLifetime()))))
        .append(".</p>\n<table style=\"border-collapse:collapse\">\n")
        .append("<tr><th align=\"left\">Held</th><th align=\"left\">From</th>")
        .append("<th align=\"left\">Subject</th><th align=\"left\">Score</th><th></th></tr>\n");
    for (HeldMessage m : held) {
      QuarantineEntry e = m.entry();
      h.append("<tr><td>")
          .append(escape(WHEN.format(e.time())))
          .append("</td><td>")
          .append(escape(m.headerFrom().isEmpty() ? "<" + e.from() + ">" : m.headerFrom()))
          .append("</td><td>")
          .append(escape(m.subject()))
          .append("</td><td>")
          .append(e.score())
          .append("</td><td><a style=\"color:")
          .append(primary)
          .append("\" href=\"")
          .append(escape(link(DigestTokens.Action.RELEASE, e, rcpt)))
          .append("\">Release</a> &middot; <a style=\"color:")
          .append(primary)
          .append("\" href=\"")
          .append(escape(link(DigestTokens.Action.BLOCK_SENDER, e, rcpt)))
          .append("\">Block sender</a></td></tr>\n");
    }
    h.append("</table>\n");
    if (more > 0) {
      h.append("<p>and ").append(more).append(" more: see your quarantine page.</p>\n");
    }
    String base = settings.baseUrl().toString().replaceAll("/+$", "");
    h.append("<p><a style=\"color:")
        .append(primary)
        .append("\" href=\"")
        .append(escape(base + "/quarantine"))
        .append("\">Your quarantine</a> &middot; questions: <a href=\"mailto:")
        .append(escape(brand.supportAddress()))
        .append("\">")
        .append(escape(brand.supportAddress()))
        .append("</a></p>\n</body></html>\n");
    return h.toString();
  }

  /** HTML text and attribute escaping: the five characters that can end either. */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static void header(StringBuilder m, String name, String value) {
    m.append(name).append(": ").append(value).append("\r\n");
  }

  /** Base64 in 76-character lines: any UTF-8 text, any line length, 7-bit on the wire. */
  private static void part(StringBuilder m, String type, String body) {
    m.append("Content-Type: ").append(type).append("\r\n");
    m.append("Content-Transfer-Encoding: base64\r\n\r\n");
    String b64 =
        Base64.getMimeEncoder(76, "\r\n".getBytes(UTF_8)).encodeToString(body.getBytes(UTF_8));
    m.append(b64).append("\r\n");
  }

  /** RFC 2047 for non-ASCII (a brand's name, a subject); ASCII as it is. */
  private static String encodeWord(String s) {
    if (s.chars().allMatch(c -> c >= ' ' && c < 127)) {
      return s;
    }
    return "=?utf-8?B?" + Base64.getEncoder().encodeToString(s.getBytes(UTF_8)) + "?=";
  }

  private static String domainOf(String address) {
    return address.substring(address.lastIndexOf('@') + 1);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private Properties load() throws IOException {
    Properties p = new Properties();
    if (Files.exists(settings.stateFile())) {
      p.load(new StringReader(Files.readString(settings.stateFile(), UTF_8)));
    }
    return p;
  }

  private void save(Properties p) throws IOException {
    Path f = settings.stateFile();
    Files.createDirectories(f.toAbsolutePath().getParent());
    StringWriter w = new StringWriter();
    p.store(w, "mailfilter digest: the newest entry seen, recipients that missed one");
    Path temp = f.resolveSibling(f.getFileName() + ".tmp");
    Files.writeString(temp, w.toString(), UTF_8);
    Files.move(temp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
