package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.FilterStats;
import dev.mailfilter.api.Scores;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * {@code mailfilter scan [--json] [--threads N] [--stats] [--model FILE] [--config FILE]
 * PATH...|-}: classifies every message under the paths ({@code -}: standard input) and prints one
 * line per message; {@code --stats} adds a table of the filter's figures ({@link StatsTable}) on
 * stderr at the end. Empty files and directories without files are reported, not scored. Exit 0
 * when no message is spam, 1 when some is, 2 when a path could not be read, the options are wrong,
 * or there was no message at all.
 */
final class ScanCommand {
  private static final int TOP_SYMBOLS = 5;
  private static final String VERDICT_LOG_LEVEL =
      "org.slf4j.simpleLogger.log.dev.mailfilter.verdict";
  private static final String RULES_LOG_LEVEL = "org.slf4j.simpleLogger.log.dev.mailfilter.sa";
  private static final Envelope ENVELOPE =
      Envelope.of(java.net.InetAddress.getLoopbackAddress(), "", "", List.of());

  private ScanCommand() {}

  static final String USAGE =
      "usage: mailfilter scan [--json] [--threads N] [--stats] [--model FILE] [--config FILE]"
          + " PATH...|-";

  static int run(List<String> args, InputStream in, PrintStream out, PrintStream err) {
    // scan prints one line per message itself; the per-verdict log line would repeat it on
    // stderr. Set the property to info to have both.
    if (System.getProperty(VERDICT_LOG_LEVEL) == null) {
      System.setProperty(VERDICT_LOG_LEVEL, "warn");
    }
    // Nor the SpamAssassin rules' load line: `mailfilter rules check` reports it.
    if (System.getProperty(RULES_LOG_LEVEL) == null) {
      System.setProperty(RULES_LOG_LEVEL, "warn");
    }
    List<String> rest = new ArrayList<>(args);
    Optional<Path> configFile;
    Path model = null;
    boolean json = false;
    boolean stats = false;
    boolean stdin = false;
    int threads = Runtime.getRuntime().availableProcessors();
    List<Path> paths = new ArrayList<>();
    try {
      configFile = ConfigOption.extract(rest);
      for (int i = 0; i < rest.size(); i++) {
        String a = rest.get(i);
        if (a.equals("--help") || a.equals("-h")) {
          usage(out);
          return 0;
        } else if (a.equals("--json")) {
          json = true;
        } else if (a.equals("--stats")) {
          stats = true;
        } else if (a.equals("--model") || a.startsWith("--model=")) {
          String v =
              a.equals("--model") ? (i + 1 < rest.size() ? rest.get(++i) : "") : a.substring(8);
          if (v.isEmpty() || v.startsWith("--")) {
            throw new IllegalArgumentException("--model needs a FILE");
          }
          model = Path.of(v);
        } else if (a.equals("--threads") || a.startsWith("--threads=")) {
          String v =
              a.equals("--threads") ? (i + 1 < rest.size() ? rest.get(++i) : "") : a.substring(10);
          try {
            threads = Integer.parseInt(v);
          } catch (NumberFormatException e) {
            threads = 0;
          }
          if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException(
                "--threads needs a number from 1 to 1024, got \"" + v + "\"");
          }
        } else if (a.equals("-")) {
          if (stdin) {
            throw new IllegalArgumentException("- (standard input) given twice");
          }
          stdin = true;
        } else if (a.startsWith("-") && !a.equals("--")) {
          throw new IllegalArgumentException("unknown option " + a);
        } else if (!a.equals("--")) {
          paths.add(Path.of(a));
        }
      }
    } catch (IllegalArgumentException e) {
      err.println("mailfilter scan: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    if (paths.isEmpty() && !stdin) {
      err.println(USAGE);
      return 2;
    }
    if (model != null && !Files.isRegularFile(model)) {
      err.println(
          "mailfilter scan: --model "
              + model
              + ": "
              + (Files.exists(model) ? "not a regular file" : "no such file")
              + " (mailfilter train --model FILE writes one)");
      return 2;
    }
    // Listing a large folder takes a stat per file: it runs beside the configuration's load and
    // the filter's build, which take about as long on a cold JVM, instead of after them.
    CompletableFuture<MessageSource.Listing> listed = new CompletableFuture<>();
    Thread.ofPlatform()
        .daemon()
        .name("mailfilter-scan-listing")
        .start(
            () -> {
              try {
                listed.complete(MessageSource.files(paths));
              } catch (RuntimeException | Error e) {
                listed.completeExceptionally(e);
              }
            });
    Optional<FilterConfig> config = ConfigOption.load(configFile, model, err);
    if (config.isEmpty()) {
      return 2;
    }
    MessageSource.Listing listing = listed.join();
    boolean failed = false;
    for (MessageSource.Failure f : listing.failures()) {
      err.println("mailfilter scan: " + f.label() + ": " + f.reason());
      failed = true;
    }
    boolean reported = false; // an empty directory or file was named: say nothing more
    for (Path dir : listing.emptyDirectories()) {
      err.println("mailfilter scan: no messages in " + dir);
      reported = true;
    }
    MailFilter built;
    try {
      built = MailFilter.builder().config(config.get()).build();
    } catch (ConfigException e) {
      // The configuration parsed, but names something that is not there (a model file).
      String source =
          model != null ? "--model " + model + ": " : configFile.map(f -> f + ": ").orElse("");
      err.println("mailfilter scan: " + source + e.getMessage());
      return 2;
    }
    Progress progress = Progress.on(err, "files", listing.files().size() + (stdin ? 1 : 0));
    boolean spam = false;
    int scanned = 0;
    FilterStats figures = null;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (MailFilter filter = built) {
      // A bounded window keeps output in input order and memory flat whatever the corpus size.
      Deque<Future<String>> window = new ArrayDeque<>();
      int limit = threads * 8;
      final boolean asJson = json;
      AtomicBoolean spamSeen = new AtomicBoolean();
      // Standard input first, then each file, read one at a time so memory stays bounded.
      List<Supplier<List<MessageSource.Item>>> sources = new ArrayList<>();
      if (stdin) {
        sources.add(() -> readStandardInput(in));
      }
      for (Path file : listing.files()) {
        sources.add(
            () -> {
              List<MessageSource.Item> items = new ArrayList<>();
              MessageSource.read(file, items::add);
              return items;
            });
      }
      for (Supplier<List<MessageSource.Item>> source : sources) {
        List<MessageSource.Item> items = source.get();
        for (MessageSource.Item item : items) {
          switch (item) {
            case MessageSource.Failure f -> {
              failed |= drain(window, out, err, progress, 0);
              err.println("mailfilter scan: " + f.label() + ": " + f.reason());
              failed = true;
            }
            case MessageSource.Empty e -> {
              failed |= drain(window, out, err, progress, 0);
              err.println("mailfilter scan: " + e.label() + ": empty file, not a message");
              reported = true;
            }
            case MessageSource.Message m -> {
              scanned++;
              window.add(
                  pool.submit(
                      () -> {
                        Verdict v = filter.classify(m.bytes(), ENVELOPE);
                        if (v.isSpam()) {
                          spamSeen.set(true);
                        }
                        return asJson ? json(m.label(), v) : line(m.label(), v);
                      }));
              failed |= drain(window, out, err, progress, limit);
            }
          }
        }
        progress.step();
      }
      failed |= drain(window, out, err, progress, 0);
      spam = spamSeen.get();
      if (stats) {
        figures = filter.stats();
      }
    } finally {
      pool.shutdownNow();
      progress.finish();
    }
    if (figures != null) {
      err.print(StatsTable.render(figures));
    }
    if (scanned == 0 && !failed) {
      if (!reported) {
        err.println("mailfilter scan: no messages to scan");
      }
      return 2;
    }
    return failed ? 2 : spam ? 1 : 0;
  }

  private static List<MessageSource.Item> readStandardInput(InputStream in) {
    List<MessageSource.Item> items = new ArrayList<>();
    try {
      MessageSource.split("-", in.readAllBytes(), items::add);
    } catch (IOException e) {
      items.add(new MessageSource.Failure("-", "cannot read standard input: " + e.getMessage()));
    }
    return items;
  }

  static void usage(PrintStream out) {
    out.println(USAGE);
    out.println("PATH: a message file, a directory (recursive; Maildir too) or an mbox file;");
    out.println("  - reads one message (or an mbox) from standard input.");
    out.println("--json        one JSON object per message instead of a tab-separated line");
    out.println("--threads N   classify N messages in parallel (default: the number of cores)");
    out.println("--stats       the filter's figures per check on stderr at the end");
    out.println("--model FILE  score with this trained model (as model.path in a configuration)");
    out.println("--config FILE the configuration (default: the built-in one)");
    out.println("exit status: 0 no message spam, 1 some spam, 2 a usage error or unreadable input");
  }

  /** Prints finished results in order until at most {@code keep} are pending. */
  private static boolean drain(
      Deque<Future<String>> window, PrintStream out, PrintStream err, Progress progress, int keep) {
    boolean failed = false;
    while (window.size() > keep) {
      Future<String> f = window.poll();
      try {
        out.println(f.get());
      } catch (ExecutionException e) {
        err.println("mailfilter scan: " + e.getCause());
        failed = true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        err.println("mailfilter scan: interrupted");
        return true;
      }
      progress.messageDone();
    }
    return failed;
  }

  static String line(String label, Verdict v) {
    StringBuilder sb = new StringBuilder();
    sb.append(label)
        .append('\t')
        .append(v.action().configName())
        .append('\t')
        .append(score(v.score()));
    sb.append('\t');
    List<Symbol> symbols = v.symbols();
    if (symbols.isEmpty()) {
      sb.append('-');
    }
    for (int i = 0; i < Math.min(TOP_SYMBOLS, symbols.size()); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(symbols.get(i).name())
          .append('(')
          .append(score(symbols.get(i).score()))
          .append(')');
    }
    if (symbols.size() > TOP_SYMBOLS) {
      sb.append(",...");
    }
    return sb.toString();
  }

  static String json(String label, Verdict v) {
    StringBuilder sb = new StringBuilder("{\"path\":");
    Json.string(sb, label);
    sb.append(",\"action\":\"").append(v.action().configName()).append('"');
    sb.append(",\"spam\":").append(v.isSpam());
    sb.append(",\"score\":").append(score(v.score()));
    sb.append(",\"required\":")
        .append(Double.isInfinite(v.required()) ? "null" : score(v.required()));
    sb.append(",\"symbols\":[");
    for (int i = 0; i < v.symbols().size(); i++) {
      Symbol s = v.symbols().get(i);
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"name\":\"").append(s.name()).append("\",\"score\":").append(score(s.score()));
      sb.append(",\"options\":[");
      for (int j = 0; j < s.options().size(); j++) {
        if (j > 0) {
          sb.append(',');
        }
        Json.string(sb, s.options().get(j));
      }
      sb.append("]}");
    }
    return sb.append("]}").toString();
  }

  private static String score(double d) {
    return Scores.format(d);
  }
}
