package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.auth.AuthResults;
import dev.mailfilter.auth.AuthenticationResultsCheck;
import dev.mailfilter.auth.MethodResult;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.spi.CheckSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code mailfilter auth FILE --ip IP --helo H --from SENDER [--config FILE] [--authserv-id ID]}:
 * runs the email-authentication checks on one message as if {@code IP} had sent it with that HELO
 * and MAIL FROM, and prints each method's result with its reason, one line each, then the {@code
 * Authentication-Results} field we would add. Exit 0 when no method failed, 1 when one gave {@code
 * fail}, 2 on a usage, input or configuration error.
 *
 * <p>The checks are those of {@code dev.mailfilter.auth} that are registered and enabled in the
 * configuration; without {@code --config} the {@code spf} and {@code dmarc} checks are on. DKIM and
 * ARC are reported either way: the {@code Authentication-Results} check computes them; DMARC when
 * its check is on (its policy and trusted ARC sealers decide). The other checks (content,
 * blocklists) do not run, so nothing but authentication decides; SPF's {@code reject_fail} and
 * DMARC's {@code apply_reject} and {@code apply_quarantine} are off so that a failure is reported
 * rather than refused.
 */
final class AuthCommand {
  static final String USAGE =
      "usage: mailfilter auth FILE --ip IP --helo NAME --from SENDER [--config FILE]"
          + " [--authserv-id ID]";

  // A literal address only: a host name here would be looked up, and the SPF client is an address.
  private static final Pattern IP =
      Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private static final String AUTH_PACKAGE = AuthenticationResultsCheck.class.getPackageName();

  private AuthCommand() {}

  static int run(List<String> argList, PrintStream out, PrintStream err) {
    List<String> args = new ArrayList<>(argList);
    Optional<Path> configFile;
    try {
      configFile = ConfigOption.extract(args);
    } catch (IllegalArgumentException e) {
      return fail(err, e.getMessage());
    }
    if (args.contains("--help") || args.contains("-h")) {
      out.println(USAGE);
      out.println("  runs the authentication checks (SPF, DKIM, ARC, DMARC) on FILE as");
      out.println("  sent by IP with that HELO and MAIL FROM (--from '' or '<>' for the null");
      out.println("  sender), prints each method's result and reason, then the");
      out.println(
          "  Authentication-Results field (authserv-id: --authserv-id, the configuration's,");
      out.println("  or localhost)");
      out.println("exit status: 0 no method failed, 1 a method gave fail, 2 a usage, input or");
      out.println("  configuration error");
      return 0;
    }
    if (args.isEmpty() || args.get(0).startsWith("--")) {
      err.println(USAGE);
      return 2;
    }
    Path file = Path.of(args.remove(0));
    Options o;
    String ip;
    String helo;
    String from;
    Optional<String> authservId;
    try {
      o = Options.parse(args, Set.of("--ip", "--helo", "--from", "--authserv-id"), Set.of());
      ip = required(o, "--ip");
      helo = required(o, "--helo");
      from = o.has("--from") ? o.single("--from", "") : null;
      authservId = Optional.ofNullable(o.single("--authserv-id", null));
    } catch (IllegalArgumentException e) {
      return fail(err, e.getMessage());
    }
    if (from == null) {
      // Options takes the next argument as a value unless it starts with "--": an empty
      // --from '' arrives as a value, a missing one not at all.
      return fail(err, "option --from is required (--from '' for the null sender)");
    }
    if (from.startsWith("<") && from.endsWith(">")) {
      from = from.substring(1, from.length() - 1);
    }
    InetAddress client;
    try {
      client = literal(ip);
    } catch (IllegalArgumentException e) {
      return fail(err, e.getMessage());
    }
    if (helo.isBlank()) {
      return fail(err, "option --helo needs a name");
    }
    byte[] message;
    try {
      message = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return fail(err, file + ": no such file");
    } catch (IOException e) {
      return fail(err, file + ": cannot read: " + e.getMessage());
    }
    if (message.length == 0) {
      return fail(err, file + ": empty file, not a message");
    }
    FilterConfig config;
    try {
      config = config(configFile, authservId);
    } catch (ConfigException e) {
      return fail(
          err, configFile.map(Path::toString).orElse("configuration") + ": " + e.getMessage());
    } catch (NoSuchFileException e) {
      return fail(err, configFile.orElseThrow() + ": no such file");
    } catch (IOException e) {
      return fail(err, configFile.orElseThrow() + ": cannot read: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      return fail(err, e.getMessage());
    }
    Verdict v;
    try (MailFilter filter = MailFilter.builder().config(config).build()) {
      v = filter.classify(message, Envelope.of(client, helo, from, List.of()));
    }
    Optional<String> field = Optional.empty();
    int removed = 0;
    for (HeaderEdit e : v.headerEdits()) {
      if (e instanceof HeaderEdit.Prepend p && p.name().equalsIgnoreCase(AuthResults.FIELD)) {
        field = Optional.of(p.value());
      } else if (e instanceof HeaderEdit.RemoveAt r
          && r.name().equalsIgnoreCase(AuthResults.FIELD)) {
        removed++;
      }
    }
    if (field.isEmpty()) {
      // Refused before the end of data (an access list, a size limit), or an allowlisted client.
      return fail(
          err,
          "no result: the verdict was "
              + v.action().name().toLowerCase(java.util.Locale.ROOT)
              + " ("
              + v.reply()
              + ") before the authentication checks ran");
    }
    AuthResults ar = AuthResults.parse(field.get());
    boolean failed = false;
    for (MethodResult r : ar.results()) {
      out.println(line(r));
      failed |= r.result().equalsIgnoreCase("fail");
    }
    if (ar.results().isEmpty()) {
      out.println("none: no authentication check is enabled");
    }
    if (removed > 0) {
      out.println(
          "removed: "
              + removed
              + " Authentication-Results field"
              + (removed == 1 ? "" : "s")
              + " from outside claiming "
              + ar.authservId());
    }
    out.println(AuthResults.FIELD + ": " + field.get().replace("\r\n", "\n"));
    return failed ? 1 : 0;
  }

  /** {@code spf=pass smtp.mailfrom=a@example.org: example.org: ip4:192.0.2.1 matched}. */
  static String line(MethodResult r) {
    StringBuilder sb = new StringBuilder(r.method()).append('=').append(r.result());
    for (MethodResult.Property p : r.properties()) {
      sb.append(' ').append(p.type()).append('.').append(p.name()).append('=').append(p.value());
    }
    r.reason().ifPresent(reason -> sb.append(": ").append(reason));
    r.comment().ifPresent(c -> sb.append(" (").append(c).append(')'));
    return sb.toString();
  }

  /**
   * The configuration with the authentication checks on as this command needs them and every other
   * check off.
   */
  private static FilterConfig config(Optional<Path> file, Optional<String> authservId)
      throws IOException {
    String yaml = file.isPresent() ? Files.readString(file.get(), StandardCharsets.UTF_8) : "";
    FilterConfig.Builder b = base(yaml, file.isEmpty());
    // As configured first, to learn the configured authserv-id and which checks are on.
    FilterConfig configured = base(yaml, file.isEmpty()).set(key("enabled"), false).build();
    String id =
        authservId.orElseGet(
            () ->
                configuredId(file.isPresent() ? FilterConfig.builder().yaml(yaml) : null)
                    .orElse("localhost"));
    if (id.isBlank()) {
      throw new IllegalArgumentException("option --authserv-id needs a value");
    }
    b.set(key("enabled"), true).set(key("authserv_id"), id);
    for (CheckSettings c : configured.checks()) {
      if (!c.check().getClass().getPackageName().equals(AUTH_PACKAGE)) {
        b.set("checks." + c.check().name() + ".enabled", false);
      }
    }
    return b.build();
  }

  private static FilterConfig.Builder base(String yaml, boolean defaults) {
    FilterConfig.Builder b = FilterConfig.builder();
    ServerSections.ALL.forEach(b::section);
    b.yaml(yaml);
    if (defaults) {
      b.set("checks.spf.enabled", true).set("checks.dmarc.enabled", true);
    }
    // Refused, the message would get no Authentication-Results to print.
    return b.set("checks.spf.reject_fail", false)
        .set("checks.dmarc.apply_reject", false)
        .set("checks.dmarc.apply_quarantine", false);
  }

  /** The authserv-id the file's configuration gives, when its check is on there. */
  private static Optional<String> configuredId(FilterConfig.Builder fromFile) {
    if (fromFile == null) {
      return Optional.empty();
    }
    ServerSections.ALL.forEach(fromFile::section);
    for (CheckSettings c : fromFile.build().checks()) {
      if (c.check() instanceof AuthenticationResultsCheck a) {
        return Optional.of(a.authservId());
      }
    }
    return Optional.empty();
  }

  private static String key(String option) {
    return "checks." + AuthenticationResultsCheck.NAME + "." + option;
  }

  private static String required(Options o, String name) {
    if (!o.has(name)) {
      throw new IllegalArgumentException("option " + name + " is required");
    }
    return o.single(name, null);
  }

  private static InetAddress literal(String ip) {
    if (!IP.matcher(ip).matches()) {
      throw new IllegalArgumentException("--ip: not an IP address: " + ip);
    }
    if (!ip.contains(":")) {
      // getByName would look up a dotted quad with an octet over 255 as a host name.
      for (String octet : ip.split("\\.")) {
        if (Integer.parseInt(octet) > 255) {
          throw new IllegalArgumentException("--ip: not an IP address: " + ip);
        }
      }
    }
    try {
      // A literal is parsed, never looked up.
      return InetAddress.getByName(ip);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--ip: not an IP address: " + ip, e);
    }
  }

  private static int fail(PrintStream err, String message) {
    err.println("mailfilter auth: " + message);
    return 2;
  }
}
