package dev.mailfilter.cli;

import java.io.PrintStream;

/** Entry point of the {@code mailfilter} command. */
public final class Main {
  private Main() {}

  /** Runs the command and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command with the given streams and returns its exit status; never calls exit. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
      out.println("usage: mailfilter <command> [options]");
      out.println("commands:");
      out.println("  inspect FILE...   print the MIME tree of each message (--json for machines)");
      return args.length == 0 ? 2 : 0;
    }
    if (args[0].equals("inspect")) {
      return InspectCommand.run(java.util.List.of(args).subList(1, args.length), out, err);
    }
    err.println("mailfilter: unknown command '" + args[0] + "' (try: mailfilter --help)");
    return 2;
  }
}
