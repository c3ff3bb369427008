package dev.mailfilter.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the messages under the paths given to {@code scan}, {@code train} and {@code eval}: single
 * message files, directories (recursively, in name order, hidden files skipped), Maildir folders
 * (their {@code cur} and {@code new}, not {@code tmp}), and mbox files (recognised by a leading
 * {@code From } line; split at {@code From } lines after a blank line that carry a time of day, so
 * an unquoted "From here on" in a body does not split; {@code >From} unquoted as mboxrd; a file of
 * one message keeps its plain path as its label).
 *
 * <p>{@code scan} streams one file at a time ({@link #files}, {@link #read}) so memory stays
 * bounded by the largest file; the model commands need every message at once ({@link #readAll}).
 */
final class MessageSource {
  /** A message to scan, or a path that could not be read. */
  sealed interface Item {
    String label();
  }

  /** A message and where it came from ({@code file} or {@code file:N} for the Nth in an mbox). */
  record Message(String label, byte[] bytes) implements Item {}

  /** A path that could not be read, with the reason. */
  record Failure(String label, String reason) implements Item {}

  /** An empty file (0 bytes): no message, reported instead of scored as one. */
  record Empty(String label) implements Item {}

  /** An mbox separator after the first: sender, then a date with a time of day. */
  private static final Pattern FROM_LINE = Pattern.compile("^From \\S+ +\\S.*\\d\\d?:\\d\\d");

  private MessageSource() {}

  /**
   * Every message under the paths, in order.
   *
   * @throws IOException naming the first path that does not exist or cannot be read
   */
  static List<Message> readAll(List<Path> paths) throws IOException {
    Listing listing = files(paths);
    if (!listing.failures().isEmpty()) {
      Failure f = listing.failures().get(0);
      throw new IOException(f.reason() + ": " + f.label());
    }
    List<Message> out = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    for (Path file : listing.files()) {
      read(
          file,
          item -> {
            switch (item) {
              case Message m -> out.add(m);
              case Failure f -> failures.add(f);
              case Empty e -> {} // nothing to learn or test
            }
          });
      if (!failures.isEmpty()) {
        throw new IOException(failures.get(0).reason() + ": " + failures.get(0).label());
      }
    }
    return out;
  }

  /**
   * The files found under the paths, in order, the paths that could not be listed, and the
   * directories given that hold no file at all.
   */
  record Listing(List<Path> files, List<Failure> failures, List<Path> emptyDirectories) {}

  /** The files to read, in order: directories expanded, unreadable paths as failures. */
  static Listing files(List<Path> paths) {
    List<Path> out = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    List<Path> empty = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        int before = out.size();
        int failedBefore = failures.size();
        expand(p, out, failures);
        if (out.size() == before && failures.size() == failedBefore) {
          empty.add(p);
        }
      } else if (Files.isRegularFile(p) && Files.isReadable(p)) {
        out.add(p);
      } else {
        failures.add(
            new Failure(
                p.toString(),
                Files.exists(p) ? "not a readable file" : "no such file or directory"));
      }
    }
    return new Listing(List.copyOf(out), List.copyOf(failures), List.copyOf(empty));
  }

  private static void expand(Path dir, List<Path> out, List<Failure> failures) {
    boolean maildir =
        Files.isDirectory(dir.resolve("cur")) || Files.isDirectory(dir.resolve("new"));
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = s.sorted().toList();
    } catch (IOException e) {
      failures.add(new Failure(dir.toString(), "cannot list directory: " + e.getMessage()));
      return;
    }
    for (Path c : children) {
      String name = c.getFileName().toString();
      if (maildir && name.equals("tmp")) {
        continue; // Maildir: tmp holds messages still being written
      }
      // One stat per entry (following links, as Files.isDirectory does): a corpus directory
      // holds thousands of files, and the scan waits for this listing.
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(c, BasicFileAttributes.class);
      } catch (IOException e) {
        continue; // gone since the listing, or a dangling link: neither file nor directory
      }
      if (name.startsWith(".") && !(maildir && a.isDirectory())) {
        continue; // hidden files: editor droppings, .gitkeep, Maildir++ metadata
      }
      if (a.isDirectory()) {
        expand(c, out, failures);
      } else if (a.isRegularFile()) {
        out.add(c);
      }
    }
  }

  /** Reads one file and hands each message in it to the sink. */
  static void read(Path file, Consumer<Item> sink) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException | OutOfMemoryError e) {
      sink.accept(new Failure(file.toString(), "cannot read: " + e.getMessage()));
      return;
    }
    split(file.toString(), bytes, sink);
  }

  /** Hands each message in {@code bytes} (one message, or an mbox) to the sink. */
  static void split(String label, byte[] bytes, Consumer<Item> sink) {
    if (bytes.length == 0) {
      sink.accept(new Empty(label));
    } else if (isMbox(bytes)) {
      splitMbox(label, bytes, sink);
    } else {
      sink.accept(new Message(label, bytes));
    }
  }

  /** An mbox starts with a {@code From } line (not a {@code From:} header). */
  static boolean isMbox(byte[] b) {
    return b.length >= 5 && b[0] == 'F' && b[1] == 'r' && b[2] == 'o' && b[3] == 'm' && b[4] == ' ';
  }

  /** Splits at {@code From } lines at the start of the file or after a blank line. */
  static void splitMbox(String label, byte[] b, Consumer<Item> sink) {
    // The first message waits until a second shows the file is a real mbox: a file of one
    // message after a From line (the SpamAssassin corpus, many archives) keeps its plain path as
    // its label, which other tools can open.
    Message[] first = new Message[1];
    int[] count = new int[1];
    splitMbox(
        b,
        (start, end, quoted) -> {
          count[0]++;
          byte[] message = quoted ? unquote(b, start, end) : trimmed(b, start, end);
          if (count[0] == 1) {
            first[0] = new Message(label, message);
            return;
          }
          if (count[0] == 2) {
            sink.accept(new Message(label + ":1", first[0].bytes()));
          }
          sink.accept(new Message(label + ":" + count[0], message));
        });
    if (count[0] == 1) {
      sink.accept(first[0]);
    }
  }

  /** A message's byte range in an mbox, and whether a line in it is a quoted From line. */
  @FunctionalInterface
  private interface RangeSink {
    void accept(int start, int end, boolean quoted);
  }

  /**
   * Calls the sink with each message's range: the file starts with a {@code From } line, and every
   * later {@code From } line after a blank line (empty, or a lone CR) that also matches {@link
   * #FROM_LINE} starts the next message. Only the bytes after each line feed are looked at, in one
   * pass that also notes quoted From lines ({@code >From }, {@code >>From }: unquoting), and the
   * pattern only on candidate lines: this runs on every file {@code scan} reads.
   */
  private static void splitMbox(byte[] b, RangeSink sink) {
    int n = b.length;
    // After the first From line; -1 until a From line is seen (a file that starts with one, as
    // read() makes sure, has it at once).
    int start = startsWith(b, 0, n, "From ") ? Math.min(eol(b, 0) + 1, n) : -1;
    boolean quoted = false;
    for (int j = Math.max(start - 1, 0); j + 1 < n; j++) {
      // A line starts at i = j + 1; "From " there, after a blank line ending at j.
      if (b[j] != '\n') {
        continue;
      }
      byte next = b[j + 1];
      if (next == '>') {
        // Quoted replies start lines with '>' too: only ">From ", ">>From "... need unquoting.
        int gt = j + 1;
        while (gt < n && b[gt] == '>') {
          gt++;
        }
        quoted |= startsWith(b, gt, n, "From ");
        continue;
      }
      if (next != 'F' || j + 6 > n) {
        continue;
      }
      boolean afterBlank =
          j == 0 || b[j - 1] == '\n' || (b[j - 1] == '\r' && (j == 1 || b[j - 2] == '\n'));
      int i = j + 1;
      if (afterBlank && startsWith(b, i, n, "From ")) {
        int eol = eol(b, i);
        if (start < 0
            || FROM_LINE.matcher(new String(b, i, eol - i, StandardCharsets.ISO_8859_1)).find()) {
          if (start >= 0) {
            sink.accept(start, i, quoted);
          }
          start = Math.min(eol + 1, n);
          quoted = false;
        }
      }
    }
    if (start >= 0 && start < n) {
      sink.accept(start, n, quoted);
    }
  }

  /** The index of the line feed ending the line at {@code i}, or the length when there is none. */
  private static int eol(byte[] b, int i) {
    while (i < b.length && b[i] != '\n') {
      i++;
    }
    return i;
  }

  private static boolean startsWith(byte[] b, int from, int to, String prefix) {
    if (to - from < prefix.length()) {
      return false;
    }
    for (int k = 0; k < prefix.length(); k++) {
      if (b[from + k] != prefix.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Copies one message out of the mbox, dropping the blank line that separates it from the next
   * {@code From } line and removing one {@code >} from {@code >From }, {@code >>From } lines.
   */
  static byte[] unquote(byte[] b, int from, int to) {
    int end = trimmedEnd(b, from, to);
    int quoted = nextQuotedFrom(b, from, from, end);
    if (quoted < 0) {
      return Arrays.copyOfRange(b, from, end); // most messages: nothing to unquote
    }
    byte[] out = new byte[end - from];
    int length = 0;
    int copied = from;
    while (quoted >= 0) {
      // Copy up to the quoted line, then the line without its first '>'.
      System.arraycopy(b, copied, out, length, quoted - copied);
      length += quoted - copied;
      copied = quoted + 1;
      quoted = nextQuotedFrom(b, from, copied, end);
    }
    System.arraycopy(b, copied, out, length, end - copied);
    length += end - copied;
    return Arrays.copyOf(out, length);
  }

  /** One message out of the mbox, without the blank line before the next From line. */
  private static byte[] trimmed(byte[] b, int from, int to) {
    return Arrays.copyOfRange(b, from, trimmedEnd(b, from, to));
  }

  private static int trimmedEnd(byte[] b, int from, int to) {
    if (to - from >= 2 && b[to - 1] == '\n' && b[to - 2] == '\n') {
      return to - 1;
    }
    if (to - from >= 4 && b[to - 1] == '\n' && b[to - 2] == '\r' && b[to - 3] == '\n') {
      return to - 2;
    }
    return to;
  }

  /**
   * The start of the first line at or after {@code at} that is one or more {@code >} and then
   * {@code From }, or -1; lines start at {@code from} and after each line feed.
   */
  private static int nextQuotedFrom(byte[] b, int from, int at, int end) {
    for (int i = at; i < end; i++) {
      if (b[i] == '>' && (i == from || b[i - 1] == '\n')) {
        int gt = i;
        while (gt < end && b[gt] == '>') {
          gt++;
        }
        if (startsWith(b, gt, end, "From ")) {
          return i;
        }
      }
    }
    return -1;
  }
}
