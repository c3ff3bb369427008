package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.api.Reply;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.smtp.Quarantine;
import dev.mailfilter.smtp.QuarantineEntry;
import dev.mailfilter.smtp.SmtpSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code mailfilter quarantine list|show ID|release ID|delete ID --config FILE}: the gateway's
 * quarantine, as {@code smtp.quarantine} of the file names it. Exit 0 done, 1 a release the route's
 * server refused (the entry stays held), 2 a usage or configuration error, an unknown entry or one
 * released already, with one line saying why.
 */
final class QuarantineCommand {
  static final String USAGE =
      "usage: mailfilter quarantine list [--all] [--tenant PREFIX] [--after ID] [--limit N]"
          + " | show ID | release ID | delete ID  --config FILE";

  private QuarantineCommand() {}

  static int run(List<String> argList, PrintStream out, PrintStream err) {
    List<String> args = new ArrayList<>(argList);
    Optional<Path> configFile;
    try {
      configFile = ConfigOption.extract(args);
    } catch (IllegalArgumentException e) {
      err.println("mailfilter quarantine: " + e.getMessage());
      return 2;
    }
    if (args.contains("--help") || args.contains("-h")) {
      out.println(USAGE);
      out.println("  the messages the SMTP gateway held (smtp.quarantine.dir of --config FILE)");
      out.println("  list      entries in the order held: ID, time, score, from, recipients,");
      out.println("            tenant; unreleased only unless --all; 50 a page (--limit N)");
      out.println(
          "            --tenant PATH: a tenant path prefix (reseller/customer/domain/user),");
      out.println("            read through the tenant index, not every entry");
      out.println("  show ID   the entry and its message");
      out.println("  release ID  relay it to its route once; then it is marked released");
      out.println("  delete ID   remove it");
      out.println("exit status: 0 done, 1 the route refused the release, 2 a usage error,");
      out.println("an unknown entry or one released already");
      return 0;
    }
    if (args.isEmpty()) {
      err.println(USAGE);
      return 2;
    }
    String verb = args.removeFirst();
    try {
      Quarantine q = open(configFile);
      return switch (verb) {
        case "list" -> list(q, args, out);
        case "show" -> show(q, id(args), out);
        case "release" -> release(q, id(args), out, err);
        case "delete" -> delete(q, id(args), out, err);
        default -> throw new IllegalArgumentException("unknown subcommand '" + verb + "'");
      };
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("mailfilter quarantine: " + e.getMessage());
      return 2;
    } catch (ConfigException e) {
      err.println("mailfilter quarantine: " + configFile.get() + ": " + e.getMessage());
      return 2;
    } catch (NoSuchFileException e) {
      err.println("mailfilter quarantine: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("mailfilter quarantine: " + e.getMessage());
      return 2;
    }
  }

  private static Quarantine open(Optional<Path> configFile) throws IOException {
    if (configFile.isEmpty()) {
      throw new IllegalArgumentException("--config FILE is required: it names smtp.quarantine.dir");
    }
    if (!Files.isRegularFile(configFile.get())) {
      throw new NoSuchFileException(configFile.get() + ": no such file");
    }
    FilterConfig.Builder b = FilterConfig.builder();
    ServerSections.ALL.forEach(b::section);
    b.registry(ServerSections.CHECKS);
    FilterConfig config = b.yaml(Files.readString(configFile.get())).build();
    SmtpSettings s = config.section(SmtpSettings.SECTION);
    Quarantine.Settings q =
        s.quarantine()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        configFile.get() + " configures no quarantine (smtp.quarantine.dir)"));
    if (!Files.isDirectory(q.dir())) {
      // Not created here: a typo in the path should not look like an empty quarantine.
      throw new IllegalArgumentException("no quarantine directory " + q.dir());
    }
    // A release goes where the gateway would send it: its trust bundle, its name servers; and
    // without the result fields the file names, so the mailbox does not file it as spam.
    return Quarantine.open(
            q.dir(),
            q.lifetime(),
            s.hostName(),
            s.relay(),
            config.section(dev.mailfilter.dns.DnsSettings.SECTION).servers())
        .withResultFields(resultFields(config.headers()));
  }

  /** The names of the filter's result fields ({@code headers.*}; an empty name is off). */
  static List<String> resultFields(dev.mailfilter.config.HeaderSettings h) {
    List<String> names = new ArrayList<>();
    for (Optional<String> n : List.of(h.flag(), h.score(), h.status(), h.symbols())) {
      n.ifPresent(names::add);
    }
    return names;
  }

  private static String id(List<String> args) {
    if (args.size() != 1 || args.getFirst().startsWith("--")) {
      throw new IllegalArgumentException("expected one entry ID, got " + args);
    }
    return args.getFirst();
  }

  private static int list(Quarantine q, List<String> args, PrintStream out) throws IOException {
    Options o = Options.parse(args, Set.of("--tenant", "--after", "--limit"), Set.of("--all"));
    int limit;
    try {
      limit = Integer.parseInt(o.single("--limit", "50"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--limit expects a number, got " + o.values("--limit"));
    }
    String tenant = o.single("--tenant", "");
    boolean all = o.has("--all");
    // The tenant index: a tenant's listing reads its own entries only.
    Predicate<QuarantineEntry> filter = e -> all || !e.isReleased();
    Quarantine.Page page =
        q.list(tenant, filter, Optional.ofNullable(o.single("--after", null)), limit);
    for (QuarantineEntry e : page.entries()) {
      out.println(
          e.id()
              + "\t"
              + e.time()
              + "\t"
              + e.score()
              + "\t<"
              + e.from()
              + ">\t"
              + String.join(",", e.recipients())
              + "\t"
              + e.tenant()
              + (e.isReleased() ? "\treleased " + e.released().get() : ""));
    }
    page.next().ifPresent(n -> out.println("# more: --after " + n));
    return 0;
  }

  private static int show(Quarantine q, String id, PrintStream out) throws IOException {
    QuarantineEntry e =
        q.show(id).orElseThrow(() -> new NoSuchFileException("no quarantine entry " + id));
    out.println("id: " + e.id());
    out.println("time: " + e.time());
    out.println("from: <" + e.from() + ">");
    out.println("recipients: " + String.join(", ", e.recipients()));
    out.println("tenant: " + e.tenant());
    out.println("score: " + e.score());
    out.println("symbols: " + String.join(" ", e.symbols()));
    out.println("route: " + e.route());
    out.println("size: " + e.size());
    out.println("released: " + e.released().map(Object::toString).orElse("no"));
    out.println();
    try (InputStream in = q.message(id)) {
      in.transferTo(out);
    }
    out.flush();
    return 0;
  }

  private static int release(Quarantine q, String id, PrintStream out, PrintStream err)
      throws IOException {
    Reply r = q.release(id);
    String answer = r.toWire().strip().replace("\r\n", " ");
    if (r.code() == 250) {
      out.println("released " + id + " to " + q.show(id).orElseThrow().route() + ": " + answer);
      return 0;
    }
    err.println("mailfilter quarantine: " + id + " not released, still held: " + answer);
    return 1;
  }

  private static int delete(Quarantine q, String id, PrintStream out, PrintStream err)
      throws IOException {
    if (!q.delete(id)) {
      err.println("mailfilter quarantine: no quarantine entry " + id);
      return 2;
    }
    out.println("deleted " + id);
    return 0;
  }
}
