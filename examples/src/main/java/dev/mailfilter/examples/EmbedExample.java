package dev.mailfilter.examples;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Embedding mailfilter in a mail product, the two ways README's "Embedding" shows: one call per
 * message, and a session per SMTP connection that refuses as early as it can.
 *
 * <p>Run it on the sample messages (from the project root, after {@code ./mvnw -q -B -DskipTests
 * package}):
 *
 * <pre>{@code
 * java -cp "examples/target/classes:filter-cli/target/mailfilter.jar" \
 *     dev.mailfilter.examples.EmbedExample examples/mail
 * }</pre>
 */
public final class EmbedExample {
  /** Where the sample client connects from: TEST-NET-2 (RFC 5737), never a real host. */
  static final InetAddress CLIENT = testNet();

  private EmbedExample() {}

  private static InetAddress testNet() {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, 7});
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError("four bytes are always an address", e);
    }
  }

  /**
   * The simple case: one call with the raw message and its envelope. The filter is built once and
   * shared; this runs every stage (connect, HELO, MAIL FROM, RCPT, end of data) in order.
   */
  public static Verdict classify(MailFilter filter, byte[] raw, String sender, String recipient) {
    return filter.classify(
        raw, Envelope.of(CLIENT, "mail.example.org", sender, List.of(recipient)));
  }

  /**
   * What an SMTP server does per connection: ask at every stage and answer the client at once when
   * the filter refuses, so a refused sender never gets to send its message. Returns the reply the
   * server puts on the wire for the transaction: the refusal, or the end-of-data reply.
   *
   * @param rawSupplier reads the message; only called when the transaction reaches DATA
   */
  public static Reply smtpTransaction(
      MailFilter filter, String sender, String recipient, MessageBody rawSupplier)
      throws IOException {
    try (FilterSession s = filter.open(Connection.of(CLIENT, 40_000, "mail.example.org"))) {
      if (s.connectDecision() instanceof Decision.Refuse r) {
        return r.reply(); // e.g. a client on a block list: refused before HELO
      }
      if (s.helo("mail.example.org") instanceof Decision.Refuse r) {
        return r.reply();
      }
      if (s.mailFrom("<" + sender + ">", Map.of()) instanceof Decision.Refuse r) {
        return r.reply(); // e.g. a blocked sender domain: 554 before any byte of the message
      }
      if (s.rcptTo("<" + recipient + ">") instanceof Decision.Refuse r) {
        return r.reply();
      }
      Verdict v = s.endOfData(rawSupplier.read());
      // A real server now applies v.headerEdits() and delivers, quarantines or drops per action.
      return v.reply();
    }
  }

  /**
   * The same transaction as a server that streams DATA: it declares the size at MAIL FROM (so an
   * oversized message is refused before it is sent), then appends the bytes as they arrive, here in
   * 64 KiB reads. The session copies each chunk once into its buffer and parses once at the end of
   * data, so the server keeps no copy of its own.
   *
   * @param data the message after dot-unstuffing, as the DATA reader delivers it
   * @param size the size the client declared with {@code SIZE=}
   */
  public static Reply streamedTransaction(
      MailFilter filter, String sender, String recipient, InputStream data, long size)
      throws IOException {
    try (FilterSession s = filter.open(Connection.of(CLIENT, 40_000, "mail.example.org"))) {
      if (s.connectDecision() instanceof Decision.Refuse r) {
        return r.reply();
      }
      if (s.helo("mail.example.org") instanceof Decision.Refuse r) {
        return r.reply();
      }
      if (s.mailFrom("<" + sender + ">", Map.of("SIZE", Long.toString(size)))
          instanceof Decision.Refuse r) {
        return r.reply(); // 552 5.3.4 when SIZE= is above limits.max_message_size
      }
      if (s.rcptTo("<" + recipient + ">") instanceof Decision.Refuse r) {
        return r.reply();
      }
      byte[] chunk = new byte[64 * 1024];
      for (int n; (n = data.read(chunk)) > 0; ) {
        s.append(chunk, 0, n); // the array is reused: the session copied the bytes
      }
      return s.endOfData().reply();
    }
  }

  /** Reads the message body when the transaction reaches DATA. */
  @FunctionalInterface
  public interface MessageBody {
    /** The raw message. */
    byte[] read() throws IOException;
  }

  /**
   * A filter with the built-in defaults plus a block-listed sender domain, for the session demo.
   */
  public static MailFilter filterBlocking(String senderDomain) {
    Objects.requireNonNull(senderDomain, "senderDomain");
    FilterConfig config =
        FilterConfig.builder().set("lists.block.domains", List.of(senderDomain)).build();
    return MailFilter.builder().config(config).build();
  }

  /**
   * Classifies every {@code .eml} file in the directories or files given (default {@code
   * examples/mail}) and prints {@code file action score reply}; then shows one early refusal.
   */
  public static void main(String[] args) throws IOException {
    run(args.length == 0 ? List.of(Path.of("examples/mail")) : paths(args), System.out);
  }

  private static List<Path> paths(String[] args) {
    List<Path> out = new ArrayList<>();
    for (String a : args) {
      out.add(Path.of(a));
    }
    return out;
  }

  static void run(List<Path> paths, PrintStream out) throws IOException {
    try (MailFilter filter = filterBlocking("spammer.example")) {
      for (Path file : messages(paths)) {
        Verdict v =
            classify(filter, Files.readAllBytes(file), "alice@example.org", "bob@example.net");
        out.printf(
            java.util.Locale.ROOT,
            "%s\t%s\t%.2f\t%s%n",
            file,
            v.action().configName(),
            v.score(),
            v.reply().toWire().strip());
      }
      Reply early =
          smtpTransaction(
              filter,
              "bulk@news.spammer.example",
              "bob@example.net",
              () -> {
                throw new IllegalStateException("a refused sender never reaches DATA");
              });
      out.println("MAIL FROM:<bulk@news.spammer.example>\t" + early.toWire().strip());
    }
  }

  /** The {@code .eml} files under the paths, sorted, so the output is stable. */
  static List<Path> messages(List<Path> paths) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p, "*.eml")) {
          ds.forEach(files::add);
        }
      } else {
        files.add(p);
      }
    }
    files.sort(null);
    return files;
  }
}
