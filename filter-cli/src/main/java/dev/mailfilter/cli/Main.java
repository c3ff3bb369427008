package dev.mailfilter.cli;

import dev.mailfilter.config.ConfigException;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Properties;

/** Entry point of the {@code mailfilter} command. */
public final class Main {
  private Main() {}

  /** Runs the command and exits with its status. */
  public static void main(String[] args) {
    if (Progress.isTerminal()) {
      System.exit(run(args, System.out, System.err));
    }
    // Not a terminal: nobody reads the lines as they come, so stdout gets a 64 KB buffer instead
    // of System.out's flush per line (a write call per message for scan), flushed before exit.
    PrintStream out =
        new PrintStream(
            new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
            false,
            System.out.charset());
    int code;
    try {
      code = run(args, out, System.err);
    } finally {
      out.flush();
    }
    System.exit(code);
  }

  /** Runs the command with the given streams and returns its exit status; never calls exit. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, System.in, out, err);
  }

  /**
   * Runs the command with the given streams ({@code in} is what {@code scan -} reads) and returns
   * its exit status: 0 done and nothing spam, 1 some message spam (or the subject listed), 2 a
   * usage or input error. Never calls exit.
   */
  public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    if (args.length == 0
        || args[0].equals("--help")
        || args[0].equals("-h")
        || args[0].equals("help")) {
      PrintStream to = args.length == 0 ? err : out;
      to.println("usage: mailfilter <command> [options]");
      to.println("commands:");
      to.println(
          "  scan PATH...|-     classify messages: files, directories, mbox, Maildir, stdin");
      to.println("                     [--json] [--threads N] [--stats] [--model FILE]");
      to.println("  inspect FILE...    print the MIME tree of each message (--json for machines)");
      to.println("  config check FILE  validate a configuration file");
      to.println(
          "  config show        print the configuration in effect (defaults + --config FILE)");
      to.println("  train              learn spam and ham into the model file (train --help)");
      to.println("  eval               measure the model's accuracy (eval --help)");
      to.println("  rules check        load the SpamAssassin rules, list what is unsupported");
      to.println(
          "  lookup IP|DOMAIN   every blocklist's answer, its source and time [--self-test]");
      to.println(
          "  auth FILE          SPF (DKIM, DMARC, ARC) results and Authentication-Results for");
      to.println("                     a message: --ip IP --helo NAME --from SENDER");
      to.println("  milter             the milter server for Postfix and Sendmail (milter --help)");
      to.println("  smtp               the filtering SMTP gateway (smtp --help)");
      to.println("  quarantine         list, show, release, delete held mail (quarantine --help)");
      to.println("  admin              the admin API of the tenant tree (admin --help)");
      to.println("  web                the web pages: reseller panel and more (web --help)");
      to.println(
          "  model-sync         this host's part in the cluster's model (model-sync --help)");
      to.println(
          "  digest             mail each recipient its newly held messages (digest --help)");
      to.println("  backup             the node's state to a tar: backup --config FILE -o B.tar");
      to.println("  restore            a backup onto this node: restore B.tar --config FILE");
      to.println(
          "every command takes --config FILE (default: the built-in configuration) and --help;");
      to.println("exit status: 0 ok, 1 spam found (or listed), 2 usage or input error");
      return args.length == 0 ? 2 : 0;
    }
    if (args[0].equals("--version") || args[0].equals("version")) {
      out.println("mailfilter " + version());
      return 0;
    }
    List<String> rest = List.of(args).subList(1, args.length);
    try {
      return switch (args[0]) {
        case "scan" -> ScanCommand.run(rest, in, out, err);
        case "config" -> ConfigCommand.run(rest, out, err);
        case "train" -> TrainCommand.run(rest, out, err);
        case "eval" -> EvalCommand.run(rest, out, err);
        case "rules" -> RulesCommand.run(rest, out, err);
        case "inspect" -> InspectCommand.run(rest, out, err);
        case "lookup" -> LookupCommand.run(rest, out, err);
        case "auth" -> AuthCommand.run(rest, out, err);
        case "milter" -> MilterCommand.run(rest, out, err);
        case "smtp" -> SmtpCommand.run(rest, out, err);
        case "quarantine" -> QuarantineCommand.run(rest, out, err);
        case "admin" -> AdminCommand.run(rest, out, err);
        case "web" -> WebCommand.run(rest, out, err);
        case "model-sync" -> ModelSyncCommand.run(rest, out, err);
        case "digest" -> DigestCommand.run(rest, out, err);
        case "backup" -> BackupCommand.run(rest, out, err);
        case "restore" -> RestoreCommand.run(rest, out, err);
        default -> {
          err.println("mailfilter: unknown command '" + args[0] + "' (try: mailfilter --help)");
          yield 2;
        }
      };
    } catch (ConfigException e) {
      // A configuration that parses but cannot be built into a filter (a missing model file).
      err.println("mailfilter " + args[0] + ": " + e.getMessage());
      return 2;
    }
  }

  /** The project's version, as the build wrote it into {@code version.properties}. */
  static String version() {
    try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "(unknown version)";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "(unknown version)");
    } catch (IOException e) {
      return "(unknown version)";
    }
  }
}
