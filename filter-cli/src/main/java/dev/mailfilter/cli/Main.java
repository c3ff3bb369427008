package dev.mailfilter.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.List;

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
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
      out.println("usage: mailfilter <command> [options]");
      out.println("commands:");
      out.println("  inspect FILE...   print the MIME tree of each message (--json for machines)");
      out.println("  scan PATH...      classify messages: files, directories, mbox, Maildir");
      out.println(
          "                    [--json] [--threads N] [--stats]; exit 0 no spam, 1 spam, 2 error");
      out.println("  config check FILE validate a configuration file");
      out.println("  train             learn spam and ham into the model file (train --help)");
      out.println("  eval              measure the model's accuracy (eval --help)");
      out.println(
          "  lookup IP|DOMAIN  every blocklist's answer, its source and time [--self-test]");
      out.println("every command takes --config FILE (default: the built-in configuration)");
      return args.length == 0 ? 2 : 0;
    }
    List<String> rest = List.of(args).subList(1, args.length);
    if (args[0].equals("scan")) return ScanCommand.run(rest, out, err);
    if (args[0].equals("config")) return ConfigCommand.run(rest, out, err);
    if (args[0].equals("train")) return TrainCommand.run(rest, out, err);
    if (args[0].equals("eval")) return EvalCommand.run(rest, out, err);
    if (args[0].equals("inspect")) return InspectCommand.run(rest, out, err);
    if (args[0].equals("lookup")) return LookupCommand.run(rest, out, err);
    err.println("mailfilter: unknown command '" + args[0] + "' (try: mailfilter --help)");
    return 2;
  }
}
